package jmessage_test

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// 用户注册: POST /v1/users/ registers a batch; each item reports its own
// result, 899003 for a bad item and 899001 for an existing user.
func TestConformanceRegisterItems(t *testing.T) {
	t.Parallel()
	extras512 := map[string]any{"k": bytesOf(512 - len(`{"k":""}`))}
	extras513 := map[string]any{"k": bytesOf(513 - len(`{"k":""}`))}
	cases := []struct {
		name string
		item map[string]any
		code int // 0: registered
	}{
		// 字符串规范 username: starts with letter/digit; letters, digits, _ . - @; Byte(4~128).
		{"username 4 bytes", user("abcd"), 0},
		{"username 3 bytes", user("abc"), codeBadParam},
		{"username 128 bytes", user("u" + strings.Repeat("b", 127)), 0},
		{"username 129 bytes", user("v" + strings.Repeat("b", 128)), codeBadParam},
		{"username all allowed chars", user("Ab9_.-@x"), 0},
		{"username starts with digit", user("9user"), 0},
		{"username starts with underscore", user("_user"), codeBadParam},
		{"username starts with dot", user(".user"), codeBadParam},
		{"username starts with dash", user("-user"), codeBadParam},
		{"username starts with at", user("@user"), codeBadParam},
		{"username with space", user("us er"), codeBadParam},
		{"username with plus", user("user+1"), codeBadParam},
		{"username with slash", user("us/er"), codeBadParam},
		{"username missing", map[string]any{"password": testPassword}, codeBadParam},
		// password: Byte(4~128), 一个汉字占用 3 个字节.
		{"password missing", map[string]any{"username": "nopass"}, codeBadParam},
		{"password 3 bytes", user("pw3b", "password", "abc"), codeBadParam},
		{"password 4 bytes", user("pw4b", "password", "abcd"), 0},
		{"password 1 CJK char (3 bytes)", user("pwcjk1", "password", "密"), codeBadParam},
		{"password 2 CJK chars (6 bytes)", user("pwcjk2", "password", "密码"), 0},
		{"password 128 bytes", user("pw128", "password", bytesOf(128)), 0},
		{"password 129 bytes", user("pw129", "password", bytesOf(129)), codeBadParam},
		// nickname: Byte(0~64), no \n \r.
		{"nickname 64 bytes", user("nick64", "nickname", bytesOf(64)), 0},
		{"nickname 65 bytes", user("nick65", "nickname", bytesOf(65)), codeBadParam},
		{"nickname 21 CJK chars (63 bytes)", user("nickcjk21", "nickname", strings.Repeat("昵", 21)), 0},
		{"nickname 22 CJK chars (66 bytes)", user("nickcjk22", "nickname", strings.Repeat("昵", 22)), codeBadParam},
		{"nickname with newline", user("nicklf", "nickname", "a\nb"), codeBadParam},
		{"nickname with carriage return", user("nickcr", "nickname", "a\rb"), codeBadParam},
		// signature / region / address: Byte(0~250), all characters.
		{"signature 250 bytes", user("sig250", "signature", bytesOf(250)), 0},
		{"signature 251 bytes", user("sig251", "signature", bytesOf(251)), codeBadParam},
		{"signature emoji and newline", user("sigemoji", "signature", "orz 😀\nline2"), 0},
		{"region 250 bytes", user("reg250", "region", bytesOf(250)), 0},
		{"region 251 bytes", user("reg251", "region", bytesOf(251)), codeBadParam},
		{"address 250 bytes", user("addr250", "address", bytesOf(250)), 0},
		{"address 251 bytes", user("addr251", "address", bytesOf(251)), codeBadParam},
		{"address 84 CJK chars (252 bytes)", user("addrcjk", "address", strings.Repeat("深", 84)), codeBadParam},
		// gender: 0 未知, 1 男, 2 女.
		{"gender 0", user("gender0", "gender", 0), 0},
		{"gender 1", user("gender1", "gender", 1), 0},
		{"gender 2", user("gender2", "gender", 2), 0},
		{"gender 3", user("gender3", "gender", 3), codeBadParam},
		{"gender -1", user("gendern", "gender", -1), codeBadParam},
		// birthday: yyyy-MM-dd.
		{"birthday yyyy-MM-dd", user("bday", "birthday", "1990-01-24"), 0},
		{"birthday bad month", user("bdaym", "birthday", "1990-13-01"), codeBadParam},
		{"birthday other format", user("bdayf", "birthday", "24/01/1990"), codeBadParam},
		// extras: a JSON object, Byte(0~512).
		{"extras object", user("extobj", "extras", map[string]any{"key": "value"}), 0},
		{"extras 512 bytes", user("ext512", "extras", extras512), 0},
		{"extras 513 bytes", user("ext513", "extras", extras513), codeBadParam},
		{"extras string", user("extstr", "extras", "value"), codeBadParam},
		{"extras array", user("extarr", "extras", []any{1, 2}), codeBadParam},
	}
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		items := make([]map[string]any, len(cases))
		var want []string
		for i, c := range cases {
			items[i] = c.item
			if c.code == 0 {
				want = append(want, c.item["username"].(string))
			}
		}
		r := f.do(t, "POST", "/v1/users/", items)
		wantStatus(t, r, http.StatusCreated)
		var res []registerResult
		r.JSON(t, &res)
		if len(res) != len(items) {
			t.Fatalf("%d items gave %d results: %s", len(items), len(res), r.Body)
		}
		for i, c := range cases {
			got := 0
			if res[i].Error != nil {
				got = res[i].Error.Code
				if res[i].Error.Message == "" {
					t.Errorf("%s: error without message", c.name)
				}
			}
			if got != c.code {
				t.Errorf("%s: error code %d, want %d (result %+v)", c.name, got, c.code, res[i])
			}
			if n, ok := c.item["username"].(string); ok && res[i].Username != n {
				t.Errorf("%s: result username %q, want %q", c.name, res[i].Username, n)
			}
		}
		// Exactly the valid items were written, in request order.
		wantNames(t, "registered users", f.usernames(t), want...)
	})
}

// Existing users and duplicates inside one batch are 899001 (用户已存在); the
// rest of the batch still registers.
func TestConformanceRegisterDuplicates(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "dev_fang")

		r := f.do(t, "POST", "/v1/users/", []map[string]any{
			user("dev_fang"), user("newbie"), user("twice"), user("twice", "nickname", "second"),
		})
		wantStatus(t, r, http.StatusCreated)
		var res []registerResult
		r.JSON(t, &res)
		if len(res) != 4 {
			t.Fatalf("want 4 results: %s", r.Body)
		}
		codes := make([]int, len(res))
		for i, it := range res {
			if it.Error != nil {
				codes[i] = it.Error.Code
			}
		}
		if want := []int{codeUserExists, 0, 0, codeUserExists}; !reflect.DeepEqual(codes, want) {
			t.Fatalf("codes %v, want %v: %s", codes, want, r.Body)
		}
		wantNames(t, "users", f.usernames(t), "dev_fang", "newbie", "twice")
		if u := f.getUser(t, "twice"); u["nickname"] != nil {
			t.Errorf("the refused duplicate overwrote the first: %v", u)
		}

		// The seed's example response: [{"username":"dev_fang"}] and nothing else.
		r = f.do(t, "POST", "/v1/users/", []map[string]any{user("seed_example")})
		wantStatus(t, r, http.StatusCreated)
		var raw []map[string]any
		r.JSON(t, &raw)
		if !reflect.DeepEqual(raw, []map[string]any{{"username": "seed_example"}}) {
			t.Errorf("success response = %s, want [{\"username\":\"seed_example\"}]", r.Body)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q", ct)
		}
	})
}

// A request that is invalid as a whole is refused with 400/899003.
func TestConformanceRegisterBadRequests(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		body any
	}{
		{"empty array", "[]"},
		{"null", "null"},
		{"object instead of array", `{"username":"objuser","password":"password"}`},
		{"malformed", `[{"username":"objuser",`},
	}
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				wantError(t, f.do(t, "POST", "/v1/users/", c.body), http.StatusBadRequest, codeBadParam)
			})
		}
		// An array whose items are not objects: either refused whole, or
		// every item refused with 899003; nothing is registered.
		r := f.do(t, "POST", "/v1/users/", `["objuser",1]`)
		switch r.Status {
		case http.StatusBadRequest:
			wantError(t, r, http.StatusBadRequest, codeBadParam)
		case http.StatusCreated:
			var res []registerResult
			r.JSON(t, &res)
			if len(res) != 2 {
				t.Fatalf("2 items gave %d results: %s", len(res), r.Body)
			}
			for _, it := range res {
				if it.Error == nil || it.Error.Code != codeBadParam {
					t.Errorf("non-object item: %s, want error 899003", r.Body)
				}
			}
		default:
			t.Errorf("non-object items: %s, want 400 or 201 with per-item 899003", describe(r))
		}
		wantNames(t, "users", f.usernames(t))
	})
}

// 一次批量注册最多支持 500 个用户: 501 is refused whole, 500 is accepted;
// the app's batchRegister limit lowers the cap the same way.
func TestConformanceRegisterBatchLimit(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		t.Run("app limit", func(t *testing.T) {
			f := newFixture(t, b, withLimits("batchRegister", 3))
			wantError(t, f.do(t, "POST", "/v1/users/", []map[string]any{user("l001"), user("l002"), user("l003"), user("l004")}),
				http.StatusBadRequest, codeBadParam)
			wantNames(t, "users after refused batch", f.usernames(t))
			f.register(t, "l001", "l002", "l003")
			wantNames(t, "users", f.usernames(t), "l001", "l002", "l003")
		})
		t.Run("default 500", func(t *testing.T) {
			f := newFixture(t, b, nil)
			names := namesN("bulk", 501)
			items := make([]map[string]any, len(names))
			for i, n := range names {
				items[i] = user(n)
			}
			wantError(t, f.do(t, "POST", "/v1/users/", items), http.StatusBadRequest, codeBadParam)
			if n := f.userTotal(t); n != 0 {
				t.Fatalf("a refused 501-user batch wrote %d users", n)
			}
			f.registerUsers(t, items[:500]...)
			got := f.usernames(t)
			wantNames(t, "users", got, names[:500]...)
		})
	})
}

// GET /v1/users/{username}: only username, mtime and ctime are always
// present; other keys only when stored. Times are yyyy-MM-dd HH:mm:ss.
func TestConformanceGetUser(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.registerUsers(t,
			user("minimal"),
			user("javen", "nickname", "hello", "birthday", "1990-01-24", "gender", 2,
				"signature", "orz 😀", "region", "shenzhen", "address", "深圳",
				"extras", map[string]any{"key": "value", "n": 1}),
		)

		t.Run("minimal", func(t *testing.T) {
			u := f.getUser(t, "minimal")
			if u["username"] != "minimal" {
				t.Errorf("username = %v", u["username"])
			}
			ctime := checkTime(t, "ctime", u["ctime"])
			mtime := checkTime(t, "mtime", u["mtime"])
			if mtime.Before(ctime) {
				t.Errorf("mtime %v before ctime %v", mtime, ctime)
			}
			for _, k := range []string{"nickname", "avatar", "birthday", "gender", "signature", "region", "address", "extras", "password"} {
				if v, ok := u[k]; ok {
					t.Errorf("unset field %q present: %#v", k, v)
				}
			}
		})
		t.Run("full", func(t *testing.T) {
			u := f.getUser(t, "javen")
			want := map[string]any{
				"username": "javen", "nickname": "hello", "birthday": "1990-01-24 00:00:00", "gender": float64(2),
				"signature": "orz 😀", "region": "shenzhen", "address": "深圳",
				"extras": map[string]any{"key": "value", "n": float64(1)},
			}
			for k, v := range want {
				if !reflect.DeepEqual(u[k], v) {
					t.Errorf("%s = %#v, want %#v", k, u[k], v)
				}
			}
			checkTime(t, "ctime", u["ctime"])
			checkTime(t, "mtime", u["mtime"])
			if _, ok := u["password"]; ok {
				t.Errorf("the user object exposes the password")
			}
		})
		t.Run("path usernames", func(t *testing.T) {
			// Every allowed character works in a path, and "userstat" is a
			// valid username distinct from POST /v1/users/userstat.
			for _, name := range []string{"dev.fang-1@jm.cn", "userstat", "a..b", "9-_.@"} {
				f.registerUsers(t, user(name, "nickname", "n-"+name))
				if u := f.getUser(t, name); u["username"] != name || u["nickname"] != "n-"+name {
					t.Errorf("GET %s = %v", name, u)
				}
				wantStatus(t, f.do(t, "PUT", "/v1/users/"+name, map[string]any{"region": "r"}), http.StatusNoContent)
				if u := f.getUser(t, name); u["region"] != "r" {
					t.Errorf("PUT %s did not land: %v", name, u)
				}
				wantStatus(t, f.do(t, "GET", "/v1/users/"+name+"/userstat", nil), http.StatusOK)
			}
		})
		t.Run("errors", func(t *testing.T) {
			for _, name := range []string{"abc", "_bad", "bad+name", bytesOf(129)} {
				wantError(t, f.do(t, "GET", "/v1/users/"+name, nil), http.StatusBadRequest, codeBadParam)
			}
			wantError(t, f.do(t, "GET", "/v1/users/ghost", nil), http.StatusNotFound, codeUserNotFound)
		})
	})
}

// Users belong to their app: another app can neither see them nor is
// blocked from using the same username.
func TestConformanceUsersPerApp(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		g := f.otherApp(t)
		f.register(t, "shared", "only_a")
		wantError(t, g.do(t, "GET", "/v1/users/only_a", nil), http.StatusNotFound, codeUserNotFound)
		g.register(t, "shared")
		wantNames(t, "app B users", g.usernames(t), "shared")
		wantNames(t, "app A users", f.usernames(t), "shared", "only_a")
		wantStatus(t, g.do(t, "DELETE", "/v1/users/shared", nil), http.StatusNoContent)
		if !f.userExists(t, "shared") {
			t.Fatalf("deleting app B's user deleted app A's")
		}
	})
}

// PUT /v1/users/{username} → 204, partial update; bad input → 899003 and
// nothing changes.
func TestConformanceUpdateUser(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.registerUsers(t, user("javen", "nickname", "hello", "birthday", "1990-01-24", "gender", 0,
			"signature", "orz", "region", "shenzhen", "address", "shenzhen", "extras", map[string]any{"key": "value"}))
		before := f.getUser(t, "javen")
		time.Sleep(1100 * time.Millisecond) // mtime has one-second resolution

		updates := []struct {
			body  map[string]any
			field string
			want  any
		}{
			{map[string]any{"nickname": "Hello JMessage"}, "nickname", "Hello JMessage"},
			{map[string]any{"gender": 1}, "gender", float64(1)},
			{map[string]any{"birthday": "2000-02-29"}, "birthday", "2000-02-29 00:00:00"},
			{map[string]any{"signature": "新签名 😀"}, "signature", "新签名 😀"},
			{map[string]any{"region": "beijing"}, "region", "beijing"},
			{map[string]any{"address": "chaoyang"}, "address", "chaoyang"},
			{map[string]any{"extras": map[string]any{"a": "b"}}, "extras", map[string]any{"a": "b"}},
		}
		cur := before
		for _, u := range updates {
			wantStatus(t, f.do(t, "PUT", "/v1/users/javen", u.body), http.StatusNoContent)
			got := f.getUser(t, "javen")
			for k, v := range cur {
				if k == u.field || k == "mtime" {
					continue
				}
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("PUT %v changed %s from %#v to %#v", u.body, k, v, got[k])
				}
			}
			if !reflect.DeepEqual(got[u.field], u.want) {
				t.Errorf("after PUT %v: %s = %#v, want %#v", u.body, u.field, got[u.field], u.want)
			}
			cur = got
		}
		if cur["ctime"] != before["ctime"] {
			t.Errorf("ctime changed on update: %v → %v", before["ctime"], cur["ctime"])
		}
		if m0, m1 := checkTime(t, "mtime", before["mtime"]), checkTime(t, "mtime", cur["mtime"]); !m1.After(m0) {
			t.Errorf("mtime did not move on update: %v → %v", before["mtime"], cur["mtime"])
		}

		bad := []map[string]any{
			{"gender": 3},
			{"nickname": bytesOf(65)},
			{"nickname": "a\nb"},
			{"nickname": "a\rb"},
			{"signature": bytesOf(251)},
			{"region": bytesOf(251)},
			{"address": bytesOf(251)},
			{"birthday": "1990/01/24"},
			{"extras": "not an object"},
			{"extras": map[string]any{"k": bytesOf(600)}},
			// A valid field next to a bad one: nothing may be written.
			{"nickname": "half written", "gender": 9},
			{"signature": "half written", "nickname": "x\ny"},
		}
		for _, body := range bad {
			wantError(t, f.do(t, "PUT", "/v1/users/javen", body), http.StatusBadRequest, codeBadParam)
			if got := f.getUser(t, "javen"); !reflect.DeepEqual(got, cur) {
				t.Errorf("refused PUT %v changed the user:\n got %v\nwant %v", body, got, cur)
			}
		}
		wantError(t, f.do(t, "PUT", "/v1/users/ghost", map[string]any{"nickname": "x"}), http.StatusNotFound, codeUserNotFound)
		wantError(t, f.do(t, "PUT", "/v1/users/_bad", map[string]any{"nickname": "x"}), http.StatusBadRequest, codeBadParam)
	})
}

// PUT /v1/users/{username}/password → 204; new_password is required.
func TestConformancePassword(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "javen")
		for _, pw := range []string{"654321", "abcd", bytesOf(128), "密码"} {
			wantStatus(t, f.do(t, "PUT", "/v1/users/javen/password", map[string]any{"new_password": pw}), http.StatusNoContent)
		}
		for _, body := range []any{
			map[string]any{},
			map[string]any{"password": "654321"},
			map[string]any{"new_password": ""},
			map[string]any{"new_password": "abc"},
			map[string]any{"new_password": "密"},
			map[string]any{"new_password": bytesOf(129)},
			map[string]any{"new_password": 123456},
		} {
			wantError(t, f.do(t, "PUT", "/v1/users/javen/password", body), http.StatusBadRequest, codeBadParam)
		}
		wantError(t, f.do(t, "PUT", "/v1/users/ghost/password", map[string]any{"new_password": "654321"}), http.StatusNotFound, codeUserNotFound)
		wantError(t, f.do(t, "PUT", "/v1/users/_bad/password", map[string]any{"new_password": "654321"}), http.StatusBadRequest, codeBadParam)
	})
}

// userstat (v1 single + batch) and statuser (v2) for users who never
// logged in.
func TestConformanceUserStat(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "caiyh01", "rauly")

		t.Run("single", func(t *testing.T) {
			r := f.do(t, "GET", "/v1/users/caiyh01/userstat", nil)
			wantStatus(t, r, http.StatusOK)
			var got map[string]any
			r.JSON(t, &got)
			if want := map[string]any{"login": false, "online": false}; !reflect.DeepEqual(got, want) {
				t.Errorf("userstat = %s, want %v", r.Body, want)
			}
			wantError(t, f.do(t, "GET", "/v1/users/ghost/userstat", nil), http.StatusNotFound, codeUserNotFound)
			wantError(t, f.do(t, "GET", "/v1/users/_bad/userstat", nil), http.StatusBadRequest, codeBadParam)
		})
		t.Run("batch v1", func(t *testing.T) {
			r := f.do(t, "POST", "/v1/users/userstat", []string{"caiyh01", "rauly"})
			wantStatus(t, r, http.StatusOK)
			got := userArray(t, r)
			wantNames(t, "userstat users", namesOf(got), "caiyh01", "rauly")
			for _, u := range got {
				if d, ok := u["devices"].([]any); !ok || len(d) != 0 {
					t.Errorf("%v: devices = %#v, want [] (never logged in)", u["username"], u["devices"])
				}
			}
			wantError(t, f.do(t, "POST", "/v1/users/userstat", []string{"caiyh01", "ghost"}), http.StatusNotFound, codeUserNotFound)
			wantError(t, f.do(t, "POST", "/v1/users/userstat", []string{"caiyh01", "_bad"}), http.StatusBadRequest, codeBadParam)
			wantError(t, f.do(t, "POST", "/v1/users/userstat", map[string]any{"username": "caiyh01"}), http.StatusBadRequest, codeBadParam)
		})
		t.Run("batch v2", func(t *testing.T) {
			r := f.do(t, "POST", "/v2/users/statuser", []string{"ghost", "rauly"})
			wantStatus(t, r, http.StatusOK)
			got := userArray(t, r)
			wantNames(t, "statuser users", namesOf(got), "ghost", "rauly")
			ghost, rauly := byName(got, "ghost"), byName(got, "rauly")
			if ghost["statuscode"] != float64(1) || ghost["statusmsg"] != "no_exist" {
				t.Errorf("unknown user: %v, want statuscode 1 and statusmsg no_exist", ghost)
			}
			if rauly["statuscode"] != float64(0) {
				t.Errorf("known user: %v, want statuscode 0", rauly)
			}
			for _, u := range got {
				if d, ok := u["devices"].([]any); !ok || len(d) != 0 {
					t.Errorf("%v: devices = %#v, want []", u["username"], u["devices"])
				}
			}
			wantError(t, f.do(t, "POST", "/v2/users/statuser", []string{"rauly", "_bad"}), http.StatusBadRequest, codeBadParam)
		})
	})
}

// DELETE /v1/users/{username} → 204.
func TestConformanceDeleteUser(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "javen", "keeper")
		wantStatus(t, f.do(t, "POST", "/v1/users/keeper/friends", []string{"javen"}), http.StatusCreated)
		wantStatus(t, f.do(t, "PUT", "/v1/users/keeper/blacklist", []string{"javen"}), http.StatusNoContent)
		wantStatus(t, f.do(t, "DELETE", "/v1/users/javen", nil), http.StatusNoContent)
		if f.userExists(t, "javen") {
			t.Fatalf("deleted user still exists")
		}
		wantNames(t, "users", f.usernames(t), "keeper")
		// A deleted user is no longer anyone's friend or blacklist entry.
		wantNames(t, "keeper's friends", f.friendNames(t, "keeper"))
		wantNames(t, "keeper's blacklist", namesOf(f.blacklist(t, "keeper")))
		wantError(t, f.do(t, "DELETE", "/v1/users/javen", nil), http.StatusNotFound, codeUserNotFound)
		wantError(t, f.do(t, "DELETE", "/v1/users/_bad", nil), http.StatusBadRequest, codeBadParam)
		// The name is free again, as a new user with no relations.
		f.register(t, "javen")
		wantNames(t, "new javen's friends", f.friendNames(t, "javen"))
		wantNames(t, "keeper's friends", f.friendNames(t, "keeper"))
		wantNames(t, "keeper's blacklist", namesOf(f.blacklist(t, "keeper")))
	})
}

// DELETE /v1/users/ deletes a batch (最多支持同时删除 100 个用户) → 200.
func TestConformanceBatchDeleteUsers(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		t.Run("success", func(t *testing.T) {
			f := newFixture(t, b, nil)
			f.register(t, "user1", "user2", "user3")
			wantStatus(t, f.do(t, "DELETE", "/v1/users/", []string{"user1", "user2", "ghost"}), http.StatusOK)
			wantNames(t, "users", f.usernames(t), "user3")
			wantError(t, f.do(t, "DELETE", "/v1/users/", map[string]any{"username": "user3"}), http.StatusBadRequest, codeBadParam)
			wantNames(t, "users", f.usernames(t), "user3")
		})
		t.Run("default limit 100", func(t *testing.T) {
			f := newFixture(t, b, nil)
			f.register(t, "user1", "user2")
			names := append([]string{"user1", "user2"}, namesN("ghost", 99)...)
			wantError(t, f.do(t, "DELETE", "/v1/users/", names), http.StatusBadRequest, codeBadParam)
			wantNames(t, "users after refused delete", f.usernames(t), "user1", "user2")
			wantStatus(t, f.do(t, "DELETE", "/v1/users/", names[:100]), http.StatusOK)
			wantNames(t, "users", f.usernames(t))
		})
		t.Run("app limit", func(t *testing.T) {
			f := newFixture(t, b, withLimits("batchDelete", 2))
			f.register(t, "user1", "user2", "user3")
			wantError(t, f.do(t, "DELETE", "/v1/users/", []string{"user1", "user2", "user3"}), http.StatusBadRequest, codeBadParam)
			wantNames(t, "users after refused delete", f.usernames(t), "user1", "user2", "user3")
			wantStatus(t, f.do(t, "DELETE", "/v1/users/", []string{"user1", "user2"}), http.StatusOK)
			wantNames(t, "users", f.usernames(t), "user3")
		})
	})
}

// GET /v1/users/?start=&count= pages through users in registration order.
func TestConformanceListUsers(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.registerUsers(t, user("zeta", "nickname", "hello"), user("alpha"), user("midway"))
		f.register(t, "beta", "yak_")
		order := []string{"zeta", "alpha", "midway", "beta", "yak_"}

		pages := []struct {
			start, count int
			want         []string
		}{
			{0, 2, order[:2]},
			{2, 2, order[2:4]},
			{4, 10, order[4:]},
			{0, 500, order},
			{5, 10, nil},
			{100, 1, nil},
		}
		for _, p := range pages {
			r := f.do(t, "GET", fmt.Sprintf("/v1/users/?start=%d&count=%d", p.start, p.count), nil)
			wantStatus(t, r, http.StatusOK)
			var raw map[string]any
			r.JSON(t, &raw)
			if _, ok := raw["users"].([]any); !ok {
				t.Errorf("start=%d count=%d: users = %#v, want an array", p.start, p.count, raw["users"])
			}
			var l userList
			r.JSON(t, &l)
			if l.Total != len(order) || l.Start != p.start || l.Count != len(p.want) {
				t.Errorf("start=%d count=%d: total/start/count = %d/%d/%d, want %d/%d/%d",
					p.start, p.count, l.Total, l.Start, l.Count, len(order), p.start, len(p.want))
			}
			got := make([]string, 0, len(l.Users))
			for _, u := range l.Users {
				got = append(got, str(u["username"]))
				checkTime(t, "ctime", u["ctime"])
				checkTime(t, "mtime", u["mtime"])
				if _, ok := u["password"]; ok {
					t.Errorf("listed user exposes the password")
				}
			}
			wantNames(t, fmt.Sprintf("page start=%d count=%d", p.start, p.count), got, p.want...)
		}
		r := f.do(t, "GET", "/v1/users/?start=0&count=1", nil)
		var l userList
		r.JSON(t, &l)
		if len(l.Users) != 1 || l.Users[0]["nickname"] != "hello" {
			t.Errorf("listed user objects carry the profile: %s", r.Body)
		}

		for _, q := range []string{"", "?start=0", "?start=0&count=0", "?start=0&count=501", "?start=0&count=-1", "?start=0&count=abc", "?start=abc&count=10"} {
			wantError(t, f.do(t, "GET", "/v1/users/"+q, nil), http.StatusBadRequest, codeBadParam)
		}
	})
}
