package ws_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// An ack past the user's last event is refused (error "invalid") and
// stored nowhere: the device's resume still replays the events that take
// those seqs later, instead of skipping them.
func TestGatewayRefusesAnAckPastTheLog(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice", "bobby")
		token := f.login(t, "bobby")
		app := f.appOf(t)
		bobID := f.userID(t, app, token)
		bob := f.dial(t, token, "")
		bob.sync(t)
		for i := range 3 {
			f.adminSend(t, "alice", "bobby", fmt.Sprint("m", i), nil)
			bob.nextOf(t, "message")
		}
		bob.send(t, map[string]any{"type": "ack", "seq": 3})
		bob.send(t, map[string]any{"type": "ack", "seq": 1000})
		bob.send(t, map[string]any{"type": "ping"}) // its pong comes after any answer to the ack
		if e := bob.next(t); e.Type != "error" || e.Code != "invalid" {
			t.Fatalf("ack 1000 with the log at 3: %+v, want an invalid error", e)
		}
		bob.nextOf(t, "pong")
		if got, err := f.srv.Svc.UserEventAck(context.Background(), app.ID, bobID, "web"); err != nil || got != 3 {
			t.Fatalf("stored ack %d, %v; want 3", got, err)
		}
		_ = bob.conn.CloseNow()

		later := []int64{f.adminSend(t, "alice", "bobby", "fourth", nil), f.adminSend(t, "alice", "bobby", "fifth", nil)}
		bob = f.dial(t, token, "")
		for i, id := range later {
			if m := bob.nextOf(t, "message"); m.Seq != int64(4+i) || m.MsgID != id {
				t.Fatalf("resumed with %+v, want seq %d msg %d", m, 4+i, id)
			}
		}
		bob.quiet(t, 200*time.Millisecond)
	})
}
