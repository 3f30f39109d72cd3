package platform_test

// Black-box tests of the operator-only platform API (issue #2 §3 and the
// "Operator ↔ chatserver contract" in ARCHITECTURE.md), over real HTTP, on
// SQLite and PostgreSQL.

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // to read the PostgreSQL tables

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// defaultLimits are the documented defaults for an app that declares none.
var defaultLimits = map[string]int64{
	"sensitiveWords":         100,
	"sensitiveWordLength":    10,
	"batchRegister":          500,
	"batchDelete":            100,
	"friendsPerCall":         500,
	"msgBodyBytes":           4096,
	"uploadBytes":            8388608,
	"groupMembers":           500,
	"chatroomMembers":        10000,
	"chatroomMembersPerCall": 3000,
}

// appKeys are the top-level keys every app JSON carries.
var appKeys = []string{
	"appKey", "limits", "features", "disabled", "sensitiveWordFilter",
	"sdkRegister", "createdAt", "updatedAt",
}

// appView is the part of the app JSON the tests read.
type appView struct {
	AppKey   string           `json:"appKey"`
	Limits   map[string]int64 `json:"limits"`
	Features struct {
		CrossAppAllowed []string `json:"crossAppAllowed"`
	} `json:"features"`
	Disabled bool `json:"disabled"`
}

// platformError is the platform API's error body.
type platformError struct {
	Error struct {
		Reason  string `json:"reason"`
		Message string `json:"message"`
	} `json:"error"`
}

func put(t *testing.T, srv *testutil.Server, key string, body any) testutil.Response {
	t.Helper()
	return srv.Do(t, "PUT", "/platform/v1/apps/"+key, testutil.Bearer(srv.Token), body)
}

// decodeApp checks r is a well-formed app JSON for key with no secret in it,
// and returns it.
func decodeApp(t *testing.T, r testutil.Response, key string, secrets ...string) appView {
	t.Helper()
	noSecret(t, r, secrets...)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var raw map[string]json.RawMessage
	r.JSON(t, &raw)
	for _, k := range appKeys {
		if _, ok := raw[k]; !ok {
			t.Errorf("app JSON lacks %q: %s", k, r.Body)
		}
	}
	for k := range raw {
		if strings.Contains(strings.ToLower(k), "secret") {
			t.Errorf("app JSON has a secret-looking field %q: %s", k, r.Body)
		}
	}
	for _, k := range []string{"createdAt", "updatedAt"} {
		var s string
		if err := json.Unmarshal(raw[k], &s); err != nil || s == "" {
			t.Errorf("%s = %s, want a non-empty string", k, raw[k])
		}
	}
	var feats struct {
		CrossAppAllowed json.RawMessage `json:"crossAppAllowed"`
	}
	if err := json.Unmarshal(raw["features"], &feats); err != nil {
		t.Errorf("features is not an object: %s", raw["features"])
	} else if !bytes.HasPrefix(bytes.TrimSpace(feats.CrossAppAllowed), []byte("[")) {
		t.Errorf("features.crossAppAllowed = %s, want a JSON array", feats.CrossAppAllowed)
	}
	var a appView
	r.JSON(t, &a)
	if a.AppKey != key {
		t.Errorf("appKey = %q, want %q", a.AppKey, key)
	}
	return a
}

// noSecret fails if any of secrets appears in a platform response body.
func noSecret(t *testing.T, r testutil.Response, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && bytes.Contains(bytes.ToLower(r.Body), []byte(strings.ToLower(s))) {
			t.Errorf("platform response contains the masterSecret %q: %s", s, r.Body)
		}
	}
}

// wantPlatformError checks status and the {"error":{"reason",...}} body.
// An empty reason accepts any non-empty one.
func wantPlatformError(t *testing.T, r testutil.Response, status int, reason string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
	var e platformError
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Errorf("error body is not JSON (%v): %q", err, r.Body)
		return
	}
	if e.Error.Reason == "" || e.Error.Message == "" {
		t.Errorf("error body lacks reason or message: %s", r.Body)
	}
	if reason != "" && e.Error.Reason != reason {
		t.Errorf("reason = %q, want %q; body %s", e.Error.Reason, reason, r.Body)
	}
}

// wantJMError checks a JMessage admin API error.
func wantJMError(t *testing.T, r testutil.Response, status, code int) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
	if got := r.ErrorCode(t); got != code {
		t.Errorf("error code = %d, want %d; body %s", got, code, r.Body)
	}
}

func register(t *testing.T, srv *testutil.Server, app testutil.App, usernames ...string) {
	t.Helper()
	var body []map[string]string
	for _, u := range usernames {
		body = append(body, map[string]string{"username": u, "password": "secret123"})
	}
	r := srv.Do(t, "POST", "/v1/users/", app.As(), body)
	if r.Status != http.StatusCreated {
		t.Fatalf("registering %v: status %d: %s", usernames, r.Status, r.Body)
	}
	var items []struct {
		Username string          `json:"username"`
		Error    json.RawMessage `json:"error"`
	}
	r.JSON(t, &items)
	for _, it := range items {
		if len(it.Error) > 0 {
			t.Fatalf("registering %s: %s", it.Username, it.Error)
		}
	}
}

func TestPlatformAuth(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		newKey := testutil.NewKey()
		auths := []struct {
			name string
			auth testutil.Auth
		}{
			{"missing", func(*http.Request) {}},
			{"wrong token", testutil.Bearer(srv.Token + "x")},
			{"token prefix", testutil.Bearer(srv.Token[:len(srv.Token)-1])},
			{"empty bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer ") }},
			{"bare token", func(r *http.Request) { r.Header.Set("Authorization", srv.Token) }},
			{"basic with token", testutil.Basic("platform", srv.Token)},
			{"basic token as user", testutil.Basic(srv.Token, "")},
			{"app credentials", app.As()},
		}
		requests := []struct {
			method, path string
			body         any
		}{
			{"GET", "/platform/v1/apps", nil},
			{"GET", "/platform/v1/apps/" + app.Key, nil},
			{"GET", "/platform/v1/info", nil},
			{"PUT", "/platform/v1/apps/" + newKey, map[string]any{"masterSecret": testutil.NewKey()}},
			{"PUT", "/platform/v1/apps/" + app.Key, map[string]any{"masterSecret": testutil.NewKey(), "disabled": true}},
			{"DELETE", "/platform/v1/apps/" + app.Key + "?purge=true", nil},
		}
		for _, a := range auths {
			for _, rq := range requests {
				t.Run(a.name+"/"+rq.method+" "+rq.path, func(t *testing.T) {
					r := srv.Do(t, rq.method, rq.path, a.auth, rq.body)
					wantPlatformError(t, r, http.StatusUnauthorized, "Unauthorized")
					noSecret(t, r, app.Secret)
				})
			}
		}
		// Nothing the unauthorized requests asked for happened.
		if r := srv.Do(t, "GET", "/platform/v1/apps/"+newKey, testutil.Bearer(srv.Token), nil); r.Status != http.StatusNotFound {
			t.Errorf("app created without auth: GET status %d: %s", r.Status, r.Body)
		}
		r := srv.Do(t, "GET", "/platform/v1/apps/"+app.Key, testutil.Bearer(srv.Token), nil)
		if a := decodeApp(t, r, app.Key, app.Secret); r.Status != http.StatusOK || a.Disabled {
			t.Errorf("app changed without auth: status %d: %s", r.Status, r.Body)
		}
		if r := srv.Do(t, "GET", "/v1/users/?start=0&count=10", app.As(), nil); r.Status != http.StatusOK {
			t.Errorf("app's admin API broken after unauthorized platform calls: %d: %s", r.Status, r.Body)
		}
	})
}

func TestPlatformPutCreateThenUpdate(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		key, secret := testutil.NewKey(), testutil.NewKey()
		other := testutil.NewKey()

		r := put(t, srv, key, map[string]any{
			"masterSecret": secret,
			"features":     map[string]any{"crossAppAllowed": []string{other}},
		})
		if r.Status != http.StatusCreated {
			t.Fatalf("create: status %d, want 201: %s", r.Status, r.Body)
		}
		a := decodeApp(t, r, key, secret)
		if a.Disabled {
			t.Errorf("new app is disabled: %s", r.Body)
		}
		if len(a.Features.CrossAppAllowed) != 1 || a.Features.CrossAppAllowed[0] != other {
			t.Errorf("crossAppAllowed = %v, want [%s]", a.Features.CrossAppAllowed, other)
		}

		// The same state again is an update.
		r = put(t, srv, key, map[string]any{
			"masterSecret": secret,
			"features":     map[string]any{"crossAppAllowed": []string{other}},
		})
		if r.Status != http.StatusOK {
			t.Fatalf("identical PUT: status %d, want 200: %s", r.Status, r.Body)
		}
		decodeApp(t, r, key, secret)

		// A PUT without features resets them.
		r = put(t, srv, key, map[string]any{"masterSecret": secret})
		if r.Status != http.StatusOK {
			t.Fatalf("update: status %d, want 200: %s", r.Status, r.Body)
		}
		if a := decodeApp(t, r, key, secret); len(a.Features.CrossAppAllowed) != 0 {
			t.Errorf("features not reset by a PUT without them: %v", a.Features.CrossAppAllowed)
		}

		r = srv.Do(t, "GET", "/platform/v1/apps/"+key, testutil.Bearer(srv.Token), nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET: status %d: %s", r.Status, r.Body)
		}
		if a := decodeApp(t, r, key, secret); len(a.Features.CrossAppAllowed) != 0 || a.Disabled {
			t.Errorf("GET after update: %s", r.Body)
		}

		// The tenant works with its secret.
		if r := srv.Do(t, "GET", "/v1/users/?start=0&count=10", testutil.Basic(key, secret), nil); r.Status != http.StatusOK {
			t.Errorf("admin API with the app's secret: %d: %s", r.Status, r.Body)
		}
	})
}

func TestPlatformLimits(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		key, secret := testutil.NewKey(), testutil.NewKey()
		app := testutil.App{Key: key, Secret: secret}

		checkLimits := func(t *testing.T, r testutil.Response, want map[string]int64) {
			t.Helper()
			a := decodeApp(t, r, key, secret)
			for k, v := range want {
				got, ok := a.Limits[k]
				if !ok {
					t.Errorf("limits lacks %q: %s", k, r.Body)
				} else if got != v {
					t.Errorf("limits.%s = %d, want %d", k, got, v)
				}
			}
		}

		// Defaults when limits are omitted.
		r := put(t, srv, key, map[string]any{"masterSecret": secret})
		if r.Status != http.StatusCreated {
			t.Fatalf("create: %d: %s", r.Status, r.Body)
		}
		checkLimits(t, r, defaultLimits)

		// Overrides are kept, the rest default.
		overrides := map[string]int64{"sensitiveWords": 2, "batchRegister": 3, "batchDelete": 2, "friendsPerCall": 7, "chatroomMembers": 20000}
		want := map[string]int64{}
		for k, v := range defaultLimits {
			want[k] = v
		}
		for k, v := range overrides {
			want[k] = v
		}
		r = put(t, srv, key, map[string]any{"masterSecret": secret, "limits": overrides})
		if r.Status != http.StatusOK {
			t.Fatalf("update: %d: %s", r.Status, r.Body)
		}
		checkLimits(t, r, want)
		r = srv.Do(t, "GET", "/platform/v1/apps/"+key, testutil.Bearer(srv.Token), nil)
		checkLimits(t, r, want)

		// ... and enforced by the tenant's admin API.
		t.Run("enforced", func(t *testing.T) {
			r := srv.Do(t, "POST", "/v1/sensitiveword", app.As(), []string{"aa", "bb", "cc"})
			wantJMError(t, r, http.StatusBadRequest, 899003)
			r = srv.Do(t, "POST", "/v1/sensitiveword", app.As(), []string{"aa", "bb"})
			if r.Status != http.StatusNoContent {
				t.Errorf("adding 2 words with capacity 2: %d: %s", r.Status, r.Body)
			}
			var users []map[string]string
			for i := range 4 {
				users = append(users, map[string]string{"username": fmt.Sprintf("user%d", i), "password": "secret123"})
			}
			r = srv.Do(t, "POST", "/v1/users/", app.As(), users)
			wantJMError(t, r, http.StatusBadRequest, 899003)
			register(t, srv, app, "user0", "user1", "user2")
			r = srv.Do(t, "DELETE", "/v1/users/", app.As(), []string{"user0", "user1", "user2"})
			wantJMError(t, r, http.StatusBadRequest, 899003)
		})

		// A later PUT without limits resets them all to the defaults.
		r = put(t, srv, key, map[string]any{"masterSecret": secret})
		if r.Status != http.StatusOK {
			t.Fatalf("reset: %d: %s", r.Status, r.Body)
		}
		checkLimits(t, r, defaultLimits)
		r = srv.Do(t, "GET", "/platform/v1/apps/"+key, testutil.Bearer(srv.Token), nil)
		checkLimits(t, r, defaultLimits)
		var users []map[string]string
		for i := range 4 {
			users = append(users, map[string]string{"username": fmt.Sprintf("later%d", i), "password": "secret123"})
		}
		if r := srv.Do(t, "POST", "/v1/users/", app.As(), users); r.Status != http.StatusCreated {
			t.Errorf("batch of 4 after limits reset: %d: %s", r.Status, r.Body)
		}
	})
}

func TestPlatformDisabledField(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, map[string]any{"disabled": true})
		r := srv.Do(t, "GET", "/platform/v1/apps/"+app.Key, testutil.Bearer(srv.Token), nil)
		if a := decodeApp(t, r, app.Key, app.Secret); !a.Disabled {
			t.Errorf("created with disabled:true but disabled=false: %s", r.Body)
		}
		wantJMError(t, srv.Do(t, "GET", "/v1/users/?start=0&count=10", app.As(), nil), http.StatusForbidden, 899009)

		// A PUT without "disabled" enables the app.
		r = put(t, srv, app.Key, map[string]any{"masterSecret": app.Secret})
		if r.Status != http.StatusOK {
			t.Fatalf("PUT: %d: %s", r.Status, r.Body)
		}
		if a := decodeApp(t, r, app.Key, app.Secret); a.Disabled {
			t.Errorf("PUT without disabled left the app disabled: %s", r.Body)
		}
		if r := srv.Do(t, "GET", "/v1/users/?start=0&count=10", app.As(), nil); r.Status != http.StatusOK {
			t.Errorf("admin API after enabling: %d: %s", r.Status, r.Body)
		}

		// disabled:true through an update disables it again.
		r = put(t, srv, app.Key, map[string]any{"masterSecret": app.Secret, "disabled": true})
		if a := decodeApp(t, r, app.Key, app.Secret); r.Status != http.StatusOK || !a.Disabled {
			t.Errorf("PUT disabled:true: %d: %s", r.Status, r.Body)
		}
		wantJMError(t, srv.Do(t, "GET", "/v1/users/?start=0&count=10", app.As(), nil), http.StatusForbidden, 899009)
	})
}

func TestPlatformPutValidation(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		good := testutil.NewKey()
		secret := testutil.NewKey()
		cases := []struct {
			name   string
			key    string
			body   any
			reason string // "" accepts any reason
		}{
			{"key 23 chars", good[:23], map[string]any{"masterSecret": secret}, "Invalid"},
			{"key 25 chars", good + "a", map[string]any{"masterSecret": secret}, "Invalid"},
			{"key with dash", good[:23] + "-", map[string]any{"masterSecret": secret}, "Invalid"},
			{"key with underscore", good[:23] + "_", map[string]any{"masterSecret": secret}, "Invalid"},
			{"key with dot", good[:23] + ".", map[string]any{"masterSecret": secret}, "Invalid"},
			{"key with escaped space", good[:21] + "%20ab", map[string]any{"masterSecret": secret}, "Invalid"},
			{"key with non-ASCII letter", good[:22] + "é", map[string]any{"masterSecret": secret}, "Invalid"},
			{"secret 23 chars", good, map[string]any{"masterSecret": secret[:23]}, "Invalid"},
			{"secret 25 chars", good, map[string]any{"masterSecret": secret + "a"}, "Invalid"},
			{"secret with dash", good, map[string]any{"masterSecret": secret[:23] + "-"}, "Invalid"},
			{"secret with non-ASCII letter", good, map[string]any{"masterSecret": secret[:22] + "é"}, "Invalid"},
			{"secret with space", good, map[string]any{"masterSecret": secret[:23] + " "}, "Invalid"},
			{"secret missing", good, map[string]any{}, "Invalid"},
			{"secret empty", good, map[string]any{"masterSecret": ""}, "Invalid"},
			{"negative limit", good, map[string]any{"masterSecret": secret, "limits": map[string]any{"batchRegister": -1}}, ""},
			{"negative word capacity", good, map[string]any{"masterSecret": secret, "limits": map[string]any{"sensitiveWords": -5}}, ""},
			{"unknown top-level field", good, map[string]any{"masterSecret": secret, "secret": "x"}, ""},
			{"unknown limit", good, map[string]any{"masterSecret": secret, "limits": map[string]any{"bogus": 1}}, ""},
			{"unknown feature", good, map[string]any{"masterSecret": secret, "features": map[string]any{"bogus": true}}, ""},
			{"limit not a number", good, map[string]any{"masterSecret": secret, "limits": map[string]any{"batchRegister": "10"}}, ""},
			{"disabled not a bool", good, map[string]any{"masterSecret": secret, "disabled": "no"}, ""},
			{"malformed JSON", good, `{"masterSecret": "` + secret + `"`, ""},
			{"not an object", good, `["` + secret + `"]`, ""},
			{"empty body", good, "", ""},
			// Trailing data would be ignored by a lenient decoder, and a
			// second object applied by nobody knows what.
			{"trailing object", good, `{"masterSecret":"` + secret + `"}{"disabled":true}`, "Invalid"},
			{"trailing garbage", good, `{"masterSecret":"` + secret + `"} x`, "Invalid"},
			{"NUL in a value", good, `{"masterSecret":"` + secret[:23] + `\u0000"}`, "Invalid"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := put(t, srv, c.key, c.body)
				wantPlatformError(t, r, http.StatusBadRequest, c.reason)
				noSecret(t, r, secret)
			})
		}
		// None of the failed PUTs created an app.
		r := srv.Do(t, "GET", "/platform/v1/apps", testutil.Bearer(srv.Token), nil)
		var list struct {
			Apps []appView `json:"apps"`
		}
		r.JSON(t, &list)
		if len(list.Apps) != 0 {
			t.Errorf("failed PUTs created apps: %s", r.Body)
		}

		// A failed update leaves the stored app as it was.
		app := srv.CreateApp(t, map[string]any{"limits": map[string]any{"batchRegister": 3}})
		r = put(t, srv, app.Key, map[string]any{"masterSecret": testutil.NewKey(), "limits": map[string]any{"batchRegister": -1}})
		wantPlatformError(t, r, http.StatusBadRequest, "")
		if r := srv.Do(t, "GET", "/v1/users/?start=0&count=10", app.As(), nil); r.Status != http.StatusOK {
			t.Errorf("a rejected PUT changed the secret: %d: %s", r.Status, r.Body)
		}
		r = srv.Do(t, "GET", "/platform/v1/apps/"+app.Key, testutil.Bearer(srv.Token), nil)
		if a := decodeApp(t, r, app.Key, app.Secret); a.Limits["batchRegister"] != 3 {
			t.Errorf("a rejected PUT changed the limits: %s", r.Body)
		}
	})
}

func TestPlatformGetAndList(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		list := func(t *testing.T) map[string]appView {
			t.Helper()
			r := srv.Do(t, "GET", "/platform/v1/apps", testutil.Bearer(srv.Token), nil)
			if r.Status != http.StatusOK {
				t.Fatalf("list: %d: %s", r.Status, r.Body)
			}
			var raw map[string]json.RawMessage
			r.JSON(t, &raw)
			if _, ok := raw["apps"]; !ok {
				t.Fatalf("list has no \"apps\": %s", r.Body)
			}
			var l struct {
				Apps []appView `json:"apps"`
			}
			r.JSON(t, &l)
			out := map[string]appView{}
			for _, a := range l.Apps {
				out[a.AppKey] = a
			}
			return out
		}
		if got := list(t); len(got) != 0 {
			t.Errorf("fresh server lists apps: %v", got)
		}

		missing := testutil.NewKey()
		wantPlatformError(t, srv.Do(t, "GET", "/platform/v1/apps/"+missing, testutil.Bearer(srv.Token), nil), http.StatusNotFound, "NotFound")

		var apps []testutil.App
		for range 3 {
			apps = append(apps, srv.CreateApp(t, nil))
		}
		disabled := srv.CreateApp(t, map[string]any{"disabled": true})
		got := list(t)
		if len(got) != 4 {
			t.Errorf("list has %d apps, want 4: %v", len(got), got)
		}
		for _, a := range append(apps, disabled) {
			v, ok := got[a.Key]
			if !ok {
				t.Errorf("list lacks %s", a.Key)
				continue
			}
			if v.Disabled != (a == disabled) {
				t.Errorf("%s: disabled = %v in the list", a.Key, v.Disabled)
			}
			if v.Limits["batchRegister"] != 500 {
				t.Errorf("%s: list limits = %v", a.Key, v.Limits)
			}
		}
		r := srv.Do(t, "GET", "/platform/v1/apps", testutil.Bearer(srv.Token), nil)
		for _, a := range append(apps, disabled) {
			noSecret(t, r, a.Secret)
			g := srv.Do(t, "GET", "/platform/v1/apps/"+a.Key, testutil.Bearer(srv.Token), nil)
			if g.Status != http.StatusOK {
				t.Errorf("GET %s: %d: %s", a.Key, g.Status, g.Body)
			}
			decodeApp(t, g, a.Key, a.Secret)
		}
	})
}

func TestPlatformDeleteDisables(t *testing.T) {
	t.Parallel()
	for _, query := range []string{"", "?purge=false"} {
		t.Run("query="+query, func(t *testing.T) {
			t.Parallel()
			testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
				t.Parallel()
				srv := testutil.StartServer(t, b)
				app := srv.CreateApp(t, nil)
				register(t, srv, app, "alice", "bobby")
				if r := srv.Do(t, "POST", "/v1/sensitiveword", app.As(), []string{"badword"}); r.Status != http.StatusNoContent {
					t.Fatalf("adding a word: %d: %s", r.Status, r.Body)
				}

				r := srv.Do(t, "DELETE", "/platform/v1/apps/"+app.Key+query, testutil.Bearer(srv.Token), nil)
				if r.Status != http.StatusNoContent {
					t.Fatalf("DELETE: %d, want 204: %s", r.Status, r.Body)
				}
				r = srv.Do(t, "GET", "/platform/v1/apps/"+app.Key, testutil.Bearer(srv.Token), nil)
				if r.Status != http.StatusOK {
					t.Fatalf("GET after disabling DELETE: %d, want 200: %s", r.Status, r.Body)
				}
				if a := decodeApp(t, r, app.Key, app.Secret); !a.Disabled {
					t.Errorf("app not disabled after DELETE: %s", r.Body)
				}

				for _, rq := range []struct{ method, path string }{
					{"GET", "/v1/users/alice"},
					{"GET", "/v1/users/?start=0&count=10"},
					{"GET", "/v1/sensitiveword?start=0&count=10"},
				} {
					wantJMError(t, srv.Do(t, rq.method, rq.path, app.As(), nil), http.StatusForbidden, 899009)
				}

				// A later PUT without "disabled" brings it back with its data.
				r = put(t, srv, app.Key, map[string]any{"masterSecret": app.Secret})
				if r.Status != http.StatusOK {
					t.Fatalf("re-enabling PUT: %d, want 200: %s", r.Status, r.Body)
				}
				if a := decodeApp(t, r, app.Key, app.Secret); a.Disabled {
					t.Errorf("still disabled: %s", r.Body)
				}
				for _, u := range []string{"alice", "bobby"} {
					if r := srv.Do(t, "GET", "/v1/users/"+u, app.As(), nil); r.Status != http.StatusOK {
						t.Errorf("GET /v1/users/%s after re-enable: %d: %s", u, r.Status, r.Body)
					}
				}
				r = srv.Do(t, "GET", "/v1/sensitiveword?start=0&count=10", app.As(), nil)
				if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte("badword")) {
					t.Errorf("sensitive words lost: %d: %s", r.Status, r.Body)
				}
			})
		})
	}
}

func TestPlatformDeletePurge(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		bystander := srv.CreateApp(t, nil)
		for _, a := range []testutil.App{app, bystander} {
			register(t, srv, a, "alice", "bobby")
			if r := srv.Do(t, "POST", "/v1/users/alice/friends", a.As(), []string{"bobby"}); r.Status/100 != 2 {
				t.Fatalf("friends: %d: %s", r.Status, r.Body)
			}
			if r := srv.Do(t, "PUT", "/v1/users/alice/blacklist", a.As(), []string{"bobby"}); r.Status/100 != 2 {
				t.Fatalf("blacklist: %d: %s", r.Status, r.Body)
			}
			if r := srv.Do(t, "POST", "/v1/sensitiveword", a.As(), []string{"badword"}); r.Status != http.StatusNoContent {
				t.Fatalf("word: %d: %s", r.Status, r.Body)
			}
		}

		r := srv.Do(t, "DELETE", "/platform/v1/apps/"+app.Key+"?purge=true", testutil.Bearer(srv.Token), nil)
		if r.Status != http.StatusNoContent {
			t.Fatalf("purge: %d, want 204: %s", r.Status, r.Body)
		}
		wantPlatformError(t, srv.Do(t, "GET", "/platform/v1/apps/"+app.Key, testutil.Bearer(srv.Token), nil), http.StatusNotFound, "NotFound")
		r = srv.Do(t, "GET", "/platform/v1/apps", testutil.Bearer(srv.Token), nil)
		if bytes.Contains(r.Body, []byte(app.Key)) {
			t.Errorf("purged app still listed: %s", r.Body)
		}
		// The credentials of a purged app no longer authenticate.
		wantJMError(t, srv.Do(t, "GET", "/v1/users/alice", app.As(), nil), http.StatusUnauthorized, 899008)
		// A second purge finds nothing.
		wantPlatformError(t, srv.Do(t, "DELETE", "/platform/v1/apps/"+app.Key+"?purge=true", testutil.Bearer(srv.Token), nil), http.StatusNotFound, "NotFound")

		// A disabled app can be purged too.
		disabled := srv.CreateApp(t, nil)
		register(t, srv, disabled, "alice")
		if r := srv.Do(t, "DELETE", "/platform/v1/apps/"+disabled.Key, testutil.Bearer(srv.Token), nil); r.Status != http.StatusNoContent {
			t.Fatalf("disable: %d: %s", r.Status, r.Body)
		}
		if r := srv.Do(t, "DELETE", "/platform/v1/apps/"+disabled.Key+"?purge=true", testutil.Bearer(srv.Token), nil); r.Status != http.StatusNoContent {
			t.Fatalf("purging a disabled app: %d, want 204: %s", r.Status, r.Body)
		}
		wantPlatformError(t, srv.Do(t, "GET", "/platform/v1/apps/"+disabled.Key, testutil.Bearer(srv.Token), nil), http.StatusNotFound, "NotFound")
		if r := put(t, srv, disabled.Key, map[string]any{"masterSecret": disabled.Secret}); r.Status != http.StatusCreated {
			t.Fatalf("re-create after purging a disabled app: %d: %s", r.Status, r.Body)
		}
		wantJMError(t, srv.Do(t, "GET", "/v1/users/alice", disabled.As(), nil), http.StatusNotFound, 899002)

		// Re-creating the key starts from nothing.
		r = put(t, srv, app.Key, map[string]any{"masterSecret": app.Secret})
		if r.Status != http.StatusCreated {
			t.Fatalf("re-create after purge: %d, want 201: %s", r.Status, r.Body)
		}
		for _, u := range []string{"alice", "bobby"} {
			wantJMError(t, srv.Do(t, "GET", "/v1/users/"+u, app.As(), nil), http.StatusNotFound, 899002)
		}
		r = srv.Do(t, "GET", "/v1/users/?start=0&count=10", app.As(), nil)
		var ul struct {
			Total int `json:"total"`
		}
		r.JSON(t, &ul)
		if r.Status != http.StatusOK || ul.Total != 0 {
			t.Errorf("users after purge: %d: %s", r.Status, r.Body)
		}
		r = srv.Do(t, "GET", "/v1/sensitiveword?start=0&count=10", app.As(), nil)
		if r.Status != http.StatusOK || bytes.Contains(r.Body, []byte("badword")) {
			t.Errorf("sensitive words after purge: %d: %s", r.Status, r.Body)
		}
		// Relations are gone too: a fresh alice has no friends or blacklist.
		register(t, srv, app, "alice", "bobby")
		for _, p := range []string{"/v1/users/alice/friends", "/v1/users/alice/blacklist"} {
			r := srv.Do(t, "GET", p, app.As(), nil)
			if r.Status != http.StatusOK || bytes.Contains(r.Body, []byte("bobby")) {
				t.Errorf("GET %s after purge and re-register: %d: %s", p, r.Status, r.Body)
			}
		}

		// The other tenant is untouched.
		for _, u := range []string{"alice", "bobby"} {
			if r := srv.Do(t, "GET", "/v1/users/"+u, bystander.As(), nil); r.Status != http.StatusOK {
				t.Errorf("bystander's %s: %d: %s", u, r.Status, r.Body)
			}
		}
		for _, p := range []string{"/v1/users/alice/friends", "/v1/users/alice/blacklist", "/v1/sensitiveword?start=0&count=10"} {
			r := srv.Do(t, "GET", p, bystander.As(), nil)
			want := "bobby"
			if strings.Contains(p, "sensitiveword") {
				want = "badword"
			}
			if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(want)) {
				t.Errorf("bystander's %s: %d: %s", p, r.Status, r.Body)
			}
		}
	})
}

func TestPlatformDeleteErrors(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		for _, v := range []string{"yes", "2", "purge", "truee"} {
			t.Run("purge="+v, func(t *testing.T) {
				r := srv.Do(t, "DELETE", "/platform/v1/apps/"+app.Key+"?purge="+v, testutil.Bearer(srv.Token), nil)
				wantPlatformError(t, r, http.StatusBadRequest, "")
			})
		}
		// The rejected DELETEs did nothing.
		r := srv.Do(t, "GET", "/platform/v1/apps/"+app.Key, testutil.Bearer(srv.Token), nil)
		if a := decodeApp(t, r, app.Key, app.Secret); r.Status != http.StatusOK || a.Disabled {
			t.Errorf("app after rejected DELETEs: %d: %s", r.Status, r.Body)
		}
		missing := testutil.NewKey()
		for _, q := range []string{"", "?purge=false", "?purge=true"} {
			t.Run("missing"+q, func(t *testing.T) {
				r := srv.Do(t, "DELETE", "/platform/v1/apps/"+missing+q, testutil.Bearer(srv.Token), nil)
				wantPlatformError(t, r, http.StatusNotFound, "NotFound")
			})
		}
	})
}

func TestPlatformSecretRotation(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		register(t, srv, app, "alice")
		newSecret := testutil.NewKey()
		r := put(t, srv, app.Key, map[string]any{"masterSecret": newSecret})
		if r.Status != http.StatusOK {
			t.Fatalf("rotating: %d: %s", r.Status, r.Body)
		}
		decodeApp(t, r, app.Key, app.Secret, newSecret)

		r = srv.Do(t, "GET", "/v1/users/alice", app.As(), nil)
		wantJMError(t, r, http.StatusUnauthorized, 899008)
		if r := srv.Do(t, "GET", "/v1/users/alice", testutil.Basic(app.Key, newSecret), nil); r.Status != http.StatusOK {
			t.Errorf("new secret: %d: %s", r.Status, r.Body)
		}
		r = srv.Do(t, "GET", "/platform/v1/apps/"+app.Key, testutil.Bearer(srv.Token), nil)
		decodeApp(t, r, app.Key, app.Secret, newSecret)
		r = srv.Do(t, "GET", "/platform/v1/apps", testutil.Bearer(srv.Token), nil)
		noSecret(t, r, app.Secret, newSecret)
	})
}

func TestAppKeyCaseInsensitive(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		// Make sure the key has letters to change case of.
		key := "abcdef" + testutil.NewKey()[6:]
		secret := testutil.NewKey()
		if r := put(t, srv, key, map[string]any{"masterSecret": secret}); r.Status != http.StatusCreated {
			t.Fatalf("create: %d: %s", r.Status, r.Body)
		}
		app := testutil.App{Key: key, Secret: secret}
		register(t, srv, app, "alice")
		mixed := []byte(key)
		for i := 0; i < len(mixed); i += 2 {
			mixed[i] = strings.ToUpper(string(mixed[i]))[0]
		}
		for _, k := range []string{strings.ToUpper(key), string(mixed)} {
			r := srv.Do(t, "GET", "/v1/users/alice", testutil.Basic(k, secret), nil)
			if r.Status != http.StatusOK {
				t.Errorf("Basic auth with appKey %s: %d, want 200: %s", k, r.Status, r.Body)
			}
		}
		// The platform API agrees: an upper-cased key names the same app
		// (no second, ambiguous tenant).
		newSecret := testutil.NewKey()
		r := put(t, srv, strings.ToUpper(key), map[string]any{"masterSecret": newSecret})
		if r.Status != http.StatusOK {
			t.Errorf("PUT with the upper-cased key of an existing app: %d, want 200 (same app): %s", r.Status, r.Body)
		}
		noSecret(t, r, secret, newSecret)
		r = srv.Do(t, "GET", "/platform/v1/apps", testutil.Bearer(srv.Token), nil)
		var l struct {
			Apps []appView `json:"apps"`
		}
		r.JSON(t, &l)
		if len(l.Apps) != 1 || !strings.EqualFold(l.Apps[0].AppKey, key) {
			t.Errorf("apps after PUTs differing only in case: %s", r.Body)
		}
		if r := srv.Do(t, "GET", "/platform/v1/apps/"+strings.ToUpper(key), testutil.Bearer(srv.Token), nil); r.Status != http.StatusOK {
			t.Errorf("GET with the upper-cased key: %d: %s", r.Status, r.Body)
		}
		secret = newSecret
		if r := srv.Do(t, "GET", "/v1/users/alice", testutil.Basic(key, secret), nil); r.Status != http.StatusOK {
			t.Errorf("alice after the upper-cased PUT: %d, want 200 (same tenant, data kept): %s", r.Status, r.Body)
		}

		// The secret, unlike the key, must match exactly.
		upperSecret := strings.ToUpper(secret)
		wantJMError(t, srv.Do(t, "GET", "/v1/users/alice", testutil.Basic(key, upperSecret), nil), http.StatusUnauthorized, 899008)
	})
}

func TestPlatformInfo(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		r := srv.Do(t, "GET", "/platform/v1/info", testutil.Bearer(srv.Token), nil)
		if r.Status != http.StatusOK {
			t.Fatalf("info: %d: %s", r.Status, r.Body)
		}
		var raw map[string]json.RawMessage
		r.JSON(t, &raw)
		var info struct {
			Version       *string `json:"version"`
			SchemaVersion *int    `json:"schemaVersion"`
			Database      string  `json:"database"`
		}
		r.JSON(t, &info)
		if info.Version == nil || *info.Version == "" {
			t.Errorf("version missing: %s", r.Body)
		}
		if info.SchemaVersion == nil || *info.SchemaVersion < 1 {
			t.Errorf("schemaVersion missing or < 1: %s", r.Body)
		}
		if info.Database != b.Name {
			t.Errorf("database = %q, want %q", info.Database, b.Name)
		}
	})
}

func TestPlatformConcurrentCreate(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		key, secret := testutil.NewKey(), testutil.NewKey()
		const n = 20
		statuses := make([]int, n)
		bodies := make([][]byte, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				resp, err := srv.Send("PUT", "/platform/v1/apps/"+key, testutil.Bearer(srv.Token), map[string]any{"masterSecret": secret})
				statuses[i], bodies[i], errs[i] = resp.Status, resp.Body, err
			})
		}
		close(start)
		wg.Wait()
		created, updated := 0, 0
		for i := range n {
			if errs[i] != nil {
				t.Errorf("request %d: %v", i, errs[i])
				continue
			}
			switch statuses[i] {
			case http.StatusCreated:
				created++
			case http.StatusOK:
				updated++
			default:
				t.Errorf("request %d: status %d: %s", i, statuses[i], bodies[i])
			}
		}
		if created != 1 || updated != n-1 {
			t.Errorf("%d × 201 and %d × 200, want 1 and %d", created, updated, n-1)
		}
		r := srv.Do(t, "GET", "/platform/v1/apps", testutil.Bearer(srv.Token), nil)
		var l struct {
			Apps []appView `json:"apps"`
		}
		r.JSON(t, &l)
		if len(l.Apps) != 1 || l.Apps[0].AppKey != key {
			t.Errorf("list after concurrent create: %s", r.Body)
		}
		if r := srv.Do(t, "GET", "/v1/users/?start=0&count=10", testutil.Basic(key, secret), nil); r.Status != http.StatusOK {
			t.Errorf("admin API of the concurrently created app: %d: %s", r.Status, r.Body)
		}
	})
}

func TestPlatformUnknownPathAndMethod(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		cases := []struct {
			method, path string
			status       int
		}{
			{"GET", "/platform/v1/nope", http.StatusNotFound},
			{"GET", "/platform/v2/apps", http.StatusNotFound},
			{"GET", "/platform/v1/apps/" + app.Key + "/extra", http.StatusNotFound},
			{"POST", "/platform/v1/apps/" + app.Key, http.StatusMethodNotAllowed},
			{"PATCH", "/platform/v1/apps/" + app.Key, http.StatusMethodNotAllowed},
			{"DELETE", "/platform/v1/apps", http.StatusMethodNotAllowed},
			{"POST", "/platform/v1/apps", http.StatusMethodNotAllowed},
			{"PUT", "/platform/v1/info", http.StatusMethodNotAllowed},
		}
		for _, c := range cases {
			t.Run(c.method+" "+c.path, func(t *testing.T) {
				r := srv.Do(t, c.method, c.path, testutil.Bearer(srv.Token), `{}`)
				wantPlatformError(t, r, c.status, "")
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type = %q, want application/json", ct)
				}
			})
		}
		// The app survived the odd requests.
		r := srv.Do(t, "GET", "/platform/v1/apps/"+app.Key, testutil.Bearer(srv.Token), nil)
		if r.Status != http.StatusOK {
			t.Errorf("app after odd requests: %d: %s", r.Status, r.Body)
		}
	})
}

// TestPlatformSecretNotStoredInPlaintext looks at the database itself: the
// masterSecret must not be stored, only a hash of it.
func TestPlatformSecretNotStoredInPlaintext(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		var dbURL string
		capture := testutil.Backend{Name: b.Name, NewURL: func(t testing.TB) string {
			dbURL = b.NewURL(t)
			return dbURL
		}}
		srv := testutil.StartServer(t, capture)
		app := srv.CreateApp(t, nil)
		newSecret := testutil.NewKey()
		if r := put(t, srv, app.Key, map[string]any{"masterSecret": newSecret}); r.Status != http.StatusOK {
			t.Fatalf("rotate: %d: %s", r.Status, r.Body)
		}
		other := srv.CreateApp(t, map[string]any{"disabled": true})
		secrets := []string{app.Secret, newSecret, other.Secret}

		var dump []byte
		if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
			path, _, _ = strings.Cut(path, "?")
			for _, suffix := range []string{"", "-wal", "-journal", "-shm"} {
				data, err := os.ReadFile(path + suffix)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				dump = append(dump, data...)
			}
			if len(dump) == 0 {
				t.Fatalf("no SQLite files at %s", path)
			}
		} else {
			db, err := sql.Open("pgx", dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			rows, err := db.Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)
			if err != nil {
				t.Fatal(err)
			}
			var tables []string
			for rows.Next() {
				var name string
				if err := rows.Scan(&name); err != nil {
					t.Fatal(err)
				}
				tables = append(tables, name)
			}
			rows.Close()
			if len(tables) == 0 {
				t.Fatalf("no tables in the test schema")
			}
			for _, table := range tables {
				rows, err := db.Query(fmt.Sprintf(`SELECT x::text FROM %q x`, table))
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var row string
					if err := rows.Scan(&row); err != nil {
						t.Fatal(err)
					}
					dump = append(dump, row...)
				}
				rows.Close()
			}
		}
		if !bytes.Contains(bytes.ToLower(dump), []byte(strings.ToLower(app.Key))) {
			t.Fatalf("the dump does not even hold the appKey: the test reads the wrong database")
		}
		for _, s := range secrets {
			if bytes.Contains(bytes.ToLower(dump), []byte(strings.ToLower(s))) {
				t.Errorf("masterSecret %s is stored in plain text", s)
			}
		}
	})
}
