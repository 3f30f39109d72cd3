package ws_test

import (
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// What a user sends from one device reaches the user's other devices, in
// the user's own log (so it replays), and not the sending session, which
// got "sent".
func TestGatewaySenderOtherDevices(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice", "bobby")
		phone := f.dial(t, f.login(t, "alice"), "since=0")
		laptopToken := f.login(t, "alice")
		laptop := f.dial(t, laptopToken, "since=0")
		bob := f.dial(t, f.login(t, "bobby"), "since=0")
		for _, c := range []*client{phone, laptop, bob} {
			c.sync(t)
		}

		phone.send(t, sendFrame("p-1", "bobby", "from my phone"))
		// The phone's next frame is "sent", not a copy of its message.
		sent := phone.next(t)
		if sent.Type != "sent" || sent.ClientMsgID != "p-1" {
			t.Fatalf("phone got %+v, want sent", sent)
		}
		if m := bob.nextOf(t, "message"); m.MsgID != sent.MsgID {
			t.Fatalf("bob got %+v", m)
		}
		copy1 := laptop.nextOf(t, "message")
		if copy1.MsgID != sent.MsgID || copy1.Seq != 1 || copy1.FromID != "alice" || copy1.TargetID != "bobby" ||
			copy1.ClientMsgID != "p-1" || copy1.text(t) != "from my phone" {
			t.Fatalf("laptop got %+v, want msg %d seq 1 with client_msg_id p-1", copy1, sent.MsgID)
		}
		// A retry stores nothing, so nobody hears of it again.
		phone.send(t, sendFrame("p-1", "bobby", "from my phone"))
		if s := phone.next(t); s.Type != "sent" || !s.Duplicate || s.MsgID != sent.MsgID {
			t.Fatalf("retry %+v", s)
		}
		// The next event in alice's log reaches the phone too: it skipped
		// its own copy (seq 1), and moves on to seq 2.
		id := f.adminSend(t, "bobby", "alice", "reply", nil)
		if m := phone.nextOf(t, "message"); m.MsgID != id || m.Seq != 2 {
			t.Fatalf("phone got %+v, want msg %d seq 2 (and not its own send)", m, id)
		}
		if m := laptop.nextOf(t, "message"); m.MsgID != id || m.Seq != 2 {
			t.Fatalf("laptop got %+v, want msg %d seq 2", m, id)
		}
		phone.quiet(t, 200*time.Millisecond)

		// The laptop reconnects: its replay holds alice's own message.
		_ = laptop.conn.CloseNow()
		laptop = f.dial(t, laptopToken, "since=0")
		if m := laptop.nextOf(t, "message"); m.MsgID != sent.MsgID || m.Seq != 1 || m.ClientMsgID != "p-1" {
			t.Fatalf("laptop replay %+v, want msg %d seq 1", m, sent.MsgID)
		}
		if m := laptop.nextOf(t, "message"); m.MsgID != id || m.Seq != 2 {
			t.Fatalf("laptop replay %+v, want msg %d seq 2", m, id)
		}
	})
}
