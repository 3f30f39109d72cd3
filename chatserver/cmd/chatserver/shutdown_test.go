package main

import (
	"context"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// On SIGTERM (the context ending) run closes open gateway sessions with
// 1001 and takes this replica's connections off the presence record
// before the database closes: after a restart userstat must not report a
// user online whom no replica serves (the record would otherwise stand
// until its lease ran out).
func TestShutdownTakesGatewayPresenceOffBeforeTheStoreCloses(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		url, token := b.NewURL(t), "tok"+rand.Text()
		p := start(t, []string{"--listen", "127.0.0.1:0", "--platform-token", token, "--data-dir", t.TempDir(),
			"--database", url}, nil)
		srv := p.server(token)
		app := srv.CreateApp(t, nil)
		if r := srv.Do(t, "POST", "/v1/users/", app.As(), []map[string]string{{"username": "alice", "password": "secret123"}}); r.Status != http.StatusCreated {
			t.Fatalf("registering alice: %d %s", r.Status, r.Body)
		}

		// A second handle on the database: to log alice in as a dialect
		// would, and to read the record after the process has gone.
		st, err := store.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		svc := core.New(st)
		a, err := svc.GetApp(ctx, app.Key)
		if err != nil {
			t.Fatal(err)
		}
		session, _, err := svc.CreateSession(ctx, a, "alice", "web")
		if err != nil {
			t.Fatal(err)
		}
		conn, _, err := websocket.Dial(ctx, "ws://"+p.addr+"/apps/"+app.Key+"/ws",
			&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + session}}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
		online := func() bool {
			t.Helper()
			st, err := svc.UserStatuses(ctx, a, []string{"alice"})
			if err != nil {
				t.Fatal(err)
			}
			return st[0].Online()
		}
		for deadline := time.Now().Add(10 * time.Second); !online(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("alice's connection never showed in userstat")
			}
		}

		closed := make(chan error, 1)
		go func() {
			for {
				if _, _, err := conn.Read(ctx); err != nil {
					closed <- err
					return
				}
			}
		}()
		if err := p.stop(); err != nil {
			t.Fatalf("run after cancel = %v, want nil", err)
		}
		select {
		case err := <-closed:
			if got := websocket.CloseStatus(err); got != websocket.StatusGoingAway {
				t.Fatalf("session ended with %v (status %d), want 1001 going away", err, got)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the session was not closed by the shutdown")
		}
		if online() {
			t.Fatal("alice is still online after the only replica shut down")
		}
		if !strings.Contains(p.stderr.String(), "Shutting down") {
			t.Errorf("no shutdown log line:\n%s", p.stderr)
		}
	})
}
