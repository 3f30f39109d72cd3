package jmessage_test

// Tenant-isolation, authentication and hostile-input tests of the JMessage
// admin API (issue #2 §4 and §5), over real HTTP, on SQLite and PostgreSQL.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

const isoAuthFailed = "Basic authentication failed"

// isoUser is the part of a user object these tests read.
type isoUser struct {
	Username  string `json:"username"`
	Nickname  string `json:"nickname"`
	Signature string `json:"signature"`
	Appkey    string `json:"appkey"`
}

type isoJMError struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// isoWantError checks a JMessage error status, code and, if given, message.
func isoWantError(t *testing.T, r testutil.Response, status, code int, message string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
	var e isoJMError
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Errorf("error body is not JSON (%v): %q", err, r.Body)
		return
	}
	if e.Error.Code != code {
		t.Errorf("code = %d, want %d; body %s", e.Error.Code, code, r.Body)
	}
	if message != "" && e.Error.Message != message {
		t.Errorf("message = %q, want %q", e.Error.Message, message)
	}
}

func isoWantStatus(t *testing.T, r testutil.Response, status int, what string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, r.Status, status, r.Body)
	}
}

// isoRegister registers users (username → nickname) and fails on any error.
func isoRegister(t *testing.T, srv *testutil.Server, app testutil.App, users map[string]string) {
	t.Helper()
	var body []map[string]string
	for u, nick := range users {
		item := map[string]string{"username": u, "password": "secret123"}
		if nick != "" {
			item["nickname"] = nick
		}
		body = append(body, item)
	}
	r := srv.Do(t, "POST", "/v1/users/", app.As(), body)
	isoWantStatus(t, r, http.StatusCreated, "register")
	var items []struct {
		Username string          `json:"username"`
		Error    json.RawMessage `json:"error"`
	}
	r.JSON(t, &items)
	if len(items) != len(users) {
		t.Fatalf("register: %d items for %d users: %s", len(items), len(users), r.Body)
	}
	for _, it := range items {
		if len(it.Error) > 0 {
			t.Fatalf("register %s: %s", it.Username, it.Error)
		}
	}
}

func isoGetUser(t *testing.T, srv *testutil.Server, app testutil.App, username string) isoUser {
	t.Helper()
	r := srv.Do(t, "GET", "/v1/users/"+username, app.As(), nil)
	isoWantStatus(t, r, http.StatusOK, "GET user "+username)
	var u isoUser
	r.JSON(t, &u)
	return u
}

// isoList returns the users of a list endpoint's JSON array.
func isoList(t *testing.T, srv *testutil.Server, app testutil.App, path string) []isoUser {
	t.Helper()
	r := srv.Do(t, "GET", path, app.As(), nil)
	isoWantStatus(t, r, http.StatusOK, "GET "+path)
	var us []isoUser
	r.JSON(t, &us)
	return us
}

func isoUsernames(us []isoUser) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Username)
	}
	return out
}

// isoAllUsers lists a tenant's users through GET /v1/users/.
func isoAllUsers(t *testing.T, srv *testutil.Server, app testutil.App) (total int, names []string) {
	t.Helper()
	r := srv.Do(t, "GET", "/v1/users/?start=0&count=500", app.As(), nil)
	isoWantStatus(t, r, http.StatusOK, "list users")
	var l struct {
		Total int       `json:"total"`
		Users []isoUser `json:"users"`
	}
	r.JSON(t, &l)
	return l.Total, isoUsernames(l.Users)
}

func TestIsolationSameUsernames(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		a, bb := srv.CreateApp(t, nil), srv.CreateApp(t, nil)
		isoRegister(t, srv, a, map[string]string{"alice": "A-alice", "bobby": "A-bobby"})
		isoRegister(t, srv, bb, map[string]string{"alice": "B-alice", "bobby": "B-bobby"})

		for _, c := range []struct {
			app  testutil.App
			want string
		}{{a, "A-alice"}, {bb, "B-alice"}} {
			if u := isoGetUser(t, srv, c.app, "alice"); u.Nickname != c.want {
				t.Errorf("alice's nickname = %q, want %q", u.Nickname, c.want)
			}
		}

		// Updates and password changes stay in their tenant.
		isoWantStatus(t, srv.Do(t, "PUT", "/v1/users/alice", a.As(), map[string]string{"nickname": "A-changed"}), http.StatusNoContent, "PUT alice in A")
		isoWantStatus(t, srv.Do(t, "PUT", "/v1/users/alice/password", a.As(), map[string]string{"new_password": "another123"}), http.StatusNoContent, "password in A")
		if u := isoGetUser(t, srv, bb, "alice"); u.Nickname != "B-alice" {
			t.Errorf("B's alice changed by A's update: %+v", u)
		}
		if u := isoGetUser(t, srv, a, "alice"); u.Nickname != "A-changed" {
			t.Errorf("A's alice after update: %+v", u)
		}

		// Deleting in A leaves B's.
		isoWantStatus(t, srv.Do(t, "DELETE", "/v1/users/alice", a.As(), nil), http.StatusNoContent, "DELETE alice in A")
		isoWantError(t, srv.Do(t, "GET", "/v1/users/alice", a.As(), nil), http.StatusNotFound, 899002, "")
		if u := isoGetUser(t, srv, bb, "alice"); u.Nickname != "B-alice" {
			t.Errorf("B's alice after A deleted its own: %+v", u)
		}
		// Batch delete in B leaves A's bobby.
		if r := srv.Do(t, "DELETE", "/v1/users/", bb.As(), []string{"bobby"}); r.Status/100 != 2 {
			t.Fatalf("batch delete in B: %d: %s", r.Status, r.Body)
		}
		if u := isoGetUser(t, srv, a, "bobby"); u.Nickname != "A-bobby" {
			t.Errorf("A's bobby after B's batch delete: %+v", u)
		}

		if total, names := isoAllUsers(t, srv, a); total != 1 || len(names) != 1 || names[0] != "bobby" {
			t.Errorf("A's users: total %d, %v; want [bobby]", total, names)
		}
		if total, names := isoAllUsers(t, srv, bb); total != 1 || len(names) != 1 || names[0] != "alice" {
			t.Errorf("B's users: total %d, %v; want [alice]", total, names)
		}

		// A can re-register alice; B's is still its own.
		isoRegister(t, srv, a, map[string]string{"alice": "A-again"})
		if u := isoGetUser(t, srv, bb, "alice"); u.Nickname != "B-alice" {
			t.Errorf("B's alice after A re-registered: %+v", u)
		}
	})
}

func TestIsolationOtherTenantsSecret(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		a, bb := srv.CreateApp(t, nil), srv.CreateApp(t, nil)
		isoRegister(t, srv, a, map[string]string{"alice": "A"})
		isoRegister(t, srv, bb, map[string]string{"alice": "B"})
		for _, c := range []struct {
			name string
			auth testutil.Auth
		}{
			{"A's secret with B's key", testutil.Basic(bb.Key, a.Secret)},
			{"B's secret with A's key", testutil.Basic(a.Key, bb.Secret)},
		} {
			t.Run(c.name, func(t *testing.T) {
				for _, rq := range []struct {
					method, path string
					body         any
				}{
					{"GET", "/v1/users/alice", nil},
					{"PUT", "/v1/users/alice", map[string]string{"nickname": "pwned"}},
					{"DELETE", "/v1/users/alice", nil},
					{"POST", "/v1/users/", []map[string]string{{"username": "mallory", "password": "secret123"}}},
					{"GET", "/v1/sensitiveword?start=0&count=10", nil},
				} {
					r := srv.Do(t, rq.method, rq.path, c.auth, rq.body)
					isoWantError(t, r, http.StatusUnauthorized, 899008, isoAuthFailed)
				}
			})
		}
		for _, c := range []struct {
			app  testutil.App
			want string
		}{{a, "A"}, {bb, "B"}} {
			if u := isoGetUser(t, srv, c.app, "alice"); u.Nickname != c.want {
				t.Errorf("alice = %+v, want nickname %q", u, c.want)
			}
			isoWantError(t, srv.Do(t, "GET", "/v1/users/mallory", c.app.As(), nil), http.StatusNotFound, 899002, "")
		}
	})
}

func TestIsolationCannotReachOtherTenantsUsers(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		a, bb := srv.CreateApp(t, nil), srv.CreateApp(t, nil)
		isoRegister(t, srv, a, map[string]string{"alice": "A-alice"})
		isoRegister(t, srv, bb, map[string]string{"bobonly": "B-bob", "carol": "B-carol"})
		isoWantStatus(t, srv.Do(t, "POST", "/v1/users/bobonly/friends", bb.As(), []string{"carol"}), http.StatusCreated, "B friends")

		// bobonly exists only in B: to A it does not exist.
		cases := []struct {
			method, path string
			body         any
		}{
			{"GET", "/v1/users/bobonly", nil},
			{"PUT", "/v1/users/bobonly", map[string]string{"nickname": "pwned"}},
			{"DELETE", "/v1/users/bobonly", nil},
			{"PUT", "/v1/users/bobonly/password", map[string]string{"new_password": "pwned123"}},
			{"GET", "/v1/users/bobonly/userstat", nil},
			{"GET", "/v1/users/bobonly/blacklist", nil},
			{"PUT", "/v1/users/bobonly/blacklist", []string{"alice"}},
			{"DELETE", "/v1/users/bobonly/blacklist", []string{"carol"}},
			{"PUT", "/v1/users/alice/blacklist", []string{"bobonly"}},
			{"GET", "/v1/users/bobonly/friends", nil},
			{"POST", "/v1/users/bobonly/friends", []string{"alice"}},
			{"POST", "/v1/users/alice/friends", []string{"bobonly"}},
			{"DELETE", "/v1/users/bobonly/friends", []string{"carol"}},
			{"PUT", "/v1/users/bobonly/friends", []map[string]string{{"username": "carol", "note_name": "pwned"}}},
			{"PUT", "/v1/users/bobonly/forbidden?disable=true", nil},
			{"POST", "/v1/users/bobonly/nodisturb", map[string]any{"single": map[string]any{"add": []string{"alice"}}}},
		}
		for _, c := range cases {
			t.Run(c.method+" "+c.path, func(t *testing.T) {
				r := srv.Do(t, c.method, c.path, a.As(), c.body)
				isoWantError(t, r, http.StatusNotFound, 899002, "")
			})
		}
		// Batch operations naming B's user do not reach it either.
		if r := srv.Do(t, "DELETE", "/v1/users/", a.As(), []string{"bobonly"}); r.Status >= 500 {
			t.Errorf("batch delete of another tenant's user: %d: %s", r.Status, r.Body)
		}
		r := srv.Do(t, "POST", "/v2/users/statuser", a.As(), []string{"bobonly"})
		isoWantStatus(t, r, http.StatusOK, "statuser")
		var st []struct {
			Username   string `json:"username"`
			Statuscode int    `json:"statuscode"`
		}
		r.JSON(t, &st)
		if len(st) != 1 || st[0].Statuscode != 1 {
			t.Errorf("statuser for another tenant's user: %s, want statuscode 1", r.Body)
		}

		// B's data is intact.
		if u := isoGetUser(t, srv, bb, "bobonly"); u.Nickname != "B-bob" {
			t.Errorf("B's bobonly changed: %+v", u)
		}
		if got := isoUsernames(isoList(t, srv, bb, "/v1/users/bobonly/friends")); len(got) != 1 || got[0] != "carol" {
			t.Errorf("B's bobonly friends = %v, want [carol]", got)
		}
		if got := isoList(t, srv, bb, "/v1/users/bobonly/blacklist"); len(got) != 0 {
			t.Errorf("B's bobonly blacklist = %v, want empty", isoUsernames(got))
		}
		r = srv.Do(t, "GET", "/v1/users/bobonly/userstat", bb.As(), nil)
		isoWantStatus(t, r, http.StatusOK, "B userstat")
		// A's alice gained no relation to B's users.
		if got := isoList(t, srv, a, "/v1/users/alice/blacklist"); len(got) != 0 {
			t.Errorf("A's alice blacklist = %v", isoUsernames(got))
		}
		if got := isoList(t, srv, a, "/v1/users/alice/friends"); len(got) != 0 {
			t.Errorf("A's alice friends = %v", isoUsernames(got))
		}
		// A's own user count is untouched by the attempts.
		if total, _ := isoAllUsers(t, srv, a); total != 1 {
			t.Errorf("A has %d users, want 1", total)
		}
	})
}

func TestIsolationRelationListsStayInTenant(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		a, bb := srv.CreateApp(t, nil), srv.CreateApp(t, nil)
		isoRegister(t, srv, a, map[string]string{"alice": "A-alice", "bobby": "A-bobby", "carol": "A-carol"})
		isoRegister(t, srv, bb, map[string]string{"alice": "B-alice", "bobby": "B-bobby", "david": "B-david"})

		isoWantStatus(t, srv.Do(t, "POST", "/v1/users/alice/friends", a.As(), []string{"bobby"}), http.StatusCreated, "A friends")
		isoWantStatus(t, srv.Do(t, "PUT", "/v1/users/alice/blacklist", a.As(), []string{"carol"}), http.StatusNoContent, "A blacklist")
		isoWantStatus(t, srv.Do(t, "POST", "/v1/users/alice/friends", bb.As(), []string{"david"}), http.StatusCreated, "B friends")
		isoWantStatus(t, srv.Do(t, "PUT", "/v1/users/alice/blacklist", bb.As(), []string{"bobby"}), http.StatusNoContent, "B blacklist")
		// Same pair in both tenants: "already friends" in B must not come from A.
		isoWantStatus(t, srv.Do(t, "POST", "/v1/users/alice/friends", bb.As(), []string{"bobby"}), http.StatusCreated, "B alice+bobby friends")
		isoWantStatus(t, srv.Do(t, "PUT", "/v1/users/alice/friends", bb.As(),
			[]map[string]string{{"username": "bobby", "note_name": "B-note"}}), http.StatusNoContent, "B note")

		check := func(t *testing.T, app testutil.App, path string, want map[string]string) {
			t.Helper()
			got := isoList(t, srv, app, path)
			if len(got) != len(want) {
				t.Errorf("%s = %v, want %v", path, isoUsernames(got), want)
			}
			for _, u := range got {
				nick, ok := want[u.Username]
				if !ok {
					t.Errorf("%s lists %q, want only %v", path, u.Username, want)
					continue
				}
				if u.Nickname != nick {
					t.Errorf("%s: %s's nickname = %q, want %q (another tenant's user?)", path, u.Username, u.Nickname, nick)
				}
				if u.Appkey != "" && !strings.EqualFold(u.Appkey, app.Key) {
					t.Errorf("%s: %s has appkey %q, want %q", path, u.Username, u.Appkey, app.Key)
				}
			}
		}
		check(t, a, "/v1/users/alice/friends", map[string]string{"bobby": "A-bobby"})
		check(t, a, "/v1/users/alice/blacklist", map[string]string{"carol": "A-carol"})
		check(t, bb, "/v1/users/alice/friends", map[string]string{"david": "B-david", "bobby": "B-bobby"})
		check(t, bb, "/v1/users/alice/blacklist", map[string]string{"bobby": "B-bobby"})
		// Friendship is mutual within a tenant, never across.
		check(t, a, "/v1/users/bobby/friends", map[string]string{"alice": "A-alice"})
		check(t, bb, "/v1/users/bobby/friends", map[string]string{"alice": "B-alice"})
		check(t, a, "/v1/users/carol/friends", map[string]string{})
		check(t, bb, "/v1/users/david/friends", map[string]string{"alice": "B-alice"})

		// A's note for bobby is not B's.
		r := srv.Do(t, "GET", "/v1/users/alice/friends", a.As(), nil)
		if bytes.Contains(r.Body, []byte("B-note")) {
			t.Errorf("A's friend list shows B's note: %s", r.Body)
		}

		// Removing relations in A leaves B's.
		isoWantStatus(t, srv.Do(t, "DELETE", "/v1/users/alice/friends", a.As(), []string{"bobby"}), http.StatusNoContent, "A unfriend")
		isoWantStatus(t, srv.Do(t, "DELETE", "/v1/users/alice/blacklist", a.As(), []string{"carol"}), http.StatusNoContent, "A unblock")
		check(t, a, "/v1/users/alice/friends", map[string]string{})
		check(t, a, "/v1/users/alice/blacklist", map[string]string{})
		check(t, bb, "/v1/users/alice/friends", map[string]string{"david": "B-david", "bobby": "B-bobby"})
		check(t, bb, "/v1/users/alice/blacklist", map[string]string{"bobby": "B-bobby"})

		// Deleting a user in A leaves B's relations with the same username.
		isoWantStatus(t, srv.Do(t, "DELETE", "/v1/users/bobby", a.As(), nil), http.StatusNoContent, "delete A bobby")
		check(t, bb, "/v1/users/alice/friends", map[string]string{"david": "B-david", "bobby": "B-bobby"})
		check(t, bb, "/v1/users/alice/blacklist", map[string]string{"bobby": "B-bobby"})

		// Sensitive words are per tenant too.
		isoWantStatus(t, srv.Do(t, "POST", "/v1/sensitiveword", a.As(), []string{"awordonly"}), http.StatusNoContent, "A word")
		r = srv.Do(t, "GET", "/v1/sensitiveword?start=0&count=100", bb.As(), nil)
		isoWantStatus(t, r, http.StatusOK, "B words")
		if bytes.Contains(r.Body, []byte("awordonly")) {
			t.Errorf("B lists A's sensitive word: %s", r.Body)
		}
		isoWantStatus(t, srv.Do(t, "PUT", "/v1/sensitiveword/status?status=0", a.As(), nil), http.StatusNoContent, "A filter off")
		r = srv.Do(t, "GET", "/v1/sensitiveword/status", bb.As(), nil)
		var st struct {
			Status int `json:"status"`
		}
		r.JSON(t, &st)
		if st.Status != 1 {
			t.Errorf("B's filter status after A switched its own off: %s", r.Body)
		}
	})
}

func TestAdminAuthFailures(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		isoRegister(t, srv, app, map[string]string{"alice": "A"})
		header := func(v string) testutil.Auth {
			return func(r *http.Request) { r.Header.Set("Authorization", v) }
		}
		b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
		auths := []struct {
			name string
			auth testutil.Auth
		}{
			{"wrong secret", testutil.Basic(app.Key, testutil.NewKey())},
			{"secret prefix", testutil.Basic(app.Key, app.Secret[:23])},
			{"empty secret", testutil.Basic(app.Key, "")},
			{"unknown key", testutil.Basic(testutil.NewKey(), app.Secret)},
			{"swapped", testutil.Basic(app.Secret, app.Key)},
			{"missing", func(*http.Request) {}},
			{"bad base64", header("Basic !!!not-base64!!!")},
			{"no colon", header("Basic " + b64(app.Key+app.Secret))},
			{"empty basic", header("Basic ")},
			{"scheme only", header("Basic")},
			{"bearer", testutil.Bearer(srv.Token)},
			{"bearer with basic payload", header("Bearer " + b64(app.Key+":"+app.Secret))},
			{"raw credentials", header(b64(app.Key + ":" + app.Secret))},
		}
		requests := []struct {
			method, path string
			body         any
		}{
			{"GET", "/v1/users/alice", nil},
			{"GET", "/v1/users/nobody1", nil},
			{"PUT", "/v1/users/alice", map[string]string{"nickname": "pwned"}},
			{"POST", "/v1/users/", []map[string]string{{"username": "mallory", "password": "secret123"}}},
			{"DELETE", "/v1/users/alice", nil},
			{"GET", "/v1/users/?start=0&count=10", nil},
			{"POST", "/v1/sensitiveword", []string{"pwned"}},
			{"PUT", "/v1/sdkregister/status?status=1", nil},
		}
		for _, a := range auths {
			t.Run(a.name, func(t *testing.T) {
				for _, rq := range requests {
					r := srv.Do(t, rq.method, rq.path, a.auth, rq.body)
					isoWantError(t, r, http.StatusUnauthorized, 899008, isoAuthFailed)
				}
			})
		}
		// Nothing was written.
		if u := isoGetUser(t, srv, app, "alice"); u.Nickname != "A" {
			t.Errorf("alice changed by unauthenticated requests: %+v", u)
		}
		isoWantError(t, srv.Do(t, "GET", "/v1/users/mallory", app.As(), nil), http.StatusNotFound, 899002, "")
		r := srv.Do(t, "GET", "/v1/sensitiveword?start=0&count=10", app.As(), nil)
		if bytes.Contains(r.Body, []byte("pwned")) {
			t.Errorf("word added without auth: %s", r.Body)
		}
	})
}

func TestDisabledTenant(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		other := srv.CreateApp(t, nil)
		isoRegister(t, srv, app, map[string]string{"alice": "A", "bobby": "B"})
		isoRegister(t, srv, other, map[string]string{"alice": "O"})
		r := srv.Do(t, "PUT", "/platform/v1/apps/"+app.Key, testutil.Bearer(srv.Token),
			map[string]any{"masterSecret": app.Secret, "disabled": true})
		isoWantStatus(t, r, http.StatusOK, "disable")

		requests := []struct {
			method, path string
			body         any
		}{
			{"GET", "/v1/users/alice", nil},
			{"GET", "/v1/users/nobody1", nil},
			{"PUT", "/v1/users/alice", map[string]string{"nickname": "changed"}},
			{"POST", "/v1/users/", []map[string]string{{"username": "newuser", "password": "secret123"}}},
			{"DELETE", "/v1/users/bobby", nil},
			{"GET", "/v1/users/?start=0&count=10", nil},
			{"PUT", "/v1/users/alice/password", map[string]string{"new_password": "changed123"}},
			{"GET", "/v1/users/alice/userstat", nil},
			{"POST", "/v1/users/alice/friends", []string{"bobby"}},
			{"GET", "/v1/users/alice/friends", nil},
			{"PUT", "/v1/users/alice/blacklist", []string{"bobby"}},
			{"GET", "/v1/users/alice/blacklist", nil},
			{"POST", "/v1/sensitiveword", []string{"newword"}},
			{"GET", "/v1/sensitiveword?start=0&count=10", nil},
			{"PUT", "/v1/sensitiveword/status?status=0", nil},
			{"GET", "/v1/sdkregister/status", nil},
			{"PUT", "/v1/sdkregister/status?status=1", nil},
		}
		for _, rq := range requests {
			t.Run(rq.method+" "+rq.path, func(t *testing.T) {
				r := srv.Do(t, rq.method, rq.path, app.As(), rq.body)
				isoWantError(t, r, http.StatusForbidden, 899009, "")
			})
		}
		// A wrong secret on a disabled tenant is still an auth failure: a
		// 403 would confirm the tenant exists to someone without its secret.
		isoWantError(t, srv.Do(t, "GET", "/v1/users/alice", testutil.Basic(app.Key, testutil.NewKey()), nil), http.StatusUnauthorized, 899008, isoAuthFailed)
		// Another tenant is unaffected.
		if u := isoGetUser(t, srv, other, "alice"); u.Nickname != "O" {
			t.Errorf("other tenant's alice: %+v", u)
		}

		// Nothing the disabled tenant asked for happened.
		r = srv.Do(t, "PUT", "/platform/v1/apps/"+app.Key, testutil.Bearer(srv.Token), map[string]any{"masterSecret": app.Secret})
		isoWantStatus(t, r, http.StatusOK, "enable")
		if u := isoGetUser(t, srv, app, "alice"); u.Nickname != "A" {
			t.Errorf("alice changed while disabled: %+v", u)
		}
		isoGetUser(t, srv, app, "bobby")
		isoWantError(t, srv.Do(t, "GET", "/v1/users/newuser", app.As(), nil), http.StatusNotFound, 899002, "")
		if got := isoList(t, srv, app, "/v1/users/alice/friends"); len(got) != 0 {
			t.Errorf("friends added while disabled: %v", isoUsernames(got))
		}
		if got := isoList(t, srv, app, "/v1/users/alice/blacklist"); len(got) != 0 {
			t.Errorf("blacklist changed while disabled: %v", isoUsernames(got))
		}
		r = srv.Do(t, "GET", "/v1/sensitiveword?start=0&count=10", app.As(), nil)
		if bytes.Contains(r.Body, []byte("newword")) {
			t.Errorf("word added while disabled: %s", r.Body)
		}
	})
}

func TestHostileInput(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		other := srv.CreateApp(t, nil)
		isoRegister(t, srv, app, map[string]string{"alice": "A"})
		isoRegister(t, srv, other, map[string]string{"alice": "O"})

		evil := []string{
			"abcd' OR '1'='1",
			"alice' --",
			"alice\"; DROP TABLE users; --",
			"%' OR 1=1 --",
			"alice%",
		}
		for _, u := range evil {
			t.Run("username "+u, func(t *testing.T) {
				p := "/v1/users/" + url.PathEscape(u)
				isoWantError(t, srv.Do(t, "GET", p, app.As(), nil), http.StatusBadRequest, 899003, "")
				isoWantError(t, srv.Do(t, "PUT", p, app.As(), map[string]string{"nickname": "x"}), http.StatusBadRequest, 899003, "")
				isoWantError(t, srv.Do(t, "DELETE", p, app.As(), nil), http.StatusBadRequest, 899003, "")
				isoWantError(t, srv.Do(t, "PUT", p+"/password", app.As(), map[string]string{"new_password": "secret123"}), http.StatusBadRequest, 899003, "")

				// Batch register answers per item: the bad item carries 899003.
				r := srv.Do(t, "POST", "/v1/users/", app.As(), []map[string]string{{"username": u, "password": "secret123"}})
				if r.Status == http.StatusBadRequest {
					isoWantError(t, r, http.StatusBadRequest, 899003, "")
					return
				}
				var items []struct {
					Error *struct {
						Code int `json:"code"`
					} `json:"error"`
				}
				r.JSON(t, &items)
				if len(items) != 1 || items[0].Error == nil || items[0].Error.Code != 899003 {
					t.Errorf("register %q: %d %s, want the item to carry error 899003", u, r.Status, r.Body)
				}
			})
		}
		// None of it got in, and the tables are all still there.
		if total, names := isoAllUsers(t, srv, app); total != 1 || len(names) != 1 || names[0] != "alice" {
			t.Errorf("users after hostile usernames: total %d %v, want [alice]", total, names)
		}
		if u := isoGetUser(t, srv, other, "alice"); u.Nickname != "O" {
			t.Errorf("other tenant's alice: %+v", u)
		}

		// Hostile strings in free-text fields are stored verbatim.
		values := []struct{ nickname, signature string }{
			{"'); DROP TABLE users; --", "\"; DELETE FROM apps; --"},
			{"Robert'); --", "' OR '1'='1"},
			{`back\slash 'q' "dq" %_`, "emoji 😀 and 中文 and \t tab"},
		}
		for i, v := range values {
			name := fmt.Sprintf("evil%d", i)
			r := srv.Do(t, "POST", "/v1/users/", app.As(), []map[string]string{{"username": name, "password": "secret123", "nickname": v.nickname}})
			isoWantStatus(t, r, http.StatusCreated, "register "+name)
			if u := isoGetUser(t, srv, app, name); u.Nickname != v.nickname {
				t.Errorf("nickname stored as %q, want %q", u.Nickname, v.nickname)
			}
			isoWantStatus(t, srv.Do(t, "PUT", "/v1/users/"+name, app.As(),
				map[string]string{"signature": v.signature}), http.StatusNoContent, "update "+name)
			u := isoGetUser(t, srv, app, name)
			if u.Signature != v.signature || u.Nickname != v.nickname {
				t.Errorf("after update: %+v, want signature %q", u, v.signature)
			}
		}
		// LIKE wildcards in a username match only themselves.
		isoRegister(t, srv, app, map[string]string{"user_1": ""})
		isoWantError(t, srv.Do(t, "GET", "/v1/users/userX1", app.As(), nil), http.StatusNotFound, 899002, "")

		// A quote in a sensitive word is just a character.
		word := "x'OR'1'='1"
		isoWantStatus(t, srv.Do(t, "POST", "/v1/sensitiveword", app.As(), []string{word}), http.StatusNoContent, "add word")
		r := srv.Do(t, "GET", "/v1/sensitiveword?start=0&count=100", app.As(), nil)
		isoWantStatus(t, r, http.StatusOK, "list words")
		var wl struct {
			Total int `json:"total"`
			Words []struct {
				Name string `json:"name"`
			} `json:"words"`
		}
		r.JSON(t, &wl)
		if wl.Total != 1 || len(wl.Words) != 1 || wl.Words[0].Name != word {
			t.Errorf("words = %s, want just %q", r.Body, word)
		}
		for _, q := range []string{"start=0&count=1%3BDROP%20TABLE%20words", "start=0'&count=10", "start=-1&count=10", "start=0&count=2001"} {
			isoWantError(t, srv.Do(t, "GET", "/v1/sensitiveword?"+q, app.As(), nil), http.StatusBadRequest, 899003, "")
		}
		if total, _ := isoAllUsers(t, srv, app); total != 5 {
			t.Errorf("users at the end: %d, want 5", total)
		}
	})
}

func TestConcurrentWrites(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		a, bb := srv.CreateApp(t, nil), srv.CreateApp(t, nil)
		const n = 30
		type result struct {
			app    string
			kind   string
			status int
			body   []byte
			err    error
		}
		results := make(chan result, 4*n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, app := range []testutil.App{a, bb} {
			for range n {
				wg.Go(func() {
					<-start
					resp, err := srv.Send("POST", "/v1/sensitiveword", app.As(), []string{"samewrd"})
					results <- result{app.Key, "word", resp.Status, resp.Body, err}
				})
				wg.Go(func() {
					<-start
					resp, err := srv.Send("POST", "/v1/users/", app.As(), []map[string]string{{"username": "samename", "password": "secret123"}})
					results <- result{app.Key, "user", resp.Status, resp.Body, err}
				})
			}
		}
		close(start)
		wg.Wait()
		close(results)

		registered := map[string]int{}
		for r := range results {
			if r.err != nil {
				t.Errorf("%s: %v", r.kind, r.err)
				continue
			}
			if r.status >= 500 {
				t.Errorf("%s: status %d: %s", r.kind, r.status, r.body)
				continue
			}
			switch r.kind {
			case "word":
				// A duplicate add may be accepted or refused; only the
				// final list matters.
			case "user":
				if r.status != http.StatusCreated {
					t.Errorf("register: status %d: %s", r.status, r.body)
					continue
				}
				var items []struct {
					Username string `json:"username"`
					Error    *struct {
						Code int `json:"code"`
					} `json:"error"`
				}
				if err := json.Unmarshal(r.body, &items); err != nil || len(items) != 1 {
					t.Errorf("register: %s", r.body)
					continue
				}
				switch {
				case items[0].Error == nil:
					registered[r.app]++
				case items[0].Error.Code != 899001:
					t.Errorf("register: item error %d, want 899001: %s", items[0].Error.Code, r.body)
				}
			}
		}
		for _, app := range []testutil.App{a, bb} {
			if registered[app.Key] != 1 {
				t.Errorf("%d registrations of samename succeeded, want exactly 1", registered[app.Key])
			}
			if total, names := isoAllUsers(t, srv, app); total != 1 || len(names) != 1 || names[0] != "samename" {
				t.Errorf("users: total %d %v, want [samename]", total, names)
			}
			isoGetUser(t, srv, app, "samename")
			r := srv.Do(t, "GET", "/v1/sensitiveword?start=0&count=100", app.As(), nil)
			isoWantStatus(t, r, http.StatusOK, "list words")
			var wl struct {
				Total int `json:"total"`
				Words []struct {
					Name string `json:"name"`
				} `json:"words"`
			}
			r.JSON(t, &wl)
			if wl.Total != 1 || len(wl.Words) != 1 || wl.Words[0].Name != "samewrd" {
				t.Errorf("words after concurrent adds: %s, want samewrd once", r.Body)
			}
		}
	})
}
