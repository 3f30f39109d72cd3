package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

func putApp(t *testing.T, st *store.Store, key string) int64 {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	err := st.Write(ctx, func(q *store.Q) error {
		_, err := q.PutApp(ctx, model.App{Key: key, SecretHash: []byte("x"), Created: now, Updated: now})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := st.Read().AppByKey(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// Two replicas (two stores on one database) append events for the same
// users at once: every user's seqs are 1..n, each once, and reading after
// a seq returns exactly the rest in order. Another tenant's log with the
// same user id stays apart.
func TestUserEventSeqsAcrossReplicas(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		url := b.NewURL(t)
		var replicas []*store.Store
		for range 2 {
			st, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			replicas = append(replicas, st)
		}
		app := putApp(t, replicas[0], testutil.NewKey())
		other := putApp(t, replicas[0], testutil.NewKey())
		users := []int64{3, 1, 2}
		const writers, batches = 4, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers*batches)
		for w := range writers {
			st := replicas[w%2]
			wg.Go(func() {
				for range batches {
					var evs []store.UserEvent
					// A batch holds each user twice, in differing orders.
					for _, u := range append(users, users[w%3], users[(w+1)%3], users[(w+2)%3]) {
						evs = append(evs, store.UserEvent{AppID: app, UserID: u, Kind: "message", Payload: `{}`, Created: time.Now()})
					}
					errs <- st.Write(ctx, func(q *store.Q) error { return q.AppendUserEvents(ctx, evs) })
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := replicas[1].Write(ctx, func(q *store.Q) error {
			return q.AppendUserEvents(ctx, []store.UserEvent{{AppID: other, UserID: 1, Kind: "message", Payload: `{}`, Created: time.Now()}})
		}); err != nil {
			t.Fatal(err)
		}
		want := int64(writers * batches * 2)
		for _, u := range users {
			evs, err := replicas[0].Read().UserEventsAfter(ctx, app, u, 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(evs)) != want {
				t.Fatalf("user %d has %d events, want %d", u, len(evs), want)
			}
			for i, e := range evs {
				if e.Seq != int64(i+1) {
					t.Fatalf("user %d: event %d has seq %d", u, i, e.Seq)
				}
			}
			last, err := replicas[1].Read().LastUserEventSeq(ctx, app, u)
			if err != nil || last != want {
				t.Fatalf("last seq of user %d: %d, %v", u, last, err)
			}
			rest, err := replicas[1].Read().UserEventsAfter(ctx, app, u, want-5, 1000)
			if err != nil || len(rest) != 5 || rest[0].Seq != want-4 {
				t.Fatalf("events after %d: %d, %v", want-5, len(rest), err)
			}
		}
		evs, err := replicas[0].Read().UserEventsAfter(ctx, other, 1, 0, 1000)
		if err != nil || len(evs) != 1 || evs[0].Seq != 1 {
			t.Fatalf("other tenant's log: %+v, %v", evs, err)
		}
	})
}

// Claims of client_msg_ids older than the cutoff are pruned, in batches;
// newer ones stay and still answer a retry.
func TestPruneClientMsgIDs(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		st, app, now := openWithApp(t, b, "pruneapp")
		old := now.Add(-10 * 24 * time.Hour)
		claim := func(id string, at time.Time) (owned bool, msgID int64) {
			t.Helper()
			err := st.Write(ctx, func(q *store.Q) error {
				var err error
				owned, msgID, err = q.ReserveClientMsgID(ctx, app.ID, 1, id, at, time.Minute)
				if err == nil && owned {
					err = q.CompleteClientMsgID(ctx, app.ID, 1, id, 42)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return owned, msgID
		}
		for i := range 3 {
			claim(fmt.Sprint("old-", i), old)
		}
		claim("new", now)
		var total int64
		for {
			var n int64
			if err := st.Write(ctx, func(q *store.Q) error {
				var err error
				n, err = q.PruneBefore(ctx, store.OldClientMsgIDs, now.Add(-7*24*time.Hour), 2)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			total += n
			if n < 2 {
				break
			}
		}
		if total != 3 {
			t.Fatalf("pruned %d claims, want 3", total)
		}
		if owned, _ := claim("old-0", now); !owned {
			t.Fatal("a pruned claim still blocks its client_msg_id")
		}
		if owned, msgID := claim("new", now); owned || msgID != 42 {
			t.Fatalf("the recent claim: owned %v, msg %d; want kept with msg 42", owned, msgID)
		}
	})
}
