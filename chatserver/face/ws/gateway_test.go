package ws_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/ws"
	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

func sendFrame(cmid, to, text string) map[string]any {
	return map[string]any{"type": "send", "client_msg_id": cmid, "target_type": "single", "target_id": to,
		"msg_type": "text", "msg_body": map[string]any{"text": text}}
}

// A message from the admin API and one from a send frame both arrive.
func TestGatewayAdminAndSendFrame(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice", "bobby")
		alice := f.dial(t, f.login(t, "alice"), "since=0")
		bob := f.dial(t, f.login(t, "bobby"), "since=0")
		alice.sync(t)
		bob.sync(t)

		id := f.adminSend(t, "alice", "bobby", "hello bob", nil)
		m := bob.nextOf(t, "message")
		if m.MsgID != id || m.Seq != 1 || m.FromID != "alice" || m.TargetID != "bobby" || m.text(t) != "hello bob" {
			t.Fatalf("bob got %+v, want msg %d seq 1 from alice", m, id)
		}
		// Alice's sessions see what was sent in her name, in her own log.
		if own := alice.nextOf(t, "message"); own.MsgID != id || own.Seq != 1 || own.FromID != "alice" {
			t.Fatalf("alice's own copy %+v, want msg %d seq 1", own, id)
		}

		bob.send(t, sendFrame("c-1", "alice", "hello alice"))
		sent := bob.nextOf(t, "sent")
		if sent.ClientMsgID != "c-1" || sent.MsgID <= id || sent.Duplicate {
			t.Fatalf("sent frame %+v", sent)
		}
		got := alice.nextOf(t, "message")
		if got.MsgID != sent.MsgID || got.Seq != 2 || got.FromID != "bobby" || got.text(t) != "hello alice" {
			t.Fatalf("alice got %+v, want msg %d from bob", got, sent.MsgID)
		}
	})
}

// A user offline for 100 messages gets exactly those, in order, and then
// live ones with no duplicate at the boundary.
func TestGatewayReplayAfterOffline(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice", "bobby")
		token := f.login(t, "bobby")
		bob := f.dial(t, token, "since=0")
		f.adminSend(t, "alice", "bobby", "before", nil)
		if m := bob.nextOf(t, "message"); m.Seq != 1 {
			t.Fatalf("first message has seq %d", m.Seq)
		}
		_ = bob.conn.CloseNow()

		ids := make([]int64, 100)
		for i := range ids {
			ids[i] = f.adminSend(t, "alice", "bobby", fmt.Sprint("missed ", i), nil)
		}
		bob = f.dial(t, token, "since=1")
		for i, id := range ids {
			m := bob.nextOf(t, "message")
			if m.Seq != int64(i+2) || m.MsgID != id || m.text(t) != fmt.Sprint("missed ", i) {
				t.Fatalf("replayed frame %d: %+v, want seq %d msg %d", i, m, i+2, id)
			}
		}
		last := f.adminSend(t, "alice", "bobby", "live", nil)
		if m := bob.nextOf(t, "message"); m.Seq != 102 || m.MsgID != last {
			t.Fatalf("live frame after replay: %+v, want seq 102 msg %d", m, last)
		}
		bob.quiet(t, 200*time.Millisecond)
	})
}

// A retried send with the same client_msg_id stores one message.
func TestGatewayIdempotentSend(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice", "bobby")
		alice := f.dial(t, f.login(t, "alice"), "")
		bob := f.dial(t, f.login(t, "bobby"), "")

		alice.send(t, sendFrame("retry-me", "bobby", "once"))
		first := alice.nextOf(t, "sent")
		alice.send(t, sendFrame("retry-me", "bobby", "once"))
		second := alice.nextOf(t, "sent")
		if first.MsgID == 0 || second.MsgID != first.MsgID || first.Duplicate || !second.Duplicate {
			t.Fatalf("sent frames %+v and %+v: want one msg_id, the second a duplicate", first, second)
		}
		if m := bob.nextOf(t, "message"); m.MsgID != first.MsgID {
			t.Fatalf("bob got %+v", m)
		}
		bob.quiet(t, 300*time.Millisecond)
		// The log agrees: one event.
		again := f.dial(t, f.login(t, "bobby"), "since=0")
		if m := again.nextOf(t, "message"); m.MsgID != first.MsgID || m.Seq != 1 {
			t.Fatalf("replay %+v", m)
		}
		again.quiet(t, 200*time.Millisecond)

		// Another user may use the same client_msg_id.
		bob.send(t, sendFrame("retry-me", "alice", "mine"))
		if s := bob.nextOf(t, "sent"); s.Duplicate || s.MsgID == first.MsgID {
			t.Fatalf("bob's send %+v was taken for alice's", s)
		}
	})
}

// Every session of a user receives the user's events.
func TestGatewayMultiDevice(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice", "bobby")
		phone := f.dial(t, f.login(t, "bobby"), "since=0")
		laptop := f.dial(t, f.login(t, "bobby"), "since=0")
		phone.sync(t)
		laptop.sync(t)
		id := f.adminSend(t, "alice", "bobby", "both", nil)
		for _, c := range []*client{phone, laptop} {
			if m := c.nextOf(t, "message"); m.MsgID != id || m.Seq != 1 {
				t.Fatalf("device got %+v", m)
			}
		}
	})
}

// A retract reaches the online recipient as an event.
func TestGatewayRetract(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice", "bobby")
		bob := f.dial(t, f.login(t, "bobby"), "since=0")
		bob.sync(t)
		id := f.adminSend(t, "alice", "bobby", "oops", nil)
		bob.nextOf(t, "message")
		r := f.srv.Do(t, "POST", fmt.Sprintf("/v1/messages/alice/%d/retract", id), f.app.As(), nil)
		if r.Status != http.StatusNoContent {
			t.Fatalf("retract: %d %s", r.Status, r.Body)
		}
		ev := bob.nextOf(t, "event")
		if ev.Event != "retract" || ev.MsgID != id || ev.Seq != 2 {
			t.Fatalf("retract event %+v", ev)
		}
	})
}

// no_offline messages are delivered live but never replayed.
func TestGatewayNoOfflineNotReplayed(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice", "bobby")
		token := f.login(t, "bobby")
		bob := f.dial(t, token, "since=0")
		bob.sync(t)
		live := f.adminSend(t, "alice", "bobby", "now or never", map[string]any{"no_offline": true})
		if m := bob.nextOf(t, "message"); m.MsgID != live || m.Seq != 0 {
			t.Fatalf("live-only frame %+v, want msg %d without seq", m, live)
		}
		_ = bob.conn.CloseNow()
		f.adminSend(t, "alice", "bobby", "ephemeral", map[string]any{"no_offline": true})
		kept := f.adminSend(t, "alice", "bobby", "kept", nil)
		bob = f.dial(t, token, "since=0")
		if m := bob.nextOf(t, "message"); m.MsgID != kept || m.Seq != 1 {
			t.Fatalf("replay %+v, want only msg %d", m, kept)
		}
		bob.quiet(t, 200*time.Millisecond)
	})
}

// Acks let a device resume without ?since=; read marks are stored and
// feed unread counts.
func TestGatewayAckAndRead(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice", "bobby")
		token := f.login(t, "bobby")
		bob := f.dial(t, token, "")
		bob.sync(t)
		for i := range 3 {
			f.adminSend(t, "alice", "bobby", fmt.Sprint("m", i), nil)
		}
		var last frame
		for range 3 {
			last = bob.nextOf(t, "message")
		}
		bob.send(t, map[string]any{"type": "ack", "seq": 2})
		bob.send(t, map[string]any{"type": "read", "conversation": "single:alice", "msg_id": last.MsgID})
		bob.sync(t)
		_ = bob.conn.CloseNow()

		ctx := context.Background()
		app, err := f.srv.Svc.GetApp(ctx, f.app.Key)
		if err != nil {
			t.Fatal(err)
		}
		sess, err := sessionOf(f.srv.Svc, app, token)
		if err != nil {
			t.Fatal(err)
		}
		if mark, err := f.srv.Svc.ReadMark(ctx, app, sess.UserID, "single:alice"); err != nil || mark != last.MsgID {
			t.Fatalf("read mark %d, %v; want %d", mark, err, last.MsgID)
		}
		unread := func() int64 {
			t.Helper()
			n, err := f.srv.Svc.UnreadCount(ctx, app, sess.UserID, "single:alice")
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := unread(); n != 0 {
			t.Fatalf("unread after reading all: %d", n)
		}
		f.adminSend(t, "alice", "bobby", "new", nil)
		f.adminSend(t, "alice", "bobby", "newer", map[string]any{"no_offline": true})
		if n := unread(); n != 1 {
			t.Fatalf("unread after one more stored message: %d, want 1", n)
		}
		bob = f.dial(t, token, "")
		if m := bob.nextOf(t, "message"); m.Seq != 3 {
			t.Fatalf("resumed at %+v, want seq 3", m)
		}
		bob.send(t, map[string]any{"type": "read", "conversation": "", "msg_id": 1})
		if e := bob.nextOf(t, "error"); e.Code != "invalid" {
			t.Fatalf("error frame %+v", e)
		}
	})
}

func sessionOf(svc *core.Service, app model.App, token string) (model.Session, error) {
	_, s, err := svc.SessionByToken(context.Background(), app.Key, token)
	return s, err
}

// A send frame obeys the same rules as /v1/messages.
func TestGatewaySendErrors(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice")
		alice := f.dial(t, f.login(t, "alice"), "")
		alice.send(t, sendFrame("x", "nobody", "hi"))
		if e := alice.nextOf(t, "error"); e.Code != "not_found" || e.ClientMsgID != "x" {
			t.Fatalf("error frame %+v", e)
		}
		alice.send(t, map[string]any{"type": "send", "client_msg_id": "y", "target_type": "nowhere", "target_id": "a",
			"msg_type": "text", "msg_body": map[string]any{"text": "hi"}})
		if e := alice.nextOf(t, "error"); e.Code != "invalid" {
			t.Fatalf("error frame %+v", e)
		}
		alice.send(t, map[string]any{"type": "dance"})
		if e := alice.nextOf(t, "error"); e.Code != "bad_frame" {
			t.Fatalf("error frame %+v", e)
		}
		// A failed send releases its client_msg_id.
		f.register(t, "nobody")
		alice.send(t, sendFrame("x", "nobody", "hi"))
		if s := alice.nextOf(t, "sent"); s.MsgID == 0 || s.Duplicate {
			t.Fatalf("sent frame %+v", s)
		}
	})
}

// Another tenant's token, a revoked one and none at all are refused
// before the upgrade.
func TestGatewayRefusesForeignAndRevokedTokens(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "bobby")
		other := &fixture{srv: f.srv, app: f.srv.CreateApp(t, nil)}
		other.register(t, "bobby")
		foreign := other.login(t, "bobby")
		if _, status, err := f.tryDial(foreign, "", false); err == nil || status != http.StatusUnauthorized {
			t.Fatalf("foreign token: status %d, err %v; want 401", status, err)
		}
		if _, status, err := f.tryDial("", "", false); err == nil || status != http.StatusUnauthorized {
			t.Fatalf("no token: status %d, err %v; want 401", status, err)
		}
		token := f.login(t, "bobby")
		app, err := f.srv.Svc.GetApp(context.Background(), f.app.Key)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.srv.Svc.RevokeSession(context.Background(), app, token); err != nil {
			t.Fatal(err)
		}
		if _, status, err := f.tryDial(token, "", false); err == nil || status != http.StatusUnauthorized {
			t.Fatalf("revoked token: status %d, err %v; want 401", status, err)
		}
		// The token also works as ?token=.
		good := f.login(t, "bobby")
		c, status, err := f.tryDial("", "token="+good, true)
		if err != nil {
			t.Fatalf("?token=: status %d: %v", status, err)
		}
		defer c.conn.CloseNow()
		c.sync(t)
	})
}

// A session that never reads is cut off with "slow consumer"; the
// publisher never waits for it and other users keep receiving.
func TestGatewaySlowConsumer(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice", "bobby", "carol")
		slow, _, err := f.tryDial(f.login(t, "carol"), "", false)
		if err != nil {
			t.Fatal(err)
		}
		defer slow.conn.CloseNow()
		bob := f.dial(t, f.login(t, "bobby"), "")
		bob.sync(t)
		ctx := context.Background()
		app, err := f.srv.Svc.GetApp(ctx, f.app.Key)
		if err != nil {
			t.Fatal(err)
		}
		carolSess, err := sessionOf(f.srv.Svc, app, f.login(t, "carol"))
		if err != nil {
			t.Fatal(err)
		}

		// Live-only events of 32 KB: far more than the socket buffers and
		// the 256-frame queue hold.
		body := `{"text":"` + strings.Repeat("x", 32<<10) + `"}`
		var slowest time.Duration
		for i := range 2000 {
			start := time.Now()
			f.srv.Svc.Events().Publish(ctx, core.Event{
				Kind: core.EventMessage, AppID: app.ID, AppKey: app.Key,
				Recipients: []core.Recipient{{UserID: carolSess.UserID, AppID: app.ID}},
				Message: &model.Message{ID: int64(i + 1), AppID: app.ID, TargetType: model.TargetSingle, FromUsername: "alice",
					TargetName: "carol", MsgType: model.MsgText, Body: body, Created: time.Now()},
				At: time.Now(),
			})
			slowest = max(slowest, time.Since(start))
		}
		// A publish that waited for the stalled socket would take the
		// write timeout (10 s).
		if slowest > 2*time.Second {
			t.Fatalf("a publish to a stalled session took %s", slowest)
		}
		// Bob is not held up.
		id := f.adminSend(t, "alice", "bobby", "still here", nil)
		if m := bob.nextOf(t, "message"); m.MsgID != id {
			t.Fatalf("bob got %+v", m)
		}
		// Carol's connection ends before all 2000 frames: she was cut off.
		n := 0
		for {
			_, _, err := slow.conn.Read(ctx)
			if err != nil {
				if code, reason := closeStatus(err); code != -1 && (code != 1008 || reason != "slow consumer") {
					t.Fatalf("closed with %d %q, want 1008 slow consumer", code, reason)
				}
				break
			}
			n++
		}
		if n >= 2000 {
			t.Fatalf("slow consumer received all %d frames", n)
		}
		t.Logf("slow consumer cut off after %d frames", n)
	})
}

// Group messages and membership changes reach every member's sessions;
// an offline member gets them on connect.
func TestGatewayGroupFanout(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice", "bobby", "carol", "david")
		r := f.srv.Do(t, "POST", "/v1/groups/", f.app.As(), map[string]any{
			"owner_username": "alice", "name": "team", "members_username": []string{"bobby", "carol"}})
		if r.Status != http.StatusCreated {
			t.Fatalf("creating group: %d %s", r.Status, r.Body)
		}
		var g struct {
			Gid int64 `json:"gid"`
		}
		r.JSON(t, &g)
		bob := f.dial(t, f.login(t, "bobby"), "")
		carol := f.dial(t, f.login(t, "carol"), "")
		bob.sync(t)
		carol.sync(t)

		r = f.srv.Do(t, "POST", fmt.Sprintf("/v1/groups/%d/members", g.Gid), f.app.As(), map[string]any{"add": []string{"david"}})
		if r.Status != http.StatusNoContent {
			t.Fatalf("adding david: %d %s", r.Status, r.Body)
		}
		for _, c := range []*client{bob, carol} {
			if ev := c.nextOf(t, "event"); ev.Event != "group.members_added" {
				t.Fatalf("event %+v", ev)
			}
		}
		bob.send(t, map[string]any{"type": "send", "client_msg_id": "g-1", "target_type": "group", "target_id": g.Gid,
			"msg_type": "text", "msg_body": map[string]any{"text": "hi team"}})
		sent := bob.nextOf(t, "sent")
		if m := carol.nextOf(t, "message"); m.MsgID != sent.MsgID || m.TargetID != fmt.Sprint(g.Gid) || m.FromID != "bobby" {
			t.Fatalf("carol got %+v", m)
		}
		david := f.dial(t, f.login(t, "david"), "since=0")
		var last frame
		for last.Type != "message" {
			last = david.next(t)
		}
		if last.MsgID != sent.MsgID || last.text(t) != "hi team" {
			t.Fatalf("david's replay ended with %+v", last)
		}
		bob.quiet(t, 200*time.Millisecond)
	})
}

// A client that stops answering pings is disconnected.
func TestGatewayHeartbeat(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice")
		// A second gateway on the same service, with fast heartbeats; no
		// events flow here, so its hub's second recording of them is moot.
		g := gatewayWith(t, f, ws.WithHeartbeat(50*time.Millisecond, 50*time.Millisecond))
		// A reading client answers pings and stays.
		alive := g.dial(t, f.login(t, "alice"), "")
		time.Sleep(300 * time.Millisecond)
		alive.sync(t)
		// One that never reads cannot answer them: it is dropped.
		dead, _, err := g.tryDial(f.login(t, "alice"), "", false)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		for {
			if _, _, err := dead.conn.Read(ctx); err != nil {
				if ctx.Err() != nil {
					t.Fatal("the silent client was not disconnected")
				}
				break
			}
		}
	})
}

// A session that ends behind the gateway's back (no forced_logout reached
// it: a lost notification, an expiry) is closed at the next heartbeat,
// with 4001 "session revoked".
func TestGatewayClosesRevokedSession(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice")
		// A second gateway with fast heartbeats; no events flow here.
		g := gatewayWith(t, f, ws.WithHeartbeat(50*time.Millisecond, time.Second))
		token := f.login(t, "alice")
		c := g.dial(t, token, "")
		c.sync(t)
		time.Sleep(200 * time.Millisecond)
		c.sync(t) // still open while the token is valid
		app, err := f.srv.Svc.GetApp(context.Background(), f.app.Key)
		if err != nil {
			t.Fatal(err)
		}
		// Delete the session row directly: the core would announce it.
		hash := sha256.Sum256([]byte(token))
		if err := f.srv.Store.Write(context.Background(), func(q *store.Q) error {
			return q.DeleteSession(context.Background(), app.ID, hash[:])
		}); err != nil {
			t.Fatal(err)
		}
		select {
		case _, ok := <-c.frames:
			if ok {
				t.Fatal("unexpected frame")
			}
		case <-time.After(waitFor):
			t.Fatal("the revoked session stayed open")
		}
		if code, reason := closeStatus(<-c.closed); code != 4001 || reason != "session revoked" {
			t.Fatalf("closed with %d %q, want 4001 session revoked", code, reason)
		}
	})
}
