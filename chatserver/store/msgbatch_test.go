package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// Concurrent appends are committed in shared batches; every caller must
// get the id of its own message, and every id must be distinct.
func TestAppendMessageGivesEachCallerItsOwnID(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		st, app, now := openWithApp(t, b, "batchapp")
		q := st.Read()

		const senders = 300
		ids := make([]int64, senders)
		errs := make([]error, senders)
		var wg sync.WaitGroup
		for i := range senders {
			wg.Go(func() {
				ids[i], errs[i] = st.AppendMessage(ctx, model.Message{
					AppID: app.ID, TargetType: model.TargetSingle, FromID: int64(i), FromUsername: fmt.Sprintf("from%d", i),
					TargetID: 1, TargetName: "someone", TargetAppID: app.ID, MsgType: model.MsgText,
					Body: fmt.Sprintf(`{"text":"message %d"}`, i), Created: now,
				})
			})
		}
		wg.Wait()
		seen := map[int64]bool{}
		for i := range senders {
			if errs[i] != nil {
				t.Fatalf("append %d: %v", i, errs[i])
			}
			if seen[ids[i]] {
				t.Fatalf("id %d returned twice", ids[i])
			}
			seen[ids[i]] = true
			m, err := q.MessageByID(ctx, app.ID, ids[i])
			if err != nil {
				t.Fatalf("reading %d: %v", ids[i], err)
			}
			if want := fmt.Sprintf(`{"text":"message %d"}`, i); m.Body != want || m.FromUsername != fmt.Sprintf("from%d", i) {
				t.Fatalf("id %d holds %s from %s, want %s from from%d", ids[i], m.Body, m.FromUsername, want, i)
			}
		}
	})
}
