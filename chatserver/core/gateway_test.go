package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// gatewaySend is a gateway send from alice to bobby with the app as the
// connection read it when it opened.
func gatewaySend(svc *core.Service, app model.App, aliceID int64, cmid string) error {
	_, _, err := svc.SendAsUser(context.Background(), app, aliceID, "alice", cmid, core.NewMessage{
		TargetType: model.TargetSingle, TargetID: "bobby", MsgType: model.MsgText, Body: json.RawMessage(`{"text":"hi"}`),
	})
	return err
}

// A gateway send checks the app as it is now, not as the connection saw
// it: on the replica that disabled or purged it, at once (the app cache
// is dropped), and nothing is stored.
func TestSendAsUserRefusesADisabledOrPurgedApp(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		svc, _ := openWithRaw(t, b)
		app := newCoreApp(t, svc, "alice", "bobby")
		_, alice := login(t, svc, app, "alice", "web")
		_, bob := login(t, svc, app, "bobby", "web")
		// The connection's copy of the app, and a cached one in the core.
		if _, _, err := svc.SessionByToken(ctx, app.Key, mustToken(t, svc, app, "alice")); err != nil {
			t.Fatal(err)
		}
		logOf := func(userID int64) int64 {
			t.Helper()
			seq, err := svc.LastUserEventSeq(ctx, app.ID, userID)
			if err != nil {
				t.Fatal(err)
			}
			return seq
		}
		if err := gatewaySend(svc, app, alice.UserID, "before"); err != nil {
			t.Fatalf("send while enabled: %v", err)
		}
		if err := svc.DeleteApp(ctx, app.Key, false); err != nil {
			t.Fatal(err)
		}
		if err := gatewaySend(svc, app, alice.UserID, "disabled"); !errors.Is(err, core.ErrAppDisabled) {
			t.Fatalf("send after disable: %v, want ErrAppDisabled", err)
		}
		if got := logOf(bob.UserID); got != 1 {
			t.Fatalf("bob's log is at %d after the refused send, want 1", got)
		}
		// Enabled again, the same connection may send: the refusal is the
		// app's state, not a mark on the connection.
		if _, _, err := svc.PutApp(ctx, core.AppSpec{Key: app.Key, MasterSecret: testutil.NewKey()}); err != nil {
			t.Fatal(err)
		}
		if err := gatewaySend(svc, app, alice.UserID, "enabled again"); err != nil {
			t.Fatalf("send after re-enable: %v", err)
		}
		if err := svc.DeleteApp(ctx, app.Key, true); err != nil {
			t.Fatal(err)
		}
		if err := gatewaySend(svc, app, alice.UserID, "purged"); !errors.Is(err, core.ErrAppNotFound) {
			t.Fatalf("send after purge: %v, want ErrAppNotFound", err)
		}
		// Created again under the same key, it is another tenant: the old
		// connection's app is gone.
		if _, _, err := svc.PutApp(ctx, core.AppSpec{Key: app.Key, MasterSecret: testutil.NewKey()}); err != nil {
			t.Fatal(err)
		}
		if err := gatewaySend(svc, app, alice.UserID, "recreated"); !errors.Is(err, core.ErrAppNotFound) {
			t.Fatalf("send to a recreated app: %v, want ErrAppNotFound", err)
		}
	})
}

func mustToken(t *testing.T, svc *core.Service, app model.App, username string) string {
	t.Helper()
	token, _ := login(t, svc, app, username, "web")
	return token
}

// An ack past the user's last event is refused and changes nothing; one
// within the log is kept.
func TestAckPastTheLogIsRefused(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		svc, _ := openWithRaw(t, b)
		app := newCoreApp(t, svc, "alice", "bobby")
		_, alice := login(t, svc, app, "alice", "web")
		_, bob := login(t, svc, app, "bobby", "web")
		for _, cmid := range []string{"a", "b", "c"} {
			if err := gatewaySend(svc, app, alice.UserID, cmid); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.AckUserEvents(ctx, app.ID, bob.UserID, "web", 3); err != nil {
			t.Fatalf("ack of the last event: %v", err)
		}
		if err := svc.AckUserEvents(ctx, app.ID, bob.UserID, "web", 4); !errors.Is(err, core.ErrInvalid) {
			t.Fatalf("ack past the log: %v, want ErrInvalid", err)
		}
		if got, err := svc.UserEventAck(ctx, app.ID, bob.UserID, "web"); err != nil || got != 3 {
			t.Fatalf("stored ack %d, %v; want 3", got, err)
		}
	})
}
