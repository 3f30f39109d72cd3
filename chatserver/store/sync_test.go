package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// Sync versions never repeat within an app, even when many writers stamp
// in the same millisecond, and the committed high-water mark is the
// largest one handed out.
func TestSyncClockVersionsAreUnique(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		st, app, _ := openWithApp(t, b, "syncclock000000000000001")
		const writers, each = 8, 25
		var mu sync.Mutex
		seen := map[int64]bool{}
		var maxStamp int64
		var wg sync.WaitGroup
		for range writers {
			wg.Go(func() {
				for range each {
					var v int64
					err := st.Write(ctx, func(q *store.Q) (err error) {
						v, err = q.StartSyncClock(ctx, app.ID)
						return err
					})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if seen[v] {
						t.Errorf("version %d handed out twice", v)
					}
					seen[v] = true
					maxStamp = max(maxStamp, v)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		high, err := st.Read().SyncHighWater(ctx, app.ID)
		if err != nil || high != maxStamp || len(seen) != writers*each {
			t.Fatalf("high-water %d (%v), largest version %d, %d versions", high, err, maxStamp, len(seen))
		}
	})
}
