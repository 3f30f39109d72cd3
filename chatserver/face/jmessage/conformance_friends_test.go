package jmessage_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

func (f *fixture) friends(t *testing.T, owner string) []map[string]any {
	t.Helper()
	r := f.do(t, "GET", "/v1/users/"+owner+"/friends", nil)
	wantStatus(t, r, http.StatusOK)
	return userArray(t, r)
}

func (f *fixture) friendNames(t *testing.T, owner string) []string {
	t.Helper()
	return namesOf(f.friends(t, owner))
}

// 添加好友 / 获取好友列表: POST → 201, friendship is mutual, 899070 when
// already friends, and a failing request adds nobody.
func TestConformanceAddFriends(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.registerUsers(t, user("owner"), user("user01", "nickname", "hello", "region", "shenzhen"), user("user02"), user("user03"), user("user04"))

		wantNames(t, "no friends", f.friendNames(t, "owner"))
		wantStatus(t, f.do(t, "POST", "/v1/users/owner/friends", []string{"user01", "user02"}), http.StatusCreated)
		list := f.friends(t, "owner")
		wantNames(t, "owner's friends", namesOf(list), "user01", "user02")
		wantNames(t, "user01's friends", f.friendNames(t, "user01"), "owner")
		wantNames(t, "user02's friends", f.friendNames(t, "user02"), "owner")
		wantNames(t, "user03's friends", f.friendNames(t, "user03"))
		u1 := byName(list, "user01")
		if u1["nickname"] != "hello" || u1["region"] != "shenzhen" || u1["appkey"] != f.app.Key {
			t.Errorf("friend entry = %v, want the user object with appkey %q", u1, f.app.Key)
		}
		checkTime(t, "ctime", u1["ctime"])
		checkTime(t, "mtime", u1["mtime"])
		if _, ok := u1["password"]; ok {
			t.Errorf("friend entry exposes the password")
		}

		// Already friends, either way round: 899070, and nothing else added.
		path := "/v1/users/owner/friends"
		wantError(t, f.do(t, "POST", path, []string{"user01"}), http.StatusForbidden, codeAlreadyFriend)
		wantError(t, f.do(t, "POST", "/v1/users/user02/friends", []string{"owner"}), http.StatusForbidden, codeAlreadyFriend)
		wantError(t, f.do(t, "POST", path, []string{"user03", "user01"}), http.StatusForbidden, codeAlreadyFriend)
		// Unknown or invalid names: nothing added.
		wantError(t, f.do(t, "POST", path, []string{"user03", "ghost"}), http.StatusNotFound, codeUserNotFound)
		wantError(t, f.do(t, "POST", path, []string{"user03", "_bad"}), http.StatusBadRequest, codeBadParam)
		wantError(t, f.do(t, "POST", path, map[string]any{"users": []string{"user03"}}), http.StatusBadRequest, codeBadParam)
		// 最大限制 500 个.
		wantError(t, f.do(t, "POST", path, append([]string{"user03"}, namesN("many", 500)...)), http.StatusBadRequest, codeBadParam)
		wantNames(t, "owner's friends after refused adds", f.friendNames(t, "owner"), "user01", "user02")
		wantNames(t, "user03's friends after refused adds", f.friendNames(t, "user03"))

		wantError(t, f.do(t, "POST", "/v1/users/ghost/friends", []string{"user03"}), http.StatusNotFound, codeUserNotFound)
		wantError(t, f.do(t, "POST", "/v1/users/_bad/friends", []string{"user03"}), http.StatusBadRequest, codeBadParam)
		wantError(t, f.do(t, "GET", "/v1/users/ghost/friends", nil), http.StatusNotFound, codeUserNotFound)
		wantError(t, f.do(t, "GET", "/v1/users/_bad/friends", nil), http.StatusBadRequest, codeBadParam)

		// Another app's users are unknown here.
		g := f.otherApp(t)
		g.register(t, "foreign")
		wantError(t, f.do(t, "POST", path, []string{"foreign"}), http.StatusNotFound, codeUserNotFound)
		wantNames(t, "owner's friends", f.friendNames(t, "owner"), "user01", "user02")
	})
}

// The app's friendsPerCall limit lowers the 500 cap.
func TestConformanceFriendsPerCallLimit(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, withLimits("friendsPerCall", 2))
		f.register(t, "owner", "user01", "user02", "user03")
		wantError(t, f.do(t, "POST", "/v1/users/owner/friends", []string{"user01", "user02", "user03"}), http.StatusBadRequest, codeBadParam)
		wantNames(t, "friends after refused add", f.friendNames(t, "owner"))
		wantStatus(t, f.do(t, "POST", "/v1/users/owner/friends", []string{"user01", "user02"}), http.StatusCreated)
		wantNames(t, "friends", f.friendNames(t, "owner"), "user01", "user02")
	})
}

// 删除好友: DELETE → 204 ends the friendship for both.
func TestConformanceDeleteFriends(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "owner", "user01", "user02", "user03")
		wantStatus(t, f.do(t, "POST", "/v1/users/owner/friends", []string{"user01", "user02", "user03"}), http.StatusCreated)

		path := "/v1/users/owner/friends"
		wantStatus(t, f.do(t, "DELETE", path, []string{"user01"}), http.StatusNoContent)
		wantNames(t, "owner's friends", f.friendNames(t, "owner"), "user02", "user03")
		wantNames(t, "user01's friends", f.friendNames(t, "user01"))
		// Either side can end it.
		wantStatus(t, f.do(t, "DELETE", "/v1/users/user02/friends", []string{"owner"}), http.StatusNoContent)
		wantNames(t, "owner's friends", f.friendNames(t, "owner"), "user03")
		wantNames(t, "user02's friends", f.friendNames(t, "user02"))
		// And they can be friends again.
		wantStatus(t, f.do(t, "POST", path, []string{"user01"}), http.StatusCreated)
		wantNames(t, "user01's friends", f.friendNames(t, "user01"), "owner")

		wantError(t, f.do(t, "DELETE", path, []string{"user03", "ghost"}), http.StatusNotFound, codeUserNotFound)
		wantError(t, f.do(t, "DELETE", path, []string{"user03", "_bad"}), http.StatusBadRequest, codeBadParam)
		wantError(t, f.do(t, "DELETE", path, map[string]any{"users": []string{"user03"}}), http.StatusBadRequest, codeBadParam)
		wantError(t, f.do(t, "DELETE", path, append([]string{"user03"}, namesN("many", 500)...)), http.StatusBadRequest, codeBadParam)
		wantError(t, f.do(t, "DELETE", "/v1/users/ghost/friends", []string{"user03"}), http.StatusNotFound, codeUserNotFound)
		wantError(t, f.do(t, "DELETE", "/v1/users/_bad/friends", []string{"user03"}), http.StatusBadRequest, codeBadParam)
		wantNames(t, "owner's friends after refused deletes", f.friendNames(t, "owner"), "user01", "user03")
		wantNames(t, "user03's friends after refused deletes", f.friendNames(t, "user03"), "owner")
	})
}

// 更新好友备注: PUT [{"username","note_name","others"}] → 204.
func TestConformanceFriendNotes(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "owner", "user01", "user02")
		wantStatus(t, f.do(t, "POST", "/v1/users/owner/friends", []string{"user01", "user02"}), http.StatusCreated)
		path := "/v1/users/owner/friends"

		wantStatus(t, f.do(t, "PUT", path, []map[string]any{
			{"username": "user01", "note_name": "new note name", "others": "好友备注文档 😀"},
			{"username": "user02", "note_name": strings.Repeat("备", 21), "others": bytesOf(250)},
		}), http.StatusNoContent)
		notes := func(t *testing.T) map[string][2]any {
			out := map[string][2]any{}
			for _, u := range f.friends(t, "owner") {
				out[str(u["username"])] = [2]any{u["note_name"], u["others"]}
			}
			return out
		}
		want := map[string][2]any{
			"user01": {"new note name", "好友备注文档 😀"},
			"user02": {strings.Repeat("备", 21), bytesOf(250)},
		}
		if got := notes(t); !reflect.DeepEqual(got, want) {
			t.Fatalf("notes = %v, want %v", got, want)
		}
		// The note is the owner's: user01's view of owner carries none of it.
		if o := byName(f.friends(t, "user01"), "owner"); o["note_name"] == "new note name" || o["others"] == "好友备注文档 😀" {
			t.Errorf("owner's note on user01 shows on user01's list: %v", o)
		}
		// note_name alone, 64 bytes.
		wantStatus(t, f.do(t, "PUT", path, []map[string]any{{"username": "user01", "note_name": bytesOf(64)}}), http.StatusNoContent)
		want["user01"] = [2]any{bytesOf(64), want["user01"][1]}
		if got := notes(t); !reflect.DeepEqual(got["user01"][0], want["user01"][0]) {
			t.Fatalf("note_name = %v, want %v", got["user01"][0], want["user01"][0])
		}
		want = notes(t)

		// Refused updates change no note, even the valid entries next to them.
		bad := []struct {
			name         string
			body         any
			status, code int
		}{
			{"note_name 65 bytes", []map[string]any{{"username": "user01", "note_name": "ok"}, {"username": "user02", "note_name": bytesOf(65)}}, http.StatusBadRequest, codeBadParam},
			{"note_name 22 CJK chars", []map[string]any{{"username": "user01", "note_name": "ok"}, {"username": "user02", "note_name": strings.Repeat("备", 22)}}, http.StatusBadRequest, codeBadParam},
			{"note_name newline", []map[string]any{{"username": "user01", "note_name": "ok"}, {"username": "user02", "note_name": "a\nb"}}, http.StatusBadRequest, codeBadParam},
			{"note_name carriage return", []map[string]any{{"username": "user01", "note_name": "ok"}, {"username": "user02", "note_name": "a\rb"}}, http.StatusBadRequest, codeBadParam},
			{"others 251 bytes", []map[string]any{{"username": "user01", "note_name": "ok"}, {"username": "user02", "others": bytesOf(251)}}, http.StatusBadRequest, codeBadParam},
			{"missing username", []map[string]any{{"username": "user01", "note_name": "ok"}, {"note_name": "x"}}, http.StatusBadRequest, codeBadParam},
			{"invalid username", []map[string]any{{"username": "user01", "note_name": "ok"}, {"username": "_bad", "note_name": "x"}}, http.StatusBadRequest, codeBadParam},
			{"unknown username", []map[string]any{{"username": "user01", "note_name": "ok"}, {"username": "ghost", "note_name": "x"}}, http.StatusNotFound, codeUserNotFound},
			{"not an array", map[string]any{"username": "user01", "note_name": "ok"}, http.StatusBadRequest, codeBadParam},
			{"more than 500", func() []map[string]any {
				out := []map[string]any{{"username": "user01", "note_name": "ok"}}
				for _, n := range namesN("many", 500) {
					out = append(out, map[string]any{"username": n, "note_name": "x"})
				}
				return out
			}(), http.StatusBadRequest, codeBadParam},
		}
		for _, c := range bad {
			t.Run(c.name, func(t *testing.T) {
				wantError(t, f.do(t, "PUT", path, c.body), c.status, c.code)
				if got := notes(t); !reflect.DeepEqual(got, want) {
					t.Fatalf("refused update changed notes: %v, want %v", got, want)
				}
			})
		}
		note := []map[string]any{{"username": "user01", "note_name": "x"}}
		wantError(t, f.do(t, "PUT", "/v1/users/ghost/friends", note), http.StatusNotFound, codeUserNotFound)
		wantError(t, f.do(t, "PUT", "/v1/users/_bad/friends", note), http.StatusBadRequest, codeBadParam)
	})
}
