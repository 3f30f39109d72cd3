package core_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// authenticated returns the app as a request would see it: fresh from the
// database, with the current words version.
func authenticated(t *testing.T, svc *core.Service, app testutil.App) model.App {
	t.Helper()
	a, err := svc.Authenticate(context.Background(), app.Key, app.Secret)
	if err != nil {
		t.Fatalf("authenticating: %v", err)
	}
	return a
}

func TestMaskTextFollowsWordChanges(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		svc := srv.Svc

		mask := func(text string) (string, bool) {
			t.Helper()
			out, changed, err := svc.MaskText(ctx, authenticated(t, svc, app), text)
			if err != nil {
				t.Fatalf("masking: %v", err)
			}
			return out, changed
		}

		if out, changed := mask("hello world"); changed || out != "hello world" {
			t.Fatalf("no words yet: got %q, %v", out, changed)
		}
		if err := svc.AddWords(ctx, authenticated(t, svc, app), []string{"FUCK", "傻瓜"}); err != nil {
			t.Fatal(err)
		}
		if out, _ := mask("oh fuck, 你是傻瓜"); out != "oh ****, 你是**" {
			t.Fatalf("after add: got %q", out)
		}
		if err := svc.ReplaceWord(ctx, authenticated(t, svc, app), "FUCK", "darn"); err != nil {
			t.Fatal(err)
		}
		if out, _ := mask("fuck darn"); out != "fuck ****" {
			t.Fatalf("after rename: got %q", out)
		}
		if err := svc.DeleteWord(ctx, authenticated(t, svc, app), "傻瓜"); err != nil {
			t.Fatal(err)
		}
		if out, _ := mask("傻瓜"); out != "傻瓜" {
			t.Fatalf("after delete: got %q", out)
		}
		if err := svc.SetWordFilter(ctx, authenticated(t, svc, app), false); err != nil {
			t.Fatal(err)
		}
		if out, changed := mask("darn"); changed || out != "darn" {
			t.Fatalf("filter off: got %q, %v", out, changed)
		}
	})
}

// A second Service on the same database stands in for another replica: a
// word added through one must mask on the other without any message
// between them, once the other's cached app row is older than
// DefaultAppCacheTTL.
func TestMaskTextSeesChangesFromAnotherReplica(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		clock := testutil.NewClock(time.Now())
		other := core.New(srv.Store, core.WithClock(clock.Now))

		if out, _, _ := other.MaskText(ctx, authenticated(t, other, app), "spam!"); out != "spam!" {
			t.Fatalf("other replica before any word: got %q", out)
		}
		if err := srv.Svc.AddWords(ctx, authenticated(t, srv.Svc, app), []string{"spam"}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(core.DefaultAppCacheTTL)
		if out, _, _ := other.MaskText(ctx, authenticated(t, other, app), "spam!"); out != "****!" {
			t.Fatalf("other replica, first word: got %q", out)
		}
		if err := srv.Svc.AddWords(ctx, authenticated(t, srv.Svc, app), []string{"eggs"}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(core.DefaultAppCacheTTL)
		if out, _, _ := other.MaskText(ctx, authenticated(t, other, app), "spam eggs"); out != "**** ****" {
			t.Fatalf("other replica, second word: got %q", out)
		}
	})
}

// Secret rotation and disabling through one replica reach another within
// DefaultAppCacheTTL.
func TestAppChangesReachAnotherReplicaWithinTTL(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		clock := testutil.NewClock(time.Now())
		other := core.New(srv.Store, core.WithClock(clock.Now))
		authenticated(t, other, app)

		newSecret := testutil.NewKey()
		if _, _, err := srv.Svc.PutApp(ctx, core.AppSpec{Key: app.Key, MasterSecret: newSecret}); err != nil {
			t.Fatal(err)
		}
		clock.Advance(core.DefaultAppCacheTTL)
		if _, err := other.Authenticate(ctx, app.Key, app.Secret); !errors.Is(err, core.ErrUnauthorized) {
			t.Fatalf("old secret after the TTL: %v, want ErrUnauthorized", err)
		}
		if _, err := other.Authenticate(ctx, app.Key, newSecret); err != nil {
			t.Fatalf("new secret: %v", err)
		}
		if err := srv.Svc.DeleteApp(ctx, app.Key, false); err != nil {
			t.Fatal(err)
		}
		clock.Advance(core.DefaultAppCacheTTL)
		if _, err := other.Authenticate(ctx, app.Key, newSecret); !errors.Is(err, core.ErrAppDisabled) {
			t.Fatalf("disabled app after the TTL: %v, want ErrAppDisabled", err)
		}
	})
}

// Concurrent adds must not overshoot the capacity: each sees the others'
// committed words before counting.
func TestAddWordsCapacityUnderConcurrency(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, map[string]any{"limits": map[string]any{"sensitiveWords": 10}})
		a := authenticated(t, srv.Svc, app)

		const writers = 25
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			wg.Go(func() { errs[i] = srv.Svc.AddWords(ctx, a, []string{fmt.Sprintf("word%02d", i)}) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, core.ErrInvalid):
				t.Fatalf("unexpected error: %v", err)
			}
		}
		_, total, err := srv.Svc.ListWords(ctx, a, core.Page{Count: 100})
		if err != nil {
			t.Fatal(err)
		}
		if ok != 10 || total != 10 {
			t.Fatalf("accepted %d adds and listed %d words, want 10 and 10", ok, total)
		}
	})
}
