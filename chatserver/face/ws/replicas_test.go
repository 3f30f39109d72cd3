package ws_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/ws"
	"github.com/chat-operator/chat-operator/chatserver/server"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// startReplica runs a chatserver on an existing database, as one more
// replica of a deployment, its gateway built with opts.
func startReplica(t *testing.T, url, token string, opts ...ws.Option) *testutil.Server {
	t.Helper()
	st, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	svc := core.New(st)
	var onShutdown []func()
	ts := httptest.NewServer(server.New(svc, server.Config{PlatformToken: token, Version: "test", Gateway: opts,
		OnShutdown: func(f func()) { onShutdown = append(onShutdown, f) }}, prometheus.NewRegistry()))
	t.Cleanup(func() {
		ts.Close()
		for _, f := range onShutdown {
			f() // the gateway's close, before the store goes
		}
		st.Close()
	})
	return &testutil.Server{URL: ts.URL, Token: token, Svc: svc, Store: st}
}

// Two replicas on one PostgreSQL: a message sent through A reaches a
// session on B, live, numbered as in the shared log; a live-only one too.
func TestGatewayAcrossReplicas(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		if b.Name != "postgres" {
			t.Skip("one SQLite database serves one replica")
		}
		url, token := b.NewURL(t), testutil.NewKey()
		a := startReplica(t, url, token)
		bsrv := startReplica(t, url, token)
		fa := &fixture{srv: a, app: a.CreateApp(t, nil)}
		fa.register(t, "alice", "bobby")
		fb := &fixture{srv: bsrv, app: fa.app}

		bobToken := fb.login(t, "bobby")
		bob := fb.dial(t, bobToken, "since=0")
		bob.sync(t)
		// B's LISTEN may start a moment after its hub: send live-only
		// pings (never stored, so seqs stay put) until one gets through.
		waitForListener(t, fa, bob)
		first := fa.adminSend(t, "alice", "bobby", "via A", nil)
		m := bob.nextOf(t, "message")
		if m.MsgID != first || m.Seq != 1 || m.text(t) != "via A" {
			t.Fatalf("bob on B got %+v, want msg %d seq 1", m, first)
		}
		for i := range 5 {
			id := fa.adminSend(t, "alice", "bobby", "more", nil)
			if m := bob.nextOf(t, "message"); m.MsgID != id || m.Seq != int64(i+2) {
				t.Fatalf("bob on B got %+v, want msg %d seq %d", m, id, i+2)
			}
		}
		live := fa.adminSend(t, "alice", "bobby", "ephemeral", map[string]any{"no_offline": true})
		if m := bob.nextOf(t, "message"); m.MsgID != live || m.Seq != 0 || m.text(t) != "ephemeral" {
			t.Fatalf("live-only on B: %+v", m)
		}
		// And B to A: alice on A hears bob's send frame on B.
		alice := fa.dial(t, fa.login(t, "alice"), "")
		alice.sync(t)
		bob.send(t, sendFrame("x-1", "alice", "via B"))
		sent := bob.nextOf(t, "sent")
		// Alice's replay first holds her own sends (her copies), then bob's.
		m = alice.nextOf(t, "message")
		for m.FromID == "alice" {
			m = alice.nextOf(t, "message")
		}
		if m.MsgID != sent.MsgID || m.text(t) != "via B" {
			t.Fatalf("alice on A got %+v", m)
		}
		// A logout on A ends bob's connection on B at once.
		app, err := a.Svc.GetApp(context.Background(), fa.app.Key)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Svc.RevokeSession(context.Background(), app, bobToken); err != nil {
			t.Fatal(err)
		}
		if ev := bob.nextOf(t, "event"); ev.Event != "forced_logout" || ev.Reason != "logout" {
			t.Fatalf("bob on B got %+v, want forced_logout", ev)
		}
		if code, _ := closeStatus(<-bob.closed); code != 4001 {
			t.Fatalf("bob on B closed with %d, want 4001", code)
		}
	})
}

func waitForListener(t *testing.T, fa *fixture, bob *client) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		fa.adminSend(t, "alice", "bobby", "warm-up", map[string]any{"no_offline": true})
		select {
		case m := <-bob.frames:
			if m.Type != "message" || m.Seq != 0 {
				t.Fatalf("warm-up got %+v", m)
			}
			// Let any earlier warm-up still on its way arrive.
			for {
				select {
				case <-bob.frames:
				case <-time.After(300 * time.Millisecond):
					return
				}
			}
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatal("replica B never heard from replica A")
}

// Two deployments in different schemas of one PostgreSQL database (their
// ids overlap) never hear each other's events: NOTIFY is database-wide,
// so the channel is scoped to the schema.
func TestGatewaySchemasDoNotShareEvents(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		if b.Name != "postgres" {
			t.Skip("SQLite has no notifier")
		}
		token := testutil.NewKey()
		other := startReplica(t, b.NewURL(t), token)
		url := b.NewURL(t)
		mine := startReplica(t, url, token)
		sibling := startReplica(t, url, token) // another replica of mine

		fo := &fixture{srv: other, app: other.CreateApp(t, nil)}
		fo.register(t, "alice", "bobby")
		fm := &fixture{srv: mine, app: mine.CreateApp(t, nil)}
		fm.register(t, "alice", "bobby")
		fs := &fixture{srv: sibling, app: fm.app}

		bob := fm.dial(t, fm.login(t, "bobby"), "since=0")
		bob.sync(t)
		waitForListener(t, fs, bob) // the sibling reaches bob: mine listens
		for range 5 {
			fo.adminSend(t, "alice", "bobby", "from another deployment", map[string]any{"no_offline": true})
		}
		time.Sleep(300 * time.Millisecond)
		marker := fs.adminSend(t, "alice", "bobby", "marker", map[string]any{"no_offline": true})
		if m := bob.nextOf(t, "message"); m.MsgID != marker || m.text(t) != "marker" {
			t.Fatalf("bob got %+v (%s), want only the marker %d", m, m.MsgBody, marker)
		}
		bob.quiet(t, 200*time.Millisecond)
	})
}
