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
