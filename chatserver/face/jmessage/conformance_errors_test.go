package jmessage_test

import (
	"encoding/base64"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// bodyKind is the JSON shape an endpoint takes.
type bodyKind int

const (
	arrayBody   bodyKind = iota // ["..."]
	objectBody                  // {"...": ...}
	objectsBody                 // [{...}]
)

// bodyEndpoints lists every admin endpoint covered here that reads a JSON
// body. "owner" exists when they are called.
var bodyEndpoints = []struct {
	method, path string
	kind         bodyKind
}{
	{"POST", "/v1/users/", objectsBody},
	{"PUT", "/v1/users/owner", objectBody},
	{"POST", "/v1/users/userstat", arrayBody},
	{"POST", "/v2/users/statuser", arrayBody},
	{"PUT", "/v1/users/owner/password", objectBody},
	{"DELETE", "/v1/users/", arrayBody},
	{"PUT", "/v1/users/owner/blacklist", arrayBody},
	{"DELETE", "/v1/users/owner/blacklist", arrayBody},
	{"POST", "/v1/users/owner/nodisturb", objectBody},
	{"POST", "/v1/users/owner/friends", arrayBody},
	{"DELETE", "/v1/users/owner/friends", arrayBody},
	{"PUT", "/v1/users/owner/friends", objectsBody},
	{"POST", "/v1/sensitiveword", arrayBody},
	{"PUT", "/v1/sensitiveword", objectBody},
	{"DELETE", "/v1/sensitiveword", objectBody},
	{"PUT", "/v1/sdkregister/status", objectBody},
}

// allEndpoints lists every covered admin endpoint, with a body that would
// be acceptable.
var allEndpoints = []struct {
	method, path string
	body         any
}{
	{"POST", "/v1/users/", []map[string]any{user("newuser")}},
	{"GET", "/v1/users/?start=0&count=10", nil},
	{"DELETE", "/v1/users/", []string{"peer"}},
	{"GET", "/v1/users/owner", nil},
	{"PUT", "/v1/users/owner", map[string]any{"nickname": "n"}},
	{"DELETE", "/v1/users/owner", nil},
	{"GET", "/v1/users/owner/userstat", nil},
	{"POST", "/v1/users/userstat", []string{"owner"}},
	{"POST", "/v2/users/statuser", []string{"owner"}},
	{"PUT", "/v1/users/owner/password", map[string]any{"new_password": "654321"}},
	{"PUT", "/v1/users/owner/blacklist", []string{"peer"}},
	{"DELETE", "/v1/users/owner/blacklist", []string{"peer"}},
	{"GET", "/v1/users/owner/blacklist", nil},
	{"POST", "/v1/users/owner/nodisturb", map[string]any{"global": 1}},
	{"PUT", "/v1/users/owner/forbidden?disable=true", nil},
	{"POST", "/v1/users/owner/friends", []string{"peer"}},
	{"DELETE", "/v1/users/owner/friends", []string{"peer"}},
	{"PUT", "/v1/users/owner/friends", []map[string]any{{"username": "peer", "note_name": "n"}}},
	{"GET", "/v1/users/owner/friends", nil},
	{"POST", "/v1/sensitiveword", []string{"word"}},
	{"PUT", "/v1/sensitiveword", map[string]any{"old_word": "word", "new_word": "neword"}},
	{"DELETE", "/v1/sensitiveword", map[string]any{"word": "word"}},
	{"GET", "/v1/sensitiveword?start=0&count=10", nil},
	{"PUT", "/v1/sensitiveword/status?status=0", nil},
	{"GET", "/v1/sensitiveword/status", nil},
	{"PUT", "/v1/sdkregister/status?status=0", nil},
	{"GET", "/v1/sdkregister/status", nil},
}

// checkUntouched verifies that the owner/peer fixture is as set up: no
// write of a refused request may have landed.
func (f *fixture) checkUntouched(t *testing.T) {
	t.Helper()
	wantNames(t, "users", f.usernames(t), "owner", "peer")
	u := f.getUser(t, "owner")
	for _, k := range []string{"nickname", "gender", "extras"} {
		if v, ok := u[k]; ok {
			t.Errorf("owner gained %s = %v", k, v)
		}
	}
	wantNames(t, "owner's friends", f.friendNames(t, "owner"))
	wantNames(t, "owner's blacklist", namesOf(f.blacklist(t, "owner")))
	wantNames(t, "sensitive words", f.words(t))
	if s := f.sdkRegisterStatus(t); s != 1 {
		t.Errorf("sdkregister status changed to %d", s)
	}
}

// HTTP 验证 failures: 401 with the seed's exact error body, and nothing
// written.
func TestConformanceAuthFailure(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "owner", "peer")
		other := f.otherApp(t)
		rawAuth := func(v string) testutil.Auth {
			return func(r *http.Request) { r.Header.Set("Authorization", v) }
		}
		auths := []struct {
			name string
			auth testutil.Auth
		}{
			{"no header", nil},
			{"wrong secret", testutil.Basic(f.app.Key, other.app.Secret)},
			{"unknown appkey", testutil.Basic(testutil.NewKey(), f.app.Secret)},
			{"other app's key", testutil.Basic(other.app.Key, f.app.Secret)},
			{"empty secret", testutil.Basic(f.app.Key, "")},
			{"empty credentials", testutil.Basic("", "")},
			{"not base64", rawAuth("Basic !!!not-base64!!!")},
			{"no colon", rawAuth("Basic " + base64.StdEncoding.EncodeToString([]byte(f.app.Key+f.app.Secret)))},
			{"platform bearer token", testutil.Bearer(f.srv.Token)},
		}
		want := map[string]any{"error": map[string]any{"code": float64(codeAuthFailed), "message": "Basic authentication failed"}}
		for _, a := range auths {
			t.Run(a.name, func(t *testing.T) {
				for _, e := range allEndpoints {
					r := f.srv.Do(t, e.method, e.path, a.auth, e.body)
					if r.Status != http.StatusUnauthorized {
						t.Errorf("%s %s: %s, want 401", e.method, e.path, describe(r))
						continue
					}
					var got map[string]any
					r.JSON(t, &got)
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s %s: body %s, want %v", e.method, e.path, r.Body, want)
					}
				}
			})
		}
		f.checkUntouched(t)
	})
}

// app_key: 字母或者数字,不区分大小写 — the appkey is case-insensitive.
func TestConformanceAppKeyCaseInsensitive(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "owner")
		upper := testutil.Basic(strings.ToUpper(f.app.Key), f.app.Secret)
		wantStatus(t, f.srv.Do(t, "GET", "/v1/users/owner", upper, nil), http.StatusOK)
	})
}

// A disabled app is refused with 403/899009.
func TestConformanceDisabledApp(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		f := &fixture{srv: srv, app: srv.CreateApp(t, map[string]any{"disabled": true})}
		for _, e := range allEndpoints {
			wantError(t, f.do(t, e.method, e.path, e.body), http.StatusForbidden, codeAppDisabled)
		}
	})
}

// Malformed JSON on every body-taking endpoint → 400/899003, nothing written.
func TestConformanceMalformedJSON(t *testing.T) {
	t.Parallel()
	bodies := map[string]string{
		"truncated object": `{"broken":`,
		"truncated array":  `["owner",`,
		"not json":         `not json`,
		"empty":            ``,
		"trailing garbage": `[] []`,
		// A stray closer ends no value at the top level; a decoder that
		// only asks whether more elements follow misses it.
		"stray closer": `{}]`,
	}
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "owner", "peer")
		for _, e := range bodyEndpoints {
			t.Run(e.method+" "+e.path, func(t *testing.T) {
				for name, body := range bodies {
					r := f.do(t, e.method, e.path, body)
					if r.Status != http.StatusBadRequest {
						t.Errorf("%s: %s, want 400/899003", name, describe(r))
						continue
					}
					wantError(t, r, http.StatusBadRequest, codeBadParam)
				}
				// Valid JSON of the wrong shape is as bad.
				wrong := `{"a":"b"}`
				if e.kind == objectBody {
					wrong = `["a","b"]`
				}
				wantError(t, f.do(t, e.method, e.path, `"a string"`), http.StatusBadRequest, codeBadParam)
				wantError(t, f.do(t, e.method, e.path, wrong), http.StatusBadRequest, codeBadParam)
			})
		}
		f.checkUntouched(t)
	})
}

// A body over 4 MiB → 413 with 899003, nothing written.
func TestConformanceOversizedBody(t *testing.T) {
	t.Parallel()
	pad := strings.Repeat("a", 5<<20)
	big := map[bodyKind]string{
		arrayBody:   `["` + pad + `"]`,
		objectBody:  `{"pad":"` + pad + `"}`,
		objectsBody: `[{"username":"bigone","password":"password","pad":"` + pad + `"}]`,
	}
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "owner", "peer")
		for _, e := range bodyEndpoints {
			t.Run(e.method+" "+e.path, func(t *testing.T) {
				wantError(t, f.do(t, e.method, e.path, big[e.kind]), http.StatusRequestEntityTooLarge, codeBadParam)
			})
		}
		f.checkUntouched(t)
	})
}
