package core_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// sessionEpoch is where the session tests' clocks start.
var sessionEpoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// registerUsers creates users through the admin API, as a tenant's
// backend would.
func registerUsers(t *testing.T, srv *testutil.Server, app testutil.App, names ...string) {
	t.Helper()
	items := make([]map[string]string, len(names))
	for i, n := range names {
		items[i] = map[string]string{"username": n, "password": "password"}
	}
	if r := srv.Do(t, "POST", "/v1/users/", app.As(), items); r.Status != http.StatusCreated {
		t.Fatalf("registering %v: status %d: %s", names, r.Status, r.Body)
	}
}

// login creates a session, failing the test on error.
func login(t *testing.T, svc *core.Service, app model.App, username, device string) (string, model.Session) {
	t.Helper()
	token, sess, err := svc.CreateSession(context.Background(), app, username, device)
	if err != nil {
		t.Fatalf("CreateSession(%s, %s): %v", username, device, err)
	}
	return token, sess
}

// wantSessionErr asserts what presenting token to appKey yields.
func wantSessionErr(t *testing.T, svc *core.Service, appKey, token string, want error) {
	t.Helper()
	_, _, err := svc.SessionByToken(context.Background(), appKey, token)
	if !errors.Is(err, want) {
		t.Fatalf("SessionByToken: %v, want %v", err, want)
	}
}

var urlSafeToken = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

func TestSessionLifecycle(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		clock := testutil.NewClock(sessionEpoch)
		srv := testutil.StartServer(t, b, core.WithClock(clock.Now), core.WithSessionTTL(time.Hour))
		app := srv.CreateApp(t, nil)
		registerUsers(t, srv, app, "alice")
		svc := srv.Svc
		a := authenticated(t, svc, app)

		token, sess := login(t, svc, a, "alice", "web")
		if !urlSafeToken.MatchString(token) {
			t.Fatalf("token %q is not 256 bits of URL-safe base64", token)
		}
		want := model.Session{ID: sess.ID, AppID: a.ID, UserID: sess.UserID, Username: "alice", Device: "web",
			Created: sessionEpoch, Expires: sessionEpoch.Add(time.Hour)}
		if sess != want || sess.ID == 0 || sess.UserID == 0 {
			t.Fatalf("session %+v, want %+v", sess, want)
		}
		gotApp, got, err := svc.SessionByToken(ctx, app.Key, token)
		if err != nil {
			t.Fatal(err)
		}
		if gotApp.ID != a.ID || !got.Created.Equal(want.Created) || !got.Expires.Equal(want.Expires) {
			t.Fatalf("SessionByToken: app %d, session %+v; want app %d, session %+v", gotApp.ID, got, a.ID, want)
		}
		got.Created, got.Expires = want.Created, want.Expires
		if got != want {
			t.Fatalf("SessionByToken: %+v, want %+v", got, want)
		}
		// The appKey is case-insensitive, as in admin auth.
		if _, _, err := svc.SessionByToken(ctx, strings.ToUpper(app.Key), token); err != nil {
			t.Fatalf("upper-case appKey: %v", err)
		}

		// A second device is a second session.
		clock.Advance(30 * time.Minute)
		phone, _ := login(t, svc, a, "alice", "a")
		if phone == token {
			t.Fatal("two logins got the same token")
		}
		list, err := svc.UserSessions(ctx, a, sess.UserID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].Device != "web" || list[1].Device != "a" {
			t.Fatalf("UserSessions: %+v, want web then a", list)
		}

		// Expiry: the first session dies at its hour, the second lives on.
		clock.Advance(29*time.Minute + 59*time.Second)
		wantSessionErr(t, svc, app.Key, token, nil)
		clock.Advance(time.Second)
		wantSessionErr(t, svc, app.Key, token, core.ErrSessionInvalid)
		wantSessionErr(t, svc, app.Key, phone, nil)
		if list, _ := svc.UserSessions(ctx, a, sess.UserID); len(list) != 1 || list[0].Device != "a" {
			t.Fatalf("UserSessions after expiry: %+v, want only a", list)
		}

		// Logout.
		if err := svc.RevokeSession(ctx, a, phone); err != nil {
			t.Fatal(err)
		}
		wantSessionErr(t, svc, app.Key, phone, core.ErrSessionInvalid)
		if err := svc.RevokeSession(ctx, a, phone); !errors.Is(err, core.ErrSessionInvalid) {
			t.Fatalf("second logout: %v, want ErrSessionInvalid", err)
		}
		if list, _ := svc.UserSessions(ctx, a, sess.UserID); len(list) != 0 {
			t.Fatalf("UserSessions after logout: %+v", list)
		}

		// Tokens that were never issued.
		for _, bad := range []string{"", "x", token + "x", strings.Repeat("a", 10_000)} {
			wantSessionErr(t, svc, app.Key, bad, core.ErrSessionInvalid)
		}
		wantSessionErr(t, svc, testutil.NewKey(), phone, core.ErrSessionInvalid)

		// Refused logins.
		if _, _, err := svc.CreateSession(ctx, a, "nobody", "web"); !errors.Is(err, core.ErrUserNotFound) {
			t.Fatalf("unknown user: %v, want ErrUserNotFound", err)
		}
		for _, dev := range []string{"", "we b", strings.Repeat("d", 33), "pc\n"} {
			if _, _, err := svc.CreateSession(ctx, a, "alice", dev); !errors.Is(err, core.ErrInvalid) {
				t.Fatalf("device %q: %v, want ErrInvalid", dev, err)
			}
		}
	})
}

func TestSessionBelongsToItsTenant(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		srv := testutil.StartServer(t, b)
		one, two := srv.CreateApp(t, nil), srv.CreateApp(t, nil)
		registerUsers(t, srv, one, "alice")
		registerUsers(t, srv, two, "alice")
		svc := srv.Svc
		a1, a2 := authenticated(t, svc, one), authenticated(t, svc, two)
		token, _ := login(t, svc, a1, "alice", "i")

		// The same username in another tenant is another user: the token
		// means nothing there, and cannot be revoked from there.
		wantSessionErr(t, svc, two.Key, token, core.ErrSessionInvalid)
		if err := svc.RevokeSession(ctx, a2, token); !errors.Is(err, core.ErrSessionInvalid) {
			t.Fatalf("revoking another tenant's token: %v, want ErrSessionInvalid", err)
		}
		wantSessionErr(t, svc, one.Key, token, nil)

		// A disabled tenant's sessions stop working, and come back with it.
		put := func(disabled bool) {
			t.Helper()
			r := srv.Do(t, "PUT", "/platform/v1/apps/"+one.Key, testutil.Bearer(srv.Token),
				map[string]any{"masterSecret": one.Secret, "disabled": disabled})
			if r.Status != http.StatusOK {
				t.Fatalf("setting disabled=%t: status %d: %s", disabled, r.Status, r.Body)
			}
		}
		put(true)
		wantSessionErr(t, svc, one.Key, token, core.ErrAppDisabled)
		put(false)
		wantSessionErr(t, svc, one.Key, token, nil)
	})
}

// Changing a password through the admin API logs the user out everywhere,
// and only that user; deleting a user takes their sessions along.
func TestPasswordChangeAndDeleteEndSessions(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		registerUsers(t, srv, app, "alice", "bobby", "carol")
		svc := srv.Svc
		a := authenticated(t, svc, app)
		alicePC, _ := login(t, svc, a, "alice", "pc")
		alicePhone, _ := login(t, svc, a, "alice", "i")
		bobToken, bob := login(t, svc, a, "bobby", "web")
		carolToken, carol := login(t, svc, a, "carol", "web")

		r := srv.Do(t, "PUT", "/v1/users/alice/password", app.As(), map[string]string{"new_password": "n3w-password"})
		if r.Status != http.StatusNoContent {
			t.Fatalf("password change: status %d: %s", r.Status, r.Body)
		}
		wantSessionErr(t, svc, app.Key, alicePC, core.ErrSessionInvalid)
		wantSessionErr(t, svc, app.Key, alicePhone, core.ErrSessionInvalid)
		wantSessionErr(t, svc, app.Key, bobToken, nil)

		// A refused password change revokes nothing.
		aliceAgain, _ := login(t, svc, a, "alice", "pc")
		r = srv.Do(t, "PUT", "/v1/users/alice/password", app.As(), map[string]string{"new_password": "abc"})
		if r.Status != http.StatusBadRequest {
			t.Fatalf("too short a password: status %d: %s", r.Status, r.Body)
		}
		wantSessionErr(t, svc, app.Key, aliceAgain, nil)

		if err := svc.RevokeUserSessions(ctx, a, bob.UserID); err != nil {
			t.Fatal(err)
		}
		wantSessionErr(t, svc, app.Key, bobToken, core.ErrSessionInvalid)
		wantSessionErr(t, svc, app.Key, aliceAgain, nil)

		if r := srv.Do(t, "DELETE", "/v1/users/carol", app.As(), nil); r.Status != http.StatusNoContent {
			t.Fatalf("deleting carol: status %d: %s", r.Status, r.Body)
		}
		wantSessionErr(t, svc, app.Key, carolToken, core.ErrSessionInvalid)
		if list, err := svc.UserSessions(ctx, a, carol.UserID); err != nil || len(list) != 0 {
			t.Fatalf("carol's sessions after delete: %+v, %v", list, err)
		}
	})
}

// openWithRaw opens a store of backend b for a Service and a second, raw
// connection to the same database, so a test can read the tables.
func openWithRaw(t *testing.T, b testutil.Backend, opts ...core.Option) (*core.Service, *sql.DB) {
	t.Helper()
	ctx := context.Background()
	url := b.NewURL(t)
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var raw *sql.DB
	if path, ok := strings.CutPrefix(url, "sqlite:"); ok {
		raw, err = sql.Open("sqlite", "file:"+path)
	} else {
		raw, err = sql.Open("pgx", url)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return core.New(st, opts...), raw
}

// newCoreApp creates an app and users straight through the core.
func newCoreApp(t *testing.T, svc *core.Service, users ...string) model.App {
	t.Helper()
	ctx := context.Background()
	spec := core.AppSpec{Key: testutil.NewKey(), MasterSecret: testutil.NewKey()}
	if _, _, err := svc.PutApp(ctx, spec); err != nil {
		t.Fatal(err)
	}
	app, err := svc.Authenticate(ctx, spec.Key, spec.MasterSecret)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) > 0 {
		batch := make([]core.NewUser, len(users))
		for i, u := range users {
			batch[i] = core.NewUser{Username: u, Password: "password"}
		}
		res, err := svc.RegisterUsers(ctx, app, batch)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				t.Fatalf("registering %s: %v", r.Username, r.Err)
			}
		}
	}
	return app
}

// The database holds a token's SHA-256 and nothing from which the token
// could be read back.
func TestSessionTokensAreStoredHashed(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		svc, raw := openWithRaw(t, b)
		app := newCoreApp(t, svc, "alice")
		token, _ := login(t, svc, app, "alice", "web")

		rows, err := raw.QueryContext(ctx, "SELECT * FROM sessions")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		n := 0
		sum := sha256.Sum256([]byte(token))
		foundHash := false
		for rows.Next() {
			n++
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				var s string
				switch v := v.(type) {
				case []byte:
					s = string(v)
					foundHash = foundHash || string(v) == string(sum[:])
				case string:
					s = v
				}
				if strings.Contains(s, token) {
					t.Fatalf("column %s holds the plaintext token", cols[i])
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if n != 1 || !foundHash {
			t.Fatalf("%d session rows, SHA-256 of the token found: %t", n, foundHash)
		}

		// Deleting the user removes the row itself, not just its use.
		if err := svc.DeleteUser(ctx, app, "alice"); err != nil {
			t.Fatal(err)
		}
		if err := raw.QueryRowContext(ctx, "SELECT COUNT(*) FROM sessions").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d session rows after deleting the user (%v)", n, err)
		}
	})
}

func TestConcurrentSessionCreates(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		svc, _ := openWithRaw(t, b)
		app := newCoreApp(t, svc, "alice", "bobby")
		const n = 24
		tokens := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				user := []string{"alice", "bobby"}[i%2]
				tokens[i], _, errs[i] = svc.CreateSession(ctx, app, user, "web")
			}()
		}
		wg.Wait()
		seen := map[string]bool{}
		for i, tok := range tokens {
			if errs[i] != nil {
				t.Fatalf("create %d: %v", i, errs[i])
			}
			if seen[tok] {
				t.Fatalf("token %d issued twice", i)
			}
			seen[tok] = true
			_, s, err := svc.SessionByToken(ctx, app.Key, tok)
			if err != nil || s.Username != []string{"alice", "bobby"}[i%2] {
				t.Fatalf("token %d: %+v, %v", i, s, err)
			}
		}
		_, alice, _ := svc.SessionByToken(ctx, app.Key, tokens[0])
		if list, err := svc.UserSessions(ctx, app, alice.UserID); err != nil || len(list) != n/2 {
			t.Fatalf("alice has %d sessions (%v), want %d", len(list), err, n/2)
		}
	})
}

func TestForbiddenUserLosesSessionsAndCannotLogIn(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		registerUsers(t, srv, app, "alice", "bobby")
		svc := srv.Svc
		a := authenticated(t, svc, app)
		alice, _ := login(t, svc, a, "alice", "pc")
		bob, _ := login(t, svc, a, "bobby", "pc")

		if r := srv.Do(t, "PUT", "/v1/users/alice/forbidden?disable=true", app.As(), nil); r.Status != http.StatusNoContent {
			t.Fatalf("forbidding alice: status %d: %s", r.Status, r.Body)
		}
		wantSessionErr(t, svc, app.Key, alice, core.ErrSessionInvalid)
		wantSessionErr(t, svc, app.Key, bob, nil)
		if _, _, err := svc.CreateSession(ctx, a, "alice", "pc"); !errors.Is(err, core.ErrUserForbidden) {
			t.Fatalf("login of a forbidden user: %v, want ErrUserForbidden", err)
		}

		if r := srv.Do(t, "PUT", "/v1/users/alice/forbidden?disable=false", app.As(), nil); r.Status != http.StatusNoContent {
			t.Fatalf("re-enabling alice: status %d: %s", r.Status, r.Body)
		}
		again, _ := login(t, svc, a, "alice", "pc")
		wantSessionErr(t, svc, app.Key, again, nil)
	})
}
