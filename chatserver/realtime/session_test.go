package realtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/realtime"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// logEvents stores n events for a user (through the same log the hub
// writes) and returns their deliveries.
func logEvents(t *testing.T, svc *core.Service, appID, userID int64, n int) []core.Delivery {
	t.Helper()
	var out []core.Delivery
	l := svc.NewUserLog()
	for range n {
		ds, err := l.Record(context.Background(), core.Event{
			Kind: core.EventMembersAdded, AppID: appID, Members: []string{"x"}, At: time.Now(),
			Recipients: []core.Recipient{{AppID: appID, UserID: userID, Offline: true}},
		})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ds...)
	}
	return out
}

func newService(t *testing.T, b testutil.Backend) (*core.Service, int64) {
	t.Helper()
	st, err := store.Open(context.Background(), b.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := core.New(st)
	app, _, err := svc.PutApp(context.Background(), core.AppSpec{Key: testutil.NewKey(), MasterSecret: testutil.NewKey()})
	if err != nil {
		t.Fatal(err)
	}
	return svc, app.ID
}

// Pushes that arrive late, twice, out of order, as bare wake-ups or
// across the replay boundary still come out once each, in seq order.
func TestStreamOrdersAndDeduplicates(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		svc, appID := newService(t, b)
		h := realtime.NewUnsubscribedHub(svc, 64)
		const user = 7
		before := logEvents(t, svc, appID, user, 3) // seqs 1..3
		s := h.Register(appID, user)
		defer s.Close()
		h.Deliver(before[2]) // stored before replay: replayed, then dropped live

		out := make(chan core.Delivery, 64)
		s.Start(1, func(d core.Delivery) error { out <- d; return nil }, func(error) {})
		next := func() core.Delivery {
			select {
			case d := <-out:
				return d
			case <-time.After(5 * time.Second):
				t.Fatal("nothing emitted")
			}
			return core.Delivery{}
		}
		expect := func(seqs ...int64) {
			t.Helper()
			for _, want := range seqs {
				d := next()
				if d.Seq != want || len(d.Payload) == 0 {
					t.Fatalf("emitted seq %d (payload %q), want %d", d.Seq, d.Payload, want)
				}
			}
		}
		expect(2, 3)
		after := logEvents(t, svc, appID, user, 4) // seqs 4..7, not yet pushed
		h.Deliver(after[2])                        // 6 first: 4 and 5 come from the log
		expect(4, 5, 6)
		h.Deliver(after[0])                                          // late duplicate
		h.Deliver(core.Delivery{AppID: appID, UserID: user, Seq: 7}) // a wake-up
		expect(7)
		h.Deliver(after[1])
		h.Deliver(core.Delivery{AppID: appID, UserID: user, Kind: core.EventMessage, Payload: []byte(`{"live":true}`)})
		if d := next(); d.Seq != 0 || string(d.Payload) != `{"live":true}` {
			t.Fatalf("want the live-only event, got seq %d %s", d.Seq, d.Payload)
		}
	})
}

// A full queue closes the session as a slow consumer; delivering to it
// never blocks.
func TestSlowConsumerIsKicked(t *testing.T) {
	h := realtime.NewUnsubscribedHub(nil, 2)
	s := h.Register(1, 1)
	for i := range 10 {
		h.Deliver(core.Delivery{AppID: 1, UserID: 1, Seq: int64(i + 1), Kind: core.EventMessage, Payload: []byte(`{}`)})
	}
	select {
	case <-s.Done():
	default:
		t.Fatal("session was not closed")
	}
	if !errors.Is(s.Err(), realtime.ErrSlowConsumer) {
		t.Fatalf("reason %v", s.Err())
	}
	other := h.Register(1, 2)
	if other.Err() != nil || h.Online(1, 2) != 1 {
		t.Fatal("another user's session was affected")
	}
	s.Close()
	if h.Online(1, 1) != 0 {
		t.Fatal("closed session still registered")
	}
}
