package realtime_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/realtime"
)

// RegisterAtMost checks and registers in one step: concurrent connects of
// one user never go past the limit, and other users have their own.
func TestRegisterAtMostHoldsUnderConcurrency(t *testing.T) {
	h := realtime.NewUnsubscribedHub(nil, 8)
	const limit, tries = 3, 40
	var wg sync.WaitGroup
	var won atomic.Int32
	for range tries {
		wg.Go(func() {
			if s, ok := h.RegisterAtMost(1, 1, limit); ok {
				if s == nil {
					t.Error("registered, but no session")
				}
				won.Add(1)
			}
		})
	}
	wg.Wait()
	if won.Load() != limit || h.Online(1, 1) != limit {
		t.Fatalf("%d of %d connects registered, %d online; want %d", won.Load(), tries, h.Online(1, 1), limit)
	}
	if _, ok := h.RegisterAtMost(1, 2, limit); !ok {
		t.Fatal("another user of the app was refused")
	}
	if _, ok := h.RegisterAtMost(1, 1, 0); !ok {
		t.Fatal("limit 0 (no cap) refused a session")
	}
}

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
