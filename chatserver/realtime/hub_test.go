package realtime_test

import (
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/realtime"
)

// A live delivery addressed to core.WholeApp reaches every session of
// that app, and no other app's. Sessions not started queue what they get,
// so a queue of one overflows on the second delivery: the sessions that
// got both are closed as slow consumers.
func TestWholeAppDeliveryReachesEveryUserOfTheApp(t *testing.T) {
	h := realtime.NewUnsubscribedHub(nil, 1)
	alice, bob, stranger := h.Register(1, 1), h.Register(1, 2), h.Register(2, 1)
	defer stranger.Close()
	logout := core.Delivery{AppID: 1, UserID: core.WholeApp, Kind: core.EventForcedLogout,
		Payload: []byte(`{"reason":"app_disabled","sessions":null,"all":true}`)}
	h.Deliver(logout)
	h.Deliver(logout)
	for name, s := range map[string]*realtime.Session{"alice": alice, "bob": bob} {
		select {
		case <-s.Done():
		default:
			t.Fatalf("%s's session did not get the app-wide deliveries", name)
		}
	}
	if stranger.Err() != nil {
		t.Fatalf("another app's session was reached: %v", stranger.Err())
	}
	// A numbered delivery belongs to one user's log: never app-wide.
	h2 := realtime.NewUnsubscribedHub(nil, 1)
	carol := h2.Register(1, 3)
	defer carol.Close()
	numbered := core.Delivery{AppID: 1, UserID: core.WholeApp, Seq: 1, Kind: core.EventMessage, Payload: []byte(`{}`)}
	h2.Deliver(numbered)
	h2.Deliver(numbered)
	if carol.Err() != nil {
		t.Fatalf("a numbered delivery to the whole app was pushed: %v", carol.Err())
	}
}
