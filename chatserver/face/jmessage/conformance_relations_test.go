package jmessage_test

import (
	"net/http"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

func (f *fixture) blacklist(t *testing.T, owner string) []map[string]any {
	t.Helper()
	r := f.do(t, "GET", "/v1/users/"+owner+"/blacklist", nil)
	wantStatus(t, r, http.StatusOK)
	return userArray(t, r)
}

// 添加黑名单 / 移除黑名单 / 黑名单列表.
func TestConformanceBlacklist(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.registerUsers(t, user("owner"), user("test1", "nickname", "hello", "gender", 1), user("test2"), user("test3"))

		wantNames(t, "empty blacklist", namesOf(f.blacklist(t, "owner")))
		wantStatus(t, f.do(t, "PUT", "/v1/users/owner/blacklist", []string{"test1", "test2"}), http.StatusNoContent)
		list := f.blacklist(t, "owner")
		wantNames(t, "blacklist", namesOf(list), "test1", "test2")
		t1 := byName(list, "test1")
		if t1["nickname"] != "hello" || t1["gender"] != float64(1) || t1["appkey"] != f.app.Key {
			t.Errorf("blacklist entry = %v, want the user object with nickname, gender and appkey %q", t1, f.app.Key)
		}
		checkTime(t, "ctime", t1["ctime"])
		checkTime(t, "mtime", t1["mtime"])
		if _, ok := t1["password"]; ok {
			t.Errorf("blacklist entry exposes the password")
		}
		// The blacklist is one-sided.
		wantNames(t, "test1's blacklist", namesOf(f.blacklist(t, "test1")))

		wantStatus(t, f.do(t, "DELETE", "/v1/users/owner/blacklist", []string{"test1"}), http.StatusNoContent)
		wantNames(t, "blacklist after remove", namesOf(f.blacklist(t, "owner")), "test2")

		// An unknown target refuses the whole request.
		wantError(t, f.do(t, "PUT", "/v1/users/owner/blacklist", []string{"test3", "ghost"}), http.StatusNotFound, codeUserNotFound)
		wantNames(t, "blacklist after refused add", namesOf(f.blacklist(t, "owner")), "test2")
		wantError(t, f.do(t, "DELETE", "/v1/users/owner/blacklist", []string{"test2", "ghost"}), http.StatusNotFound, codeUserNotFound)
		wantNames(t, "blacklist after refused remove", namesOf(f.blacklist(t, "owner")), "test2")

		// Bad bodies and owners.
		for _, m := range []string{"PUT", "DELETE"} {
			wantError(t, f.do(t, m, "/v1/users/owner/blacklist", map[string]any{"usernames": []string{"test3"}}), http.StatusBadRequest, codeBadParam)
			wantError(t, f.do(t, m, "/v1/users/owner/blacklist", []string{"test3", "_bad"}), http.StatusBadRequest, codeBadParam)
			wantError(t, f.do(t, m, "/v1/users/ghost/blacklist", []string{"test3"}), http.StatusNotFound, codeUserNotFound)
			wantError(t, f.do(t, m, "/v1/users/_bad/blacklist", []string{"test3"}), http.StatusBadRequest, codeBadParam)
		}
		wantNames(t, "blacklist", namesOf(f.blacklist(t, "owner")), "test2")
		wantError(t, f.do(t, "GET", "/v1/users/ghost/blacklist", nil), http.StatusNotFound, codeUserNotFound)
		wantError(t, f.do(t, "GET", "/v1/users/_bad/blacklist", nil), http.StatusBadRequest, codeBadParam)

		// Users of another app are unknown here.
		g := f.otherApp(t)
		g.register(t, "foreign")
		wantError(t, f.do(t, "PUT", "/v1/users/owner/blacklist", []string{"foreign"}), http.StatusNotFound, codeUserNotFound)
	})
}

// 免打扰设置: POST /v1/users/{username}/nodisturb. The group part is
// observable through 899052/899053; every request is all or nothing.
func TestConformanceNoDisturb(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "owner", "username1", "username2")
		g1, g2, g3 := f.newGroup(t, "owner"), f.newGroup(t, "owner"), f.newGroup(t, "username1")
		other := f.otherApp(t)
		other.register(t, "owner")
		foreignGid := other.newGroup(t, "owner")
		path := "/v1/users/owner/nodisturb"
		ok := func(body any) {
			t.Helper()
			wantStatus(t, f.do(t, "POST", path, body), http.StatusNoContent)
		}
		fail := func(body any, status, code int) {
			t.Helper()
			wantError(t, f.do(t, "POST", path, body), status, code)
		}
		groups := func(op string, gids ...int64) map[string]any {
			return map[string]any{"group": map[string]any{op: gids}}
		}

		// The seed's example request shape.
		ok(map[string]any{
			"single": map[string]any{"add": []string{"username1", "username2"}},
			"group":  map[string]any{"add": []int64{g1}},
			"global": 0,
		})
		ok(map[string]any{"single": map[string]any{"remove": []string{"username2"}}})
		ok(map[string]any{"global": 1})
		ok(map[string]any{"global": 0})

		// Group shield: already on → 899052; already off → 899053.
		fail(groups("add", g1), http.StatusForbidden, codeShieldOn)
		ok(groups("remove", g1))
		fail(groups("remove", g1), http.StatusForbidden, codeShieldOff)
		ok(map[string]any{"group": map[string]any{"add": []int64{g1}, "remove": []int64{}}})

		// Unknown groups, including another app's: 899051.
		fail(groups("add", 987654321), http.StatusNotFound, codeGroupNotFound)
		fail(groups("add", foreignGid), http.StatusNotFound, codeGroupNotFound)
		fail(groups("remove", foreignGid), http.StatusNotFound, codeGroupNotFound)

		// Atomic: a failing part leaves the other parts unwritten (g2 stays off).
		atomic := []struct {
			name         string
			body         map[string]any
			status, code int
		}{
			{"unknown single user", map[string]any{"group": map[string]any{"add": []int64{g2}}, "single": map[string]any{"add": []string{"ghost"}}}, http.StatusNotFound, codeUserNotFound},
			{"invalid single user", map[string]any{"group": map[string]any{"add": []int64{g2}}, "single": map[string]any{"add": []string{"_bad"}}}, http.StatusBadRequest, codeBadParam},
			{"group already on", map[string]any{"group": map[string]any{"add": []int64{g2, g1}}}, http.StatusForbidden, codeShieldOn},
			{"group not on", map[string]any{"group": map[string]any{"add": []int64{g2}, "remove": []int64{g3}}}, http.StatusForbidden, codeShieldOff},
			{"unknown group", map[string]any{"group": map[string]any{"add": []int64{g2, 987654321}}}, http.StatusNotFound, codeGroupNotFound},
			{"bad global", map[string]any{"group": map[string]any{"add": []int64{g2}}, "global": 2}, http.StatusBadRequest, codeBadParam},
			{"global not a number", map[string]any{"group": map[string]any{"add": []int64{g2}}, "global": "1"}, http.StatusBadRequest, codeBadParam},
		}
		for _, c := range atomic {
			t.Run(c.name, func(t *testing.T) {
				wantError(t, f.do(t, "POST", path, c.body), c.status, c.code)
			})
		}
		// g2 was never switched on, g1 still is.
		ok(groups("add", g2))
		fail(groups("add", g1), http.StatusForbidden, codeShieldOn)
		// g3 was never switched on either.
		fail(groups("remove", g3), http.StatusForbidden, codeShieldOff)
		// A failing remove of g2 next to a bad global leaves g2 on.
		fail(map[string]any{"group": map[string]any{"remove": []int64{g2}}, "global": -1}, http.StatusBadRequest, codeBadParam)
		fail(groups("add", g2), http.StatusForbidden, codeShieldOn)

		single := map[string]any{"single": map[string]any{"add": []string{"username1"}}}
		wantError(t, f.do(t, "POST", "/v1/users/ghost/nodisturb", single), http.StatusNotFound, codeUserNotFound)
		wantError(t, f.do(t, "POST", "/v1/users/_bad/nodisturb", single), http.StatusBadRequest, codeBadParam)
		fail(map[string]any{"single": map[string]any{"remove": []string{"ghost"}}}, http.StatusNotFound, codeUserNotFound)
		fail([]string{"username1"}, http.StatusBadRequest, codeBadParam)
	})
}

// 禁用用户: PUT /v1/users/{username}/forbidden?disable={true|false}.
func TestConformanceForbidden(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "javen")
		for _, v := range []string{"true", "false", "True", "False", "1", "0"} {
			wantStatus(t, f.do(t, "PUT", "/v1/users/javen/forbidden?disable="+v, nil), http.StatusNoContent)
		}
		for _, q := range []string{"", "?disable=", "?disable=yes", "?disable=2", "?disable=TRUE1"} {
			wantError(t, f.do(t, "PUT", "/v1/users/javen/forbidden"+q, nil), http.StatusBadRequest, codeBadParam)
		}
		wantError(t, f.do(t, "PUT", "/v1/users/ghost/forbidden?disable=true", nil), http.StatusNotFound, codeUserNotFound)
		wantError(t, f.do(t, "PUT", "/v1/users/_bad/forbidden?disable=true", nil), http.StatusBadRequest, codeBadParam)
		// Disabling keeps the user (it can be read and re-enabled).
		wantStatus(t, f.do(t, "PUT", "/v1/users/javen/forbidden?disable=true", nil), http.StatusNoContent)
		f.getUser(t, "javen")
		wantStatus(t, f.do(t, "PUT", "/v1/users/javen/forbidden?disable=false", nil), http.StatusNoContent)
	})
}
