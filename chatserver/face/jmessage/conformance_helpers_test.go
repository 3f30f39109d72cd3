package jmessage_test

// Shared helpers for the black-box JMessage admin API conformance tests.
// The tests are written from the JMessage IM REST API document (seed 003),
// not from the implementation.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// JMessage error codes used by the seed document.
const (
	codeUserExists    = 899001 // 用户已存在
	codeUserNotFound  = 899002 // 用户不存在
	codeBadParam      = 899003 // 参数错误
	codeAuthFailed    = 899008 // Basic authentication failed
	codeAppDisabled   = 899009
	codeGroupNotFound = 899051 // 群组不存在
	codeShieldOn      = 899052 // 设置的群组屏蔽已经打开
	codeShieldOff     = 899053 // 设置的群组屏蔽已经关闭
	codeAlreadyFriend = 899070 // 已经添加了好友
)

const testPassword = "password"

// jmTime is the seed's "yyyy-MM-dd HH:mm:ss".
var jmTimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`)

// fixture is one app on one freshly started server.
type fixture struct {
	srv *testutil.Server
	app testutil.App
}

func newFixture(t *testing.T, b testutil.Backend, appBody map[string]any) *fixture {
	t.Helper()
	srv := testutil.StartServer(t, b)
	return &fixture{srv: srv, app: srv.CreateApp(t, appBody)}
}

// withLimits is a CreateApp body setting per-app limits.
func withLimits(kv ...any) map[string]any {
	limits := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		limits[kv[i].(string)] = kv[i+1]
	}
	return map[string]any{"limits": limits}
}

// otherApp is a second tenant on the same server.
func (f *fixture) otherApp(t *testing.T) *fixture {
	t.Helper()
	return &fixture{srv: f.srv, app: f.srv.CreateApp(t, nil)}
}

func (f *fixture) do(t *testing.T, method, path string, body any) testutil.Response {
	t.Helper()
	return f.srv.Do(t, method, path, f.app.As(), body)
}

func describe(r testutil.Response) string {
	b := r.Body
	if len(b) > 600 {
		b = append(b[:600:600], "..."...)
	}
	return fmt.Sprintf("status %d, body %s", r.Status, b)
}

func wantStatus(t *testing.T, r testutil.Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("want status %d, got %s", status, describe(r))
	}
}

// wantError checks the seed's error envelope:
// {"error":{"code":N,"message":"..."}} with the given HTTP status.
func wantError(t *testing.T, r testutil.Response, status, code int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("want status %d with error %d, got %s", status, code, describe(r))
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error response Content-Type = %q, want application/json", ct)
	}
	var e struct {
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	r.JSON(t, &e)
	if e.Error == nil {
		t.Fatalf("no error object in %s", describe(r))
	}
	if e.Error.Code != code {
		t.Fatalf("want error code %d, got %s", code, describe(r))
	}
	if e.Error.Message == "" {
		t.Errorf("error %d has an empty message", code)
	}
}

// user builds a registration item.
func user(name string, kv ...any) map[string]any {
	u := map[string]any{"username": name, "password": testPassword}
	for i := 0; i+1 < len(kv); i += 2 {
		u[kv[i].(string)] = kv[i+1]
	}
	return u
}

// registerResult is one item of the POST /v1/users/ response.
type registerResult struct {
	Username string `json:"username"`
	Error    *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// registerUsers registers users and requires every item to succeed.
func (f *fixture) registerUsers(t *testing.T, users ...map[string]any) {
	t.Helper()
	items := make([]map[string]any, len(users))
	copy(items, users)
	r := f.do(t, "POST", "/v1/users/", items)
	wantStatus(t, r, http.StatusCreated)
	var res []registerResult
	r.JSON(t, &res)
	if len(res) != len(users) {
		t.Fatalf("registering %d users returned %d results: %s", len(users), len(res), r.Body)
	}
	for i, it := range res {
		if it.Error != nil {
			t.Fatalf("registering %v: item %d failed: %s", users[i]["username"], i, r.Body)
		}
	}
}

// register registers plain users (username + password only).
func (f *fixture) register(t *testing.T, names ...string) {
	t.Helper()
	users := make([]map[string]any, len(names))
	for i, n := range names {
		users[i] = user(n)
	}
	f.registerUsers(t, users...)
}

// getUser fetches GET /v1/users/{name}, which must succeed.
func (f *fixture) getUser(t *testing.T, name string) map[string]any {
	t.Helper()
	r := f.do(t, "GET", "/v1/users/"+url.PathEscape(name), nil)
	wantStatus(t, r, http.StatusOK)
	var u map[string]any
	r.JSON(t, &u)
	return u
}

// userList is the GET /v1/users/ response.
type userList struct {
	Total int              `json:"total"`
	Start int              `json:"start"`
	Count int              `json:"count"`
	Users []map[string]any `json:"users"`
}

// usernames lists every username of the app, in list order.
func (f *fixture) usernames(t *testing.T) []string {
	t.Helper()
	var out []string
	for start := 0; ; start += 500 {
		r := f.do(t, "GET", fmt.Sprintf("/v1/users/?start=%d&count=500", start), nil)
		wantStatus(t, r, http.StatusOK)
		var l userList
		r.JSON(t, &l)
		for _, u := range l.Users {
			out = append(out, str(u["username"]))
		}
		if len(l.Users) == 0 || start+len(l.Users) >= l.Total {
			if len(out) != l.Total {
				t.Fatalf("listed %d users but total is %d", len(out), l.Total)
			}
			return out
		}
	}
}

// userTotal is the "total" of GET /v1/users/.
func (f *fixture) userTotal(t *testing.T) int {
	t.Helper()
	r := f.do(t, "GET", "/v1/users/?start=0&count=1", nil)
	wantStatus(t, r, http.StatusOK)
	var l userList
	r.JSON(t, &l)
	return l.Total
}

// userExists reports whether GET /v1/users/{name} finds the user.
func (f *fixture) userExists(t *testing.T, name string) bool {
	t.Helper()
	r := f.do(t, "GET", "/v1/users/"+url.PathEscape(name), nil)
	switch r.Status {
	case http.StatusOK:
		return true
	case http.StatusNotFound:
		wantError(t, r, http.StatusNotFound, codeUserNotFound)
		return false
	}
	t.Fatalf("GET user %s: %s", name, describe(r))
	return false
}

// userArray decodes a JSON array of user objects (blacklist, friends).
func userArray(t *testing.T, r testutil.Response) []map[string]any {
	t.Helper()
	if strings.TrimSpace(string(r.Body)) == "null" {
		t.Fatalf("want a JSON array, got null")
	}
	var out []map[string]any
	r.JSON(t, &out)
	return out
}

// namesOf returns the sorted usernames of user objects.
func namesOf(users []map[string]any) []string {
	out := make([]string, 0, len(users))
	for _, u := range users {
		out = append(out, str(u["username"]))
	}
	slices.Sort(out)
	return out
}

func byName(users []map[string]any, name string) map[string]any {
	for _, u := range users {
		if u["username"] == name {
			return u
		}
	}
	return nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func sorted(s ...string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func wantNames(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if got == nil {
		got = []string{}
	}
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s = %q, want %q", what, got, want)
	}
}

// checkTime checks a "yyyy-MM-dd HH:mm:ss" UTC timestamp near now.
func checkTime(t *testing.T, field string, v any) time.Time {
	t.Helper()
	s, ok := v.(string)
	if !ok || !jmTimeRE.MatchString(s) {
		t.Fatalf("%s = %#v, want \"yyyy-MM-dd HH:mm:ss\"", field, v)
	}
	tm, err := time.Parse(time.DateTime, s)
	if err != nil {
		t.Fatalf("%s = %q: %v", field, s, err)
	}
	if d := time.Since(tm); d < -2*time.Minute || d > 10*time.Minute {
		t.Fatalf("%s = %q is not a recent UTC time (now %s UTC)", field, s, time.Now().UTC().Format(time.DateTime))
	}
	return tm
}

// newGroup inserts a group owned by the registered user owner straight
// into the store (the group endpoints come later) and returns its gid.
func (f *fixture) newGroup(t *testing.T, owner string) int64 {
	t.Helper()
	ctx := context.Background()
	a, err := f.srv.Svc.GetApp(ctx, f.app.Key)
	if err != nil {
		t.Fatalf("GetApp: %v", err)
	}
	u, err := f.srv.Store.Read().UserByName(ctx, a.ID, owner)
	if err != nil {
		t.Fatalf("UserByName(%s): %v", owner, err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	gid, err := f.srv.Store.Read().InsertGroup(ctx, model.Group{AppID: a.ID, OwnerID: u.ID, Name: "g", Flag: 1, MaxMembers: 500, Created: now, Modified: now})
	if err != nil {
		t.Fatalf("InsertGroup: %v", err)
	}
	return gid
}

// bytesOf is n ASCII bytes.
func bytesOf(n int) string { return strings.Repeat("x", n) }

// namesN returns n distinct valid usernames with a prefix.
func namesN(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%04d", prefix, i)
	}
	return out
}
