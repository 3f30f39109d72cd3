package ws_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// Pruning deletes log rows older than the retention. A client whose since
// is older than the oldest kept event gets a gap frame naming what it
// missed, then the rest in order; a newer since replays exactly as before.
func TestGatewayPrunedLogGap(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		clock := testutil.NewClock(time.Now().Truncate(time.Millisecond))
		srv := testutil.StartServer(t, b, core.WithClock(clock.Now))
		f := &fixture{srv: srv, app: srv.CreateApp(t, nil)}
		f.register(t, "alice", "bobby")
		f.login(t, "bobby")
		for i := range 5 {
			f.adminSend(t, "alice", "bobby", fmt.Sprint("old ", i), nil)
		}
		clock.Advance(8 * 24 * time.Hour)
		var kept []int64
		for i := range 3 {
			kept = append(kept, f.adminSend(t, "alice", "bobby", fmt.Sprint("new ", i), nil))
		}
		// A second session of the user keeps its token valid: logins expire
		// with the injected clock too.
		token := f.login(t, "bobby")

		ctx := context.Background()
		counts, err := srv.Svc.Prune(ctx, core.PruneOptions{Batch: 2})
		if err != nil {
			t.Fatal(err)
		}
		// bob's 5 old events and alice's 5 copies of them, two rows a batch.
		if counts.Events != 10 {
			t.Fatalf("pruned %d events, want 10", counts.Events)
		}

		expectRest := func(c *client) {
			t.Helper()
			for i, id := range kept {
				if m := c.nextOf(t, "message"); m.Seq != int64(6+i) || m.MsgID != id {
					t.Fatalf("got %+v, want seq %d msg %d", m, 6+i, id)
				}
			}
			c.quiet(t, 200*time.Millisecond)
		}
		for _, since := range []int64{0, 2} {
			c := f.dial(t, token, fmt.Sprint("since=", since))
			g := c.next(t)
			if g.Type != "gap" || g.FromSeq != since+1 || g.ToSeq != 5 {
				t.Fatalf("since=%d: first frame %+v, want gap %d..5", since, g, since+1)
			}
			expectRest(c)
			_ = c.conn.CloseNow()
		}
		// Nothing this client needs was pruned: no gap.
		c := f.dial(t, token, "since=5")
		expectRest(c)

		// Everything pruned: the gap covers the whole log.
		clock.Advance(8 * 24 * time.Hour)
		token = f.login(t, "bobby")
		if _, err := srv.Svc.Prune(ctx, core.PruneOptions{}); err != nil {
			t.Fatal(err)
		}
		c = f.dial(t, token, "since=6")
		if g := c.next(t); g.Type != "gap" || g.FromSeq != 7 || g.ToSeq != 8 {
			t.Fatalf("first frame %+v, want gap 7..8", g)
		}
		id := f.adminSend(t, "alice", "bobby", "after", nil)
		if m := c.nextOf(t, "message"); m.Seq != 9 || m.MsgID != id {
			t.Fatalf("live after the gap: %+v, want seq 9", m)
		}
	})
}
