package ws_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/ws"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// Disabling, purging, deleting a user and forbidding a user close the
// affected connections at once: a forced_logout event saying why, then a
// close code. The heartbeat (30 s here, its token re-check every tenth)
// plays no part: waitFor is far shorter.
func TestGatewayClosesWhenTheTenantOrUserGoes(t *testing.T) {
	type action func(t *testing.T, f *fixture)
	want := func(status int, method, path string, body any, platform bool) action {
		return func(t *testing.T, f *fixture) {
			t.Helper()
			auth := f.app.As()
			if platform {
				auth = testutil.Bearer(f.srv.Token)
			}
			if r := f.srv.Do(t, method, path, auth, body); r.Status != status {
				t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, status, r.Body)
			}
		}
	}
	cases := []struct {
		name string
		act  func(f *fixture) action
		// wholeApp: every user's connections close, not only bobby's.
		wholeApp    bool
		reason      string
		code        websocket.StatusCode
		closeReason string
	}{
		{"app disabled", func(f *fixture) action {
			return want(http.StatusNoContent, "DELETE", "/platform/v1/apps/"+f.app.Key, nil, true)
		}, true, "app_disabled", 4003, "app disabled"},
		{"app disabled by its declared state", func(f *fixture) action {
			return want(http.StatusOK, "PUT", "/platform/v1/apps/"+f.app.Key,
				map[string]any{"masterSecret": f.app.Secret, "disabled": true}, true)
		}, true, "app_disabled", 4003, "app disabled"},
		{"app purged", func(f *fixture) action {
			return want(http.StatusNoContent, "DELETE", "/platform/v1/apps/"+f.app.Key+"?purge=true", nil, true)
		}, true, "app_deleted", 4003, "app deleted"},
		{"user deleted", func(f *fixture) action {
			return want(http.StatusNoContent, "DELETE", "/v1/users/bobby", nil, false)
		}, false, "user_deleted", 4001, "session revoked"},
		{"users deleted in a batch", func(f *fixture) action {
			return want(http.StatusOK, "DELETE", "/v1/users/", []string{"bobby", "nobody"}, false)
		}, false, "user_deleted", 4001, "session revoked"},
		{"user forbidden", func(f *fixture) action {
			return want(http.StatusNoContent, "PUT", "/v1/users/bobby/forbidden?disable=true", nil, false)
		}, false, "forbidden", 4001, "session revoked"},
	}
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f := newFixture(t, b, "alice", "bobby")
				other := &fixture{srv: f.srv, app: f.srv.CreateApp(t, nil)}
				other.register(t, "bobby")
				alice := f.dial(t, f.login(t, "alice"), "")
				phone := f.dial(t, f.login(t, "bobby"), "")
				laptop := f.dial(t, f.login(t, "bobby"), "")
				stranger := other.dial(t, other.login(t, "bobby"), "")
				for _, c := range []*client{alice, phone, laptop, stranger} {
					c.sync(t)
				}

				start := time.Now()
				tc.act(f)(t, f)
				closing := []*client{phone, laptop}
				if tc.wholeApp {
					closing = append(closing, alice)
				}
				for _, c := range closing {
					c.wantForcedLogout(t, tc.reason, tc.code, tc.closeReason)
				}
				t.Logf("%d connections closed %s after the call", len(closing), time.Since(start))
				if !tc.wholeApp {
					alice.sync(t) // the tenant's other users are not touched
				}
				stranger.sync(t) // nor another tenant's same-named user
			})
		}
	})
}

// A send on a connection that outlived its tenant (the notice that closes
// it was lost, or is still on its way from another replica) is refused on
// the app's current state, and stores nothing.
func TestGatewaySendChecksTheAppsCurrentState(t *testing.T) {
	cases := []struct {
		name   string
		change func(ctx context.Context, q *store.Q, appID int64, now time.Time) error
		code   string
	}{
		{"disabled", func(ctx context.Context, q *store.Q, appID int64, now time.Time) error {
			return q.SetAppDisabled(ctx, appID, true, now)
		}, "app_disabled"},
		{"purged", func(ctx context.Context, q *store.Q, appID int64, _ time.Time) error {
			return q.PurgeApp(ctx, appID)
		}, "app_not_found"},
	}
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				clock := testutil.NewClock(time.Now())
				srv := testutil.StartServer(t, b, core.WithClock(clock.Now))
				f := &fixture{srv: srv, app: srv.CreateApp(t, nil)}
				f.register(t, "alice", "bobby")
				aliceToken, bobToken := f.login(t, "alice"), f.login(t, "bobby")
				app := f.appOf(t)
				aliceID, bobID := f.userID(t, app, aliceToken), f.userID(t, app, bobToken)
				alice := f.dial(t, aliceToken, "")
				alice.send(t, sendFrame("before", "bobby", "while enabled"))
				alice.nextOf(t, "sent")

				// Behind the core's back: no notice closes the connection.
				if err := srv.Store.Write(ctx, func(q *store.Q) error { return tc.change(ctx, q, app.ID, clock.Now()) }); err != nil {
					t.Fatal(err)
				}
				// This replica's cached copy of the app runs out, as a
				// replica that did not make the change waits for.
				clock.Advance(core.DefaultAppCacheTTL + time.Second)
				alice.send(t, sendFrame("after", "bobby", "while "+tc.name))
				e := alice.next(t)
				if e.Type != "error" || e.Code != tc.code || e.ClientMsgID != "after" {
					t.Fatalf("send after the app was %s: %+v, want error %s", tc.name, e, tc.code)
				}
				if tc.name == "disabled" {
					if a, bb := f.lastSeq(t, app, aliceID), f.lastSeq(t, app, bobID); a != 1 || bb != 1 {
						t.Fatalf("logs at alice %d, bob %d after the refused send; want 1 and 1", a, bb)
					}
				}
			})
		}
	})
}

// The heartbeat's token re-check treats a disabled app as the end of the
// connection, for a notice that never arrived.
func TestGatewayHeartbeatClosesADisabledApp(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice")
		// A second gateway with fast heartbeats; no events flow here.
		g := gatewayWith(t, f, ws.WithHeartbeat(50*time.Millisecond, time.Second))
		c := g.dial(t, f.login(t, "alice"), "")
		c.sync(t)
		app := f.appOf(t)
		if err := f.srv.Store.Write(context.Background(), func(q *store.Q) error {
			return q.SetAppDisabled(context.Background(), app.ID, true, time.Now())
		}); err != nil {
			t.Fatal(err)
		}
		c.wantForcedLogout(t, "app_disabled", 4003, "app disabled")
	})
}

// Two replicas on one PostgreSQL: deleting a user and disabling the app
// through A close the connections held on B at once.
func TestGatewayTenantChangesCloseConnectionsOnOtherReplicas(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		if b.Name != "postgres" {
			t.Skip("one SQLite database serves one replica")
		}
		url, token := b.NewURL(t), testutil.NewKey()
		a := startReplica(t, url, token)
		bsrv := startReplica(t, url, token)
		fa := &fixture{srv: a, app: a.CreateApp(t, nil)}
		fa.register(t, "alice", "bobby", "carol")
		fb := &fixture{srv: bsrv, app: fa.app}

		bob := fb.dial(t, fb.login(t, "bobby"), "")
		bob.sync(t)
		waitForListener(t, fa, bob)
		carol := fb.dial(t, fb.login(t, "carol"), "")
		carol.sync(t)

		if r := a.Do(t, "DELETE", "/v1/users/carol", fa.app.As(), nil); r.Status != http.StatusNoContent {
			t.Fatalf("deleting carol on A: %d %s", r.Status, r.Body)
		}
		carol.wantForcedLogout(t, "user_deleted", 4001, "session revoked")
		bob.sync(t)

		start := time.Now()
		if r := a.Do(t, "DELETE", "/platform/v1/apps/"+fa.app.Key, testutil.Bearer(token), nil); r.Status != http.StatusNoContent {
			t.Fatalf("disabling the app on A: %d %s", r.Status, r.Body)
		}
		bob.wantForcedLogout(t, "app_disabled", 4003, "app disabled")
		t.Logf("bob's connection on B closed %s after the app was disabled on A", time.Since(start))
	})
}
