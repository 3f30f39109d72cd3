package ws_test

import (
	"context"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chat-operator/chat-operator/chatserver/face/ws"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// wantTooMany dials as the holder of token and expects the upgrade to
// succeed and the connection to close at once with 4008.
func (f *fixture) wantTooMany(t *testing.T, token string) {
	t.Helper()
	c, status, err := f.tryDial(token, "", true)
	if err != nil {
		t.Fatalf("dial over the cap: status %d, %v; want an accepted upgrade", status, err)
	}
	defer c.conn.CloseNow()
	c.wantClosed(t, 4008, "too many connections for this user")
}

// dialWhenFree dials until a connection is accepted and stays: a closed
// one leaves the cap once its end has run.
func (f *fixture) dialWhenFree(t *testing.T, token string) *client {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		c, _, err := f.tryDial(token, "", true)
		if err != nil {
			t.Fatal(err)
		}
		c.send(t, map[string]string{"type": "ping"})
		select {
		case fr, ok := <-c.frames:
			if ok && fr.Type == "pong" {
				t.Cleanup(func() { _ = c.conn.CloseNow() })
				return c
			}
		case <-time.After(waitFor):
		}
		_ = c.conn.CloseNow()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no connection was accepted once one was closed")
	return nil
}

// A user holds at most the cap's connections; one more is accepted and
// closed at once with 4008. Other users are not affected, and a closed
// connection frees its place.
func TestGatewayCapsConnectionsPerUser(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice", "bobby")
		g := gatewayWith(t, f, ws.WithMaxConnsPerUser(2))
		token := f.login(t, "alice")
		first := g.dial(t, token, "")
		second := g.dial(t, f.login(t, "alice"), "") // another device counts too
		first.sync(t)
		second.sync(t)
		g.wantTooMany(t, token)
		first.sync(t) // the refusal touched no open connection
		bob := g.dial(t, f.login(t, "bobby"), "")
		bob.sync(t)

		_ = first.conn.Close(websocket.StatusNormalClosure, "")
		g.dialWhenFree(t, token)
		g.wantTooMany(t, token)
	})
}

// The default cap holds too: DefaultMaxConnsPerUser connections, then
// 4008.
func TestGatewayDefaultConnectionCap(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice")
		token := f.login(t, "alice")
		for range ws.DefaultMaxConnsPerUser {
			f.dial(t, token, "").sync(t)
		}
		f.wantTooMany(t, token)
	})
}

// On PostgreSQL the cap spans replicas: connections another replica has
// recorded in the presence table count.
func TestGatewayConnectionCapAcrossReplicas(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		if b.Name != "postgres" {
			t.Skip("one SQLite database serves one replica")
		}
		url, token := b.NewURL(t), testutil.NewKey()
		a := startReplica(t, url, token, ws.WithMaxConnsPerUser(2))
		bsrv := startReplica(t, url, token, ws.WithMaxConnsPerUser(2))
		fa := &fixture{srv: a, app: a.CreateApp(t, nil)}
		fa.register(t, "alice")
		fb := &fixture{srv: bsrv, app: fa.app}
		aliceToken := fa.login(t, "alice")
		fa.dial(t, aliceToken, "").sync(t)
		fb.dial(t, aliceToken, "").sync(t)
		// Each replica writes its connections within about 100 ms; wait
		// until both are on record (no replica is "elsewhere" from "").
		app := fa.appOf(t)
		aliceID := fa.userID(t, app, aliceToken)
		for deadline := time.Now().Add(waitFor); ; {
			n, err := a.Store.Read().ConnectionsElsewhere(context.Background(), app.ID, aliceID, "", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if n == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of alice's 2 connections are on record", n)
			}
			time.Sleep(20 * time.Millisecond)
		}
		fa.wantTooMany(t, aliceToken)
		fb.wantTooMany(t, aliceToken)
	})
}
