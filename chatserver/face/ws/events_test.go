package ws_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/ws"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// friendsOf decodes a friend event's "friends".
func friendsOf(t *testing.T, c *client, event string) []string {
	t.Helper()
	ev := c.nextOf(t, "event")
	if ev.Event != event || ev.Seq == 0 {
		t.Fatalf("got %+v, want a stored %s event", ev, event)
	}
	var names []string
	for _, f := range ev.Friends {
		names = append(names, f.Username)
	}
	return names
}

// Friend changes through the admin API reach both users' sessions (notes
// only the user who wrote them), stored in their logs.
func TestGatewayFriendEvents(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice", "bobby", "carol")
		aliceToken := f.login(t, "alice")
		alice := f.dial(t, aliceToken, "since=0")
		bob := f.dial(t, f.login(t, "bobby"), "since=0")
		carol := f.dial(t, f.login(t, "carol"), "since=0")
		for _, c := range []*client{alice, bob, carol} {
			c.sync(t)
		}

		if r := f.srv.Do(t, "POST", "/v1/users/alice/friends", f.app.As(), []string{"bobby", "carol"}); r.Status != http.StatusCreated {
			t.Fatalf("adding friends: %d %s", r.Status, r.Body)
		}
		if got := friendsOf(t, alice, "friend.added"); len(got) != 2 || got[0] != "bobby" || got[1] != "carol" {
			t.Fatalf("alice's friend.added names %v", got)
		}
		for _, c := range []*client{bob, carol} {
			if got := friendsOf(t, c, "friend.added"); len(got) != 1 || got[0] != "alice" {
				t.Fatalf("friend.added names %v, want alice", got)
			}
		}

		if r := f.srv.Do(t, "PUT", "/v1/users/alice/friends", f.app.As(),
			[]map[string]any{{"username": "bobby", "note_name": "Bob"}}); r.Status != http.StatusNoContent {
			t.Fatalf("updating notes: %d %s", r.Status, r.Body)
		}
		if got := friendsOf(t, alice, "friend.updated"); len(got) != 1 || got[0] != "bobby" {
			t.Fatalf("friend.updated names %v", got)
		}

		// carol and a non-friend: only the friendship that ended is told.
		if r := f.srv.Do(t, "DELETE", "/v1/users/bobby/friends", f.app.As(), []string{"alice", "carol"}); r.Status != http.StatusNoContent {
			t.Fatalf("removing friends: %d %s", r.Status, r.Body)
		}
		if got := friendsOf(t, bob, "friend.removed"); len(got) != 1 || got[0] != "alice" {
			t.Fatalf("bob's friend.removed names %v", got)
		}
		if got := friendsOf(t, alice, "friend.removed"); len(got) != 1 || got[0] != "bobby" {
			t.Fatalf("alice's friend.removed names %v", got)
		}
		bob.quiet(t, 200*time.Millisecond)
		carol.quiet(t, 0)

		// They are stored: a reconnect replays them in order.
		replay := f.dial(t, aliceToken, "since=0")
		for _, want := range []string{"friend.added", "friend.updated", "friend.removed"} {
			if ev := replay.nextOf(t, "event"); ev.Event != want {
				t.Fatalf("replay %+v, want %s", ev, want)
			}
		}
	})
}

// A revoked session hears why (forced_logout) and is then closed with
// 4001, at once: logout, a password change and forbidding the user all
// end it. Other sessions of the user, and later logins, are untouched.
func TestGatewayForcedLogout(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, "alice", "bobby")
		ctx := context.Background()
		app, err := f.srv.Svc.GetApp(ctx, f.app.Key)
		if err != nil {
			t.Fatal(err)
		}
		expectLogout := func(c *client, reason string) {
			t.Helper()
			ev := c.next(t)
			if ev.Type != "event" || ev.Event != "forced_logout" || ev.Reason != reason {
				t.Fatalf("got %+v, want forced_logout %s", ev, reason)
			}
			select {
			case fr, ok := <-c.frames:
				if ok {
					t.Fatalf("frame after forced_logout: %+v", fr)
				}
			case <-time.After(waitFor):
				t.Fatal("the connection stayed open after forced_logout")
			}
			if code, why := closeStatus(<-c.closed); code != 4001 || why != "session revoked" {
				t.Fatalf("closed with %d %q, want 4001 session revoked", code, why)
			}
		}

		// Logout ends that session only. The default heartbeat is 30 s, so
		// nothing but the forced logout can close it within the test.
		phoneToken := f.login(t, "alice")
		phone := f.dial(t, phoneToken, "")
		laptop := f.dial(t, f.login(t, "alice"), "")
		phone.sync(t)
		laptop.sync(t)
		if err := f.srv.Svc.RevokeSession(ctx, app, phoneToken); err != nil {
			t.Fatal(err)
		}
		expectLogout(phone, "logout")
		laptop.sync(t)

		// A password change (JMessage PUT /v1/users/{username}/password)
		// ends every session of the user.
		tablet := f.dial(t, f.login(t, "alice"), "")
		tablet.sync(t)
		bob := f.dial(t, f.login(t, "bobby"), "")
		bob.sync(t)
		if r := f.srv.Do(t, "PUT", "/v1/users/alice/password", f.app.As(), map[string]string{"new_password": "changed-123"}); r.Status != http.StatusNoContent {
			t.Fatalf("changing password: %d %s", r.Status, r.Body)
		}
		expectLogout(laptop, "password_changed")
		expectLogout(tablet, "password_changed")
		bob.sync(t)

		// A login after it is a new session and stays.
		again := f.dial(t, f.login(t, "alice"), "")
		again.sync(t)
		if r := f.srv.Do(t, "PUT", "/v1/users/alice/forbidden?disable=true", f.app.As(), nil); r.Status != http.StatusNoContent {
			t.Fatalf("forbidding: %d %s", r.Status, r.Body)
		}
		expectLogout(again, "forbidden")
		bob.sync(t)
	})
}

// A session that expires while connected is closed at a heartbeat with
// 4001.
func TestGatewayClosesExpiredSession(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		srv := testutil.StartServer(t, b, core.WithSessionTTL(time.Second))
		f := &fixture{srv: srv, app: srv.CreateApp(t, nil)}
		f.register(t, "alice")
		mux := http.NewServeMux()
		ws.New(srv.Svc, ws.WithHeartbeat(50*time.Millisecond, time.Second)).Register(mux)
		ts := httptest.NewServer(mux)
		defer ts.Close()
		g := &fixture{srv: &testutil.Server{URL: ts.URL, Svc: srv.Svc}, app: f.app}
		c := g.dial(t, f.login(t, "alice"), "")
		c.sync(t)
		select {
		case fr, ok := <-c.frames:
			if ok {
				t.Fatalf("unexpected frame %+v", fr)
			}
		case <-time.After(waitFor):
			t.Fatal("the expired session stayed open")
		}
		if code, reason := closeStatus(<-c.closed); code != 4001 || reason != "session revoked" {
			t.Fatalf("closed with %d %q, want 4001 session revoked", code, reason)
		}
	})
}
