package jmessage_test

// Conformance tests for 聊天室维护 (seed 003): create, batch details, a
// user's rooms, the app's rooms, update, delete, forbidden (mute) and
// members. Where the seed is silent, the README's "Where we differ" list
// is the reference: the owner is a member, a room id that is not the
// app's is 404/899006, a full room is 403/899012, muting a non-member is
// 403/899014, pages are 1–500.

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

const (
	crCodeRoomNotFound = 899006 // the seed's "id does not exist" code, used for rooms
	crCodeRoomFull     = 899012 // 没有足够的位置添加成员
	crCodeNotInRoom    = 899014 // 用户不存在于聊天室
)

// crRoomKeys are the keys of a room object in the seed's examples.
var crRoomKeys = []string{"appkey", "ctime", "description", "id", "max_member_count", "name", "owner_username", "total_member_count"}

func crPath(id int64, tail string) string { return fmt.Sprintf("/v1/chatroom/%d%s", id, tail) }

// crCreate creates a room through the API and returns its id.
func (f *fixture) crCreate(t *testing.T, owner, name string, members ...string) int64 {
	t.Helper()
	if members == nil {
		members = []string{}
	}
	r := f.do(t, "POST", "/v1/chatroom/", map[string]any{"owner_username": owner, "name": name, "description": "desc of " + name, "members_username": members})
	wantStatus(t, r, http.StatusCreated)
	var out map[string]any
	r.JSON(t, &out)
	if len(out) != 1 {
		t.Fatalf("create answered %s, want only chatroom_id", r.Body)
	}
	id, ok := out["chatroom_id"].(float64)
	if !ok || id <= 0 || id != float64(int64(id)) {
		t.Fatalf("chatroom_id = %#v, want a positive integer", out["chatroom_id"])
	}
	return int64(id)
}

// crRooms decodes an array of room objects and checks each one's shape.
func crRooms(t *testing.T, r testutil.Response) []map[string]any {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	if strings.TrimSpace(string(r.Body)) == "null" {
		t.Fatalf("want a JSON array, got null")
	}
	var rooms []map[string]any
	r.JSON(t, &rooms)
	for _, room := range rooms {
		crCheckShape(t, room)
	}
	return rooms
}

func crCheckShape(t *testing.T, room map[string]any) {
	t.Helper()
	if keys := slices.Sorted(maps.Keys(room)); !slices.Equal(keys, crRoomKeys) {
		t.Fatalf("room keys = %q, want %q", keys, crRoomKeys)
	}
	checkTime(t, "ctime", room["ctime"])
}

// crDetails is POST /v1/chatroom/batch for ids, which must succeed.
func (f *fixture) crDetails(t *testing.T, ids ...int64) []map[string]any {
	t.Helper()
	return crRooms(t, f.do(t, "POST", "/v1/chatroom/batch", ids))
}

// crRoom returns the details of one room, which must exist.
func (f *fixture) crRoom(t *testing.T, id int64) map[string]any {
	t.Helper()
	rooms := f.crDetails(t, id)
	if len(rooms) != 1 || rooms[0]["id"] != float64(id) {
		t.Fatalf("details of room %d: %v", id, rooms)
	}
	return rooms[0]
}

func crIDs(rooms []map[string]any) []int64 {
	out := make([]int64, len(rooms))
	for i, r := range rooms {
		out[i] = int64(r["id"].(float64))
	}
	return out
}

// crSeq is the ids 1..n.
func crSeq(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}

func wantIDs(t *testing.T, what string, got []int64, want ...int64) {
	t.Helper()
	if want == nil {
		want = []int64{}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

type crMemberList struct {
	Total int              `json:"total"`
	Users []map[string]any `json:"users"`
	Count int              `json:"count"`
	Start int              `json:"start"`
}

// crMembers lists every member of a room, in the API's order.
func (f *fixture) crMembers(t *testing.T, id int64) []map[string]any {
	t.Helper()
	r := f.do(t, "GET", crPath(id, "/members?start=0&count=500"), nil)
	wantStatus(t, r, http.StatusOK)
	var l crMemberList
	r.JSON(t, &l)
	if l.Total != len(l.Users) || l.Count != len(l.Users) {
		t.Fatalf("members of %d: total %d, count %d, %d users", id, l.Total, l.Count, len(l.Users))
	}
	return l.Users
}

func (f *fixture) crMemberNames(t *testing.T, id int64) []string {
	t.Helper()
	return namesOf(f.crMembers(t, id))
}

func (f *fixture) crRoomTotal(t *testing.T) int {
	t.Helper()
	r := f.do(t, "GET", "/v1/chatroom?start=0&count=1", nil)
	wantStatus(t, r, http.StatusOK)
	var l struct {
		Total int `json:"total"`
	}
	r.JSON(t, &l)
	return l.Total
}

func (f *fixture) crUserRooms(t *testing.T, name string) []int64 {
	t.Helper()
	return crIDs(crRooms(t, f.do(t, "GET", "/v1/users/"+name+"/chatroom", nil)))
}

// 创建聊天室: POST /v1/chatroom/.
func TestConformanceCreateChatroom(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, withLimits("chatroomMembers", 4, "chatroomMembersPerCall", 5))
		f.register(t, "liming", "xiaoming", "xiaohong", "xiaogang", "xiaoli")

		// The seed's example request, with and without the trailing slash.
		r := f.do(t, "POST", "/v1/chatroom/", map[string]any{"owner_username": "liming", "name": "测试聊天室", "description": "测试", "members_username": []string{}})
		wantStatus(t, r, http.StatusCreated)
		var created struct {
			ChatroomID int64 `json:"chatroom_id"`
		}
		r.JSON(t, &created)
		room := f.crRoom(t, created.ChatroomID)
		want := map[string]any{"id": float64(created.ChatroomID), "owner_username": "liming", "max_member_count": float64(4),
			"appkey": f.app.Key, "name": "测试聊天室", "description": "测试", "total_member_count": float64(1)}
		for k, v := range want {
			if room[k] != v {
				t.Errorf("room %s = %#v, want %#v", k, room[k], v)
			}
		}
		// The owner is a member.
		wantNames(t, "members", f.crMemberNames(t, created.ChatroomID), "liming")

		// Members, repeated names and the owner listed again count once.
		r = f.do(t, "POST", "/v1/chatroom", map[string]any{"owner_username": "xiaoming", "name": "r2",
			"members_username": []string{"xiaohong", "xiaogang", "xiaohong", "xiaoming"}})
		wantStatus(t, r, http.StatusCreated)
		r.JSON(t, &created)
		wantNames(t, "members", f.crMemberNames(t, created.ChatroomID), "xiaogang", "xiaohong", "xiaoming")
		if got := f.crRoom(t, created.ChatroomID); got["total_member_count"] != float64(3) || got["description"] != "" {
			t.Errorf("room = %v, want 3 members and an empty description", got)
		}
		// Limits: name 64 bytes and description 250 bytes are fine; the
		// owner plus 3 members fill the 4 places.
		f.crCreate(t, "liming", bytesOf(64), "xiaoming", "xiaohong", "xiaogang")
		r = f.do(t, "POST", "/v1/chatroom/", map[string]any{"owner_username": "liming", "name": "d", "description": bytesOf(250)})
		wantStatus(t, r, http.StatusCreated)

		total := f.crRoomTotal(t)
		bad := []struct {
			name         string
			body         any
			status, code int
		}{
			{"no owner", map[string]any{"name": "n"}, http.StatusBadRequest, codeBadParam},
			{"no name", map[string]any{"owner_username": "liming"}, http.StatusBadRequest, codeBadParam},
			{"empty name", map[string]any{"owner_username": "liming", "name": ""}, http.StatusBadRequest, codeBadParam},
			{"name 65 bytes", map[string]any{"owner_username": "liming", "name": bytesOf(65)}, http.StatusBadRequest, codeBadParam},
			{"name with a line break", map[string]any{"owner_username": "liming", "name": "a\nb"}, http.StatusBadRequest, codeBadParam},
			{"description 251 bytes", map[string]any{"owner_username": "liming", "name": "n", "description": bytesOf(251)}, http.StatusBadRequest, codeBadParam},
			{"name not a string", map[string]any{"owner_username": "liming", "name": 5}, http.StatusBadRequest, codeBadParam},
			{"invalid owner", map[string]any{"owner_username": "_bad", "name": "n"}, http.StatusBadRequest, codeBadParam},
			{"invalid member", map[string]any{"owner_username": "liming", "name": "n", "members_username": []string{"_bad"}}, http.StatusBadRequest, codeBadParam},
			{"members over the per-call limit", map[string]any{"owner_username": "liming", "name": "n",
				"members_username": []string{"xiaoming", "xiaohong", "xiaogang", "xiaoli", "xiaoming", "xiaohong"}}, http.StatusBadRequest, codeBadParam},
			{"members not an array", map[string]any{"owner_username": "liming", "name": "n", "members_username": "xiaoming"}, http.StatusBadRequest, codeBadParam},
			{"malformed JSON", `{"owner_username": "liming", "name": "n"`, http.StatusBadRequest, codeBadParam},
			{"empty body", "", http.StatusBadRequest, codeBadParam},
			{"array body", []string{"liming"}, http.StatusBadRequest, codeBadParam},
			{"unknown owner", map[string]any{"owner_username": "ghost", "name": "n"}, http.StatusNotFound, codeUserNotFound},
			{"unknown member", map[string]any{"owner_username": "liming", "name": "n", "members_username": []string{"xiaoming", "ghost"}}, http.StatusNotFound, codeUserNotFound},
			{"more members than places", map[string]any{"owner_username": "liming", "name": "n",
				"members_username": []string{"xiaoming", "xiaohong", "xiaogang", "xiaoli"}}, http.StatusForbidden, crCodeRoomFull},
		}
		for _, c := range bad {
			t.Run(c.name, func(t *testing.T) {
				wantError(t, f.do(t, "POST", "/v1/chatroom/", c.body), c.status, c.code)
			})
		}
		// Nothing was written by the refused requests.
		if got := f.crRoomTotal(t); got != total {
			t.Fatalf("rooms after refused creates = %d, want %d", got, total)
		}
		wantIDs(t, "xiaoli's rooms", f.crUserRooms(t, "xiaoli"))
	})
}

// 获取聊天室详情: POST /v1/chatroom/batch.
func TestConformanceChatroomDetails(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "xiaoming", "xiaohong")
		r1 := f.crCreate(t, "xiaoming", "test", "xiaohong")
		r2 := f.crCreate(t, "xiaohong", "test2")
		other := f.otherApp(t)
		other.register(t, "xiaoming")
		foreign := other.crCreate(t, "xiaoming", "foreign")

		rooms := f.crDetails(t, r2, r1)
		wantIDs(t, "ids", crIDs(rooms), r2, r1)
		want := map[string]any{"id": float64(r1), "owner_username": "xiaoming", "max_member_count": float64(10000),
			"appkey": f.app.Key, "name": "test", "description": "desc of test", "total_member_count": float64(2)}
		for k, v := range want {
			if rooms[1][k] != v {
				t.Errorf("room %s = %#v, want %#v", k, rooms[1][k], v)
			}
		}
		// Unknown ids and other apps' rooms are skipped; repeats count once.
		wantIDs(t, "ids", crIDs(f.crDetails(t, r1, 987654321, foreign, r1)), r1)
		wantIDs(t, "ids", crIDs(f.crDetails(t, 987654321)))

		for name, body := range map[string]any{
			"string id":      []any{"abc"},
			"numeric string": []any{fmt.Sprint(r1)},
			"fraction":       []any{1.5},
			"zero":           []int64{0},
			"negative":       []int64{-1},
			"empty array":    []int64{},
			"object":         map[string]any{"ids": []int64{r1}},
			"malformed":      "[1,",
			"too many":       crSeq(501),
		} {
			t.Run(name, func(t *testing.T) {
				wantError(t, f.do(t, "POST", "/v1/chatroom/batch", body), http.StatusBadRequest, codeBadParam)
			})
		}
	})
}

// GET 获取用户聊天室列表: GET /v1/users/{username}/chatroom.
func TestConformanceUserChatrooms(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "xiaoming", "xiaohong", "lonely")
		r1 := f.crCreate(t, "xiaoming", "one")
		r2 := f.crCreate(t, "xiaohong", "two", "xiaoming")
		f.crCreate(t, "xiaohong", "three")

		wantIDs(t, "xiaoming's rooms", f.crUserRooms(t, "xiaoming"), r1, r2)
		wantIDs(t, "lonely's rooms", f.crUserRooms(t, "lonely"))
		rooms := crRooms(t, f.do(t, "GET", "/v1/users/xiaoming/chatroom/", nil))
		if rooms[1]["owner_username"] != "xiaohong" || rooms[1]["total_member_count"] != float64(2) {
			t.Errorf("room two = %v", rooms[1])
		}
		wantError(t, f.do(t, "GET", "/v1/users/ghost/chatroom", nil), http.StatusNotFound, codeUserNotFound)
		wantError(t, f.do(t, "GET", "/v1/users/_bad/chatroom", nil), http.StatusBadRequest, codeBadParam)

		// Same username in another app: its own (empty) list.
		other := f.otherApp(t)
		other.register(t, "xiaoming")
		wantIDs(t, "other app's xiaoming", other.crUserRooms(t, "xiaoming"))
	})
}

// GET 获取应用下聊天室列表: GET /v1/chatroom?start=&count=.
func TestConformanceListChatrooms(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "xiaoming")
		var ids []int64
		for i := range 5 {
			ids = append(ids, f.crCreate(t, "xiaoming", fmt.Sprint("room", i)))
		}
		other := f.otherApp(t)
		other.register(t, "xiaoming")
		other.crCreate(t, "xiaoming", "foreign")

		list := func(query string) (total, start, count int, rooms []int64) {
			t.Helper()
			r := f.do(t, "GET", "/v1/chatroom"+query, nil)
			wantStatus(t, r, http.StatusOK)
			var l struct {
				Total int              `json:"total"`
				Rooms []map[string]any `json:"rooms"`
				Start int              `json:"start"`
				Count int              `json:"count"`
			}
			r.JSON(t, &l)
			for _, room := range l.Rooms {
				crCheckShape(t, room)
			}
			return l.Total, l.Start, l.Count, crIDs(l.Rooms)
		}
		total, start, count, got := list("?start=0&count=10")
		if total != 5 || start != 0 || count != 5 {
			t.Fatalf("total/start/count = %d/%d/%d, want 5/0/5", total, start, count)
		}
		wantIDs(t, "rooms", got, ids...)
		total, start, count, got = list("/?start=3&count=10")
		if total != 5 || start != 3 || count != 2 {
			t.Fatalf("total/start/count = %d/%d/%d, want 5/3/2", total, start, count)
		}
		wantIDs(t, "rooms", got, ids[3:]...)
		_, _, count, got = list("?count=2")
		if count != 2 {
			t.Fatalf("count = %d, want 2", count)
		}
		wantIDs(t, "rooms", got, ids[:2]...)
		_, _, _, got = list("?start=9&count=500")
		wantIDs(t, "rooms past the end", got)

		for _, q := range []string{"", "?start=0", "?start=0&count=0", "?start=0&count=501", "?start=-1&count=1", "?start=0&count=x", "?start=x&count=1"} {
			wantError(t, f.do(t, "GET", "/v1/chatroom"+q, nil), http.StatusBadRequest, codeBadParam)
		}
	})
}

// 更新聊天室信息: PUT /v1/chatroom/{room_id}.
func TestConformanceUpdateChatroom(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, withLimits("chatroomMembers", 3))
		f.register(t, "xiaoming", "135380113231", "xiaohong", "xiaogang")
		id := f.crCreate(t, "xiaoming", "old", "xiaohong")

		// The seed's example: every field.
		wantStatus(t, f.do(t, "PUT", crPath(id, ""), map[string]any{"owner_username": "135380113231", "name": "中国人", "description": "说什么来这"}),
			http.StatusNoContent)
		room := f.crRoom(t, id)
		if room["owner_username"] != "135380113231" || room["name"] != "中国人" || room["description"] != "说什么来这" {
			t.Fatalf("after update: %v", room)
		}
		// The new owner joined; the old one stays a member.
		wantNames(t, "members", f.crMemberNames(t, id), "135380113231", "xiaohong", "xiaoming")

		// Only the given fields change; an owner who is a member joins nothing.
		wantStatus(t, f.do(t, "PUT", crPath(id, ""), map[string]any{"name": "new"}), http.StatusNoContent)
		wantStatus(t, f.do(t, "PUT", crPath(id, ""), map[string]any{"owner_username": "xiaohong"}), http.StatusNoContent)
		wantStatus(t, f.do(t, "PUT", crPath(id, ""), map[string]any{}), http.StatusNoContent)
		room = f.crRoom(t, id)
		if room["owner_username"] != "xiaohong" || room["name"] != "new" || room["description"] != "说什么来这" || room["total_member_count"] != float64(3) {
			t.Fatalf("after partial updates: %v", room)
		}

		bad := []struct {
			name         string
			path         string
			body         any
			status, code int
		}{
			{"empty name", crPath(id, ""), map[string]any{"name": ""}, http.StatusBadRequest, codeBadParam},
			{"name 65 bytes", crPath(id, ""), map[string]any{"name": bytesOf(65), "description": "x"}, http.StatusBadRequest, codeBadParam},
			{"name with a line break", crPath(id, ""), map[string]any{"name": "a\r\nb"}, http.StatusBadRequest, codeBadParam},
			{"description 251 bytes", crPath(id, ""), map[string]any{"name": "x", "description": bytesOf(251)}, http.StatusBadRequest, codeBadParam},
			{"invalid owner", crPath(id, ""), map[string]any{"name": "x", "owner_username": "_bad"}, http.StatusBadRequest, codeBadParam},
			{"malformed JSON", crPath(id, ""), `{"name":`, http.StatusBadRequest, codeBadParam},
			{"array body", crPath(id, ""), []string{"x"}, http.StatusBadRequest, codeBadParam},
			{"non-integer room id", "/v1/chatroom/abc", map[string]any{"name": "x"}, http.StatusBadRequest, codeBadParam},
			{"zero room id", "/v1/chatroom/0", map[string]any{"name": "x"}, http.StatusBadRequest, codeBadParam},
			{"unknown owner", crPath(id, ""), map[string]any{"name": "x", "owner_username": "ghost"}, http.StatusNotFound, codeUserNotFound},
			{"unknown room", crPath(987654321, ""), map[string]any{"name": "x"}, http.StatusNotFound, crCodeRoomNotFound},
			{"new owner into a full room", crPath(id, ""), map[string]any{"name": "x", "owner_username": "xiaogang"}, http.StatusForbidden, crCodeRoomFull},
		}
		for _, c := range bad {
			t.Run(c.name, func(t *testing.T) {
				wantError(t, f.do(t, "PUT", c.path, c.body), c.status, c.code)
			})
		}
		// Nothing changed.
		if got := f.crRoom(t, id); !maps.Equal(got, room) {
			t.Fatalf("after refused updates: %v, want %v", got, room)
		}
		wantNames(t, "members", f.crMemberNames(t, id), "135380113231", "xiaohong", "xiaoming")
	})
}

// A room whose owner was deleted keeps working: it has no owner
// (owner_username ""), may be renamed, and takes a new owner.
func TestConformanceUpdateChatroomWithoutOwner(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "xiaoming", "xiaohong")
		id := f.crCreate(t, "xiaoming", "old", "xiaohong")
		wantStatus(t, f.do(t, "DELETE", "/v1/users/xiaoming", nil), http.StatusNoContent)
		wantStatus(t, f.do(t, "PUT", crPath(id, ""), map[string]any{"name": "renamed"}), http.StatusNoContent)
		if room := f.crRoom(t, id); room["owner_username"] != "" || room["name"] != "renamed" {
			t.Fatalf("an ownerless room after a rename: %v", room)
		}
		wantStatus(t, f.do(t, "PUT", crPath(id, ""), map[string]any{"owner_username": "xiaohong"}), http.StatusNoContent)
		if room := f.crRoom(t, id); room["owner_username"] != "xiaohong" {
			t.Fatalf("after taking a new owner: %v", room)
		}
	})
}

// 删除聊天室: DELETE /v1/chatroom/{room_id}.
func TestConformanceDeleteChatroom(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "xiaoming", "xiaohong")
		id := f.crCreate(t, "xiaoming", "doomed", "xiaohong")
		keep := f.crCreate(t, "xiaoming", "kept", "xiaohong")

		wantStatus(t, f.do(t, "DELETE", crPath(id, ""), nil), http.StatusNoContent)
		wantIDs(t, "details", crIDs(f.crDetails(t, id, keep)), keep)
		wantIDs(t, "xiaohong's rooms", f.crUserRooms(t, "xiaohong"), keep)
		wantError(t, f.do(t, "DELETE", crPath(id, ""), nil), http.StatusNotFound, crCodeRoomNotFound)
		wantError(t, f.do(t, "GET", crPath(id, "/members?start=0&count=10"), nil), http.StatusNotFound, crCodeRoomNotFound)
		wantError(t, f.do(t, "DELETE", "/v1/chatroom/x1", nil), http.StatusBadRequest, codeBadParam)
		wantError(t, f.do(t, "DELETE", "/v1/chatroom/-5", nil), http.StatusBadRequest, codeBadParam)
		if got := f.crRoomTotal(t); got != 1 {
			t.Fatalf("rooms = %d, want 1", got)
		}
	})
}

// 修改用户禁言状态: PUT /v1/chatroom/{room_id}/forbidden/{username}?status=0|1.
func TestConformanceChatroomForbidden(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "xiaoming", "caiyh", "outsider")
		id := f.crCreate(t, "xiaoming", "room", "caiyh")
		flags := func() map[string]any {
			t.Helper()
			out := map[string]any{}
			for _, m := range f.crMembers(t, id) {
				out[str(m["username"])] = m["flag"]
			}
			return out
		}
		wantFlags := func(caiyh, xiaoming float64) {
			t.Helper()
			if got := flags(); got["caiyh"] != caiyh || got["xiaoming"] != xiaoming {
				t.Fatalf("flags = %v, want caiyh %v, xiaoming %v", got, caiyh, xiaoming)
			}
		}
		wantFlags(0, 0)
		wantStatus(t, f.do(t, "PUT", crPath(id, "/forbidden/caiyh?status=1"), nil), http.StatusNoContent)
		wantFlags(1, 0)
		wantStatus(t, f.do(t, "PUT", crPath(id, "/forbidden/caiyh?status=1"), nil), http.StatusNoContent)
		wantFlags(1, 0)
		wantStatus(t, f.do(t, "PUT", crPath(id, "/forbidden/xiaoming?status=1"), nil), http.StatusNoContent)
		wantStatus(t, f.do(t, "PUT", crPath(id, "/forbidden/caiyh?status=0"), nil), http.StatusNoContent)
		wantFlags(0, 1)

		for _, q := range []string{"", "?status=", "?status=2", "?status=true", "?status=-1"} {
			wantError(t, f.do(t, "PUT", crPath(id, "/forbidden/caiyh"+q), nil), http.StatusBadRequest, codeBadParam)
		}
		wantError(t, f.do(t, "PUT", crPath(id, "/forbidden/_bad?status=1"), nil), http.StatusBadRequest, codeBadParam)
		wantError(t, f.do(t, "PUT", "/v1/chatroom/abc/forbidden/caiyh?status=1", nil), http.StatusBadRequest, codeBadParam)
		wantError(t, f.do(t, "PUT", crPath(id, "/forbidden/ghost?status=1"), nil), http.StatusNotFound, codeUserNotFound)
		wantError(t, f.do(t, "PUT", crPath(id, "/forbidden/outsider?status=1"), nil), http.StatusForbidden, crCodeNotInRoom)
		wantError(t, f.do(t, "PUT", crPath(987654321, "/forbidden/caiyh?status=1"), nil), http.StatusNotFound, crCodeRoomNotFound)
		wantFlags(0, 1)

		// A muted member who leaves and joins again is no longer muted.
		wantStatus(t, f.do(t, "DELETE", crPath(id, "/members"), []string{"caiyh"}), http.StatusNoContent)
		wantStatus(t, f.do(t, "PUT", crPath(id, "/members"), []string{"caiyh"}), http.StatusNoContent)
		wantFlags(0, 1)
	})
}

// 获取聊天室成员列表 / 添加聊天室成员 / 移除聊天室成员.
func TestConformanceChatroomMembers(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, withLimits("chatroomMembers", 5, "chatroomMembersPerCall", 4))
		f.register(t, "owner", "13538013231", "xia_12", "user3", "user4", "user5")
		id := f.crCreate(t, "owner", "room")

		wantStatus(t, f.do(t, "PUT", crPath(id, "/members"), []string{"13538013231", "xia_12"}), http.StatusNoContent)
		r := f.do(t, "GET", crPath(id, "/members?start=0&count=10"), nil)
		wantStatus(t, r, http.StatusOK)
		var l crMemberList
		r.JSON(t, &l)
		if l.Total != 3 || l.Count != 3 || l.Start != 0 || len(l.Users) != 3 {
			t.Fatalf("member list = %s", r.Body)
		}
		for _, m := range l.Users {
			if keys := slices.Sorted(maps.Keys(m)); !slices.Equal(keys, []string{"ctime", "flag", "mtime", "room_ctime", "username"}) {
				t.Fatalf("member keys = %q", keys)
			}
			if m["flag"] != float64(0) {
				t.Errorf("flag = %v, want 0", m["flag"])
			}
			checkTime(t, "room_ctime", m["room_ctime"])
			checkTime(t, "mtime", m["mtime"])
			checkTime(t, "ctime", m["ctime"])
		}
		// Joining order: the owner joined first.
		if l.Users[0]["username"] != "owner" {
			t.Errorf("first member = %v, want the owner", l.Users[0]["username"])
		}
		// ctime and mtime are the user's.
		u := f.getUser(t, "xia_12")
		if m := byName(l.Users, "xia_12"); m["ctime"] != u["ctime"] || m["mtime"] != u["mtime"] {
			t.Errorf("member %v, user %v: ctime/mtime differ", m, u)
		}

		// Paging.
		r = f.do(t, "GET", crPath(id, "/members/?start=1&count=1"), nil)
		wantStatus(t, r, http.StatusOK)
		r.JSON(t, &l)
		if l.Total != 3 || l.Count != 1 || l.Start != 1 || len(l.Users) != 1 || l.Users[0]["username"] == "owner" {
			t.Fatalf("page = %s", r.Body)
		}
		for _, q := range []string{"", "?start=0", "?start=0&count=0", "?start=0&count=501", "?start=-1&count=5", "?count=abc"} {
			wantError(t, f.do(t, "GET", crPath(id, "/members"+q), nil), http.StatusBadRequest, codeBadParam)
		}
		wantStatus(t, f.do(t, "GET", crPath(id, "/members?count=500"), nil), http.StatusOK)

		// Adding members again is a no-op; removing non-members too.
		wantStatus(t, f.do(t, "PUT", crPath(id, "/members"), []string{"xia_12", "xia_12", "owner", "user3"}), http.StatusNoContent)
		wantNames(t, "members", f.crMemberNames(t, id), "13538013231", "owner", "user3", "xia_12")
		wantStatus(t, f.do(t, "DELETE", crPath(id, "/members"), []string{"user3", "user4", "user3"}), http.StatusNoContent)
		wantNames(t, "members", f.crMemberNames(t, id), "13538013231", "owner", "xia_12")
		wantStatus(t, f.do(t, "DELETE", crPath(id, "/members"), []string{"user4"}), http.StatusNoContent)

		// 4 members now; 5 places: two more cannot join, nobody does.
		wantStatus(t, f.do(t, "PUT", crPath(id, "/members"), []string{"user3"}), http.StatusNoContent)
		wantError(t, f.do(t, "PUT", crPath(id, "/members"), []string{"user4", "user5"}), http.StatusForbidden, crCodeRoomFull)
		wantError(t, f.do(t, "PUT", crPath(id, "/members"), []string{"xia_12", "user4", "user5"}), http.StatusForbidden, crCodeRoomFull)
		wantNames(t, "members", f.crMemberNames(t, id), "13538013231", "owner", "user3", "xia_12")
		// Already-members do not use places: one newcomer fits.
		wantStatus(t, f.do(t, "PUT", crPath(id, "/members"), []string{"xia_12", "user4"}), http.StatusNoContent)
		if got := f.crRoom(t, id)["total_member_count"]; got != float64(5) {
			t.Fatalf("total_member_count = %v, want 5", got)
		}
		wantStatus(t, f.do(t, "DELETE", crPath(id, "/members"), []string{"user3", "user4"}), http.StatusNoContent)

		before := f.crMemberNames(t, id)
		for _, m := range []string{"PUT", "DELETE"} {
			bad := []struct {
				name         string
				path         string
				body         any
				status, code int
			}{
				{"limit +1", crPath(id, "/members"), []string{"user3", "user4", "user5", "xia_12", "13538013231"}, http.StatusBadRequest, codeBadParam},
				{"empty array", crPath(id, "/members"), []string{}, http.StatusBadRequest, codeBadParam},
				{"invalid username", crPath(id, "/members"), []string{"user3", "_bad"}, http.StatusBadRequest, codeBadParam},
				{"object body", crPath(id, "/members"), map[string]any{"usernames": []string{"user3"}}, http.StatusBadRequest, codeBadParam},
				{"malformed JSON", crPath(id, "/members"), `["user3",`, http.StatusBadRequest, codeBadParam},
				{"empty body", crPath(id, "/members"), "", http.StatusBadRequest, codeBadParam},
				{"non-integer room id", "/v1/chatroom/1e3/members", []string{"user3"}, http.StatusBadRequest, codeBadParam},
				{"unknown user", crPath(id, "/members"), []string{"user3", "ghost"}, http.StatusNotFound, codeUserNotFound},
				{"unknown room", crPath(987654321, "/members"), []string{"user3"}, http.StatusNotFound, crCodeRoomNotFound},
			}
			for _, c := range bad {
				t.Run(m+" "+c.name, func(t *testing.T) {
					wantError(t, f.do(t, m, c.path, c.body), c.status, c.code)
				})
			}
		}
		// The owner cannot be removed; the whole call is refused.
		wantError(t, f.do(t, "DELETE", crPath(id, "/members"), []string{"xia_12", "owner"}), http.StatusBadRequest, codeBadParam)
		wantNames(t, "members after refused calls", f.crMemberNames(t, id), before...)
		wantError(t, f.do(t, "GET", crPath(987654321, "/members?count=5"), nil), http.StatusNotFound, crCodeRoomNotFound)
		wantError(t, f.do(t, "GET", "/v1/chatroom/abc/members?count=5", nil), http.StatusBadRequest, codeBadParam)

		// A deleted user leaves every room.
		wantStatus(t, f.do(t, "DELETE", "/v1/users/xia_12", nil), http.StatusNoContent)
		wantNames(t, "members after user delete", f.crMemberNames(t, id), "13538013231", "owner")
	})
}

// The seed's default: at most 3000 usernames per members call, checked
// before anything is looked up.
func TestConformanceChatroomMembersDefaultPerCall(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "owner")
		id := f.crCreate(t, "owner", "room")
		for _, m := range []string{"PUT", "DELETE"} {
			wantError(t, f.do(t, m, crPath(id, "/members"), namesN("nobody", 3001)), http.StatusBadRequest, codeBadParam)
			// 3000 is within the limit: the names are then looked up.
			wantError(t, f.do(t, m, crPath(id, "/members"), namesN("nobody", 3000)), http.StatusNotFound, codeUserNotFound)
		}
		wantNames(t, "members", f.crMemberNames(t, id), "owner")
	})
}

// 50 parallel joins to a room with 10 free places: exactly 10 join, the
// rest get 899012.
func TestConformanceChatroomCapacityUnderConcurrency(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, withLimits("chatroomMembers", 11))
		names := namesN("joiner", 50)
		f.register(t, append([]string{"owner"}, names...)...)
		id := f.crCreate(t, "owner", "busy")

		results := make([]testutil.Response, len(names))
		var wg sync.WaitGroup
		for i, n := range names {
			wg.Go(func() { results[i] = f.do(t, "PUT", crPath(id, "/members"), []string{n}) })
		}
		wg.Wait()
		joined := 0
		for _, r := range results {
			if r.Status == http.StatusNoContent {
				joined++
				continue
			}
			wantError(t, r, http.StatusForbidden, crCodeRoomFull)
		}
		if joined != 10 {
			t.Fatalf("%d joins succeeded, want 10", joined)
		}
		if got := len(f.crMembers(t, id)); got != 11 {
			t.Fatalf("members = %d, want 11", got)
		}
		if got := f.crRoom(t, id)["total_member_count"]; got != float64(11) {
			t.Fatalf("total_member_count = %v, want 11", got)
		}
	})
}

// Another tenant's room ids do not exist here, on every endpoint, and
// nothing of that room changes.
func TestConformanceChatroomTenantIsolation(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "owner", "member")
		mine := f.crCreate(t, "owner", "mine")
		other := f.otherApp(t)
		other.register(t, "owner", "member", "guest")
		theirs := other.crCreate(t, "owner", "theirs", "member")
		before := other.crRoom(t, theirs)

		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"PUT", crPath(theirs, ""), map[string]any{"name": "hijacked"}},
			{"DELETE", crPath(theirs, ""), nil},
			{"PUT", crPath(theirs, "/forbidden/member?status=1"), nil},
			{"GET", crPath(theirs, "/members?start=0&count=10"), nil},
			{"PUT", crPath(theirs, "/members"), []string{"member"}},
			{"DELETE", crPath(theirs, "/members"), []string{"member"}},
		} {
			wantError(t, f.do(t, c.method, c.path, c.body), http.StatusNotFound, crCodeRoomNotFound)
		}
		wantIDs(t, "details of their room", crIDs(f.crDetails(t, theirs)))
		r := f.do(t, "GET", "/v1/chatroom?count=10", nil)
		wantStatus(t, r, http.StatusOK)
		var l struct {
			Total int              `json:"total"`
			Rooms []map[string]any `json:"rooms"`
		}
		r.JSON(t, &l)
		if l.Total != 1 {
			t.Fatalf("my list total = %d, want 1", l.Total)
		}
		wantIDs(t, "my list", crIDs(l.Rooms), mine)
		// Their users are unknown here.
		wantError(t, f.do(t, "PUT", crPath(mine, "/members"), []string{"guest"}), http.StatusNotFound, codeUserNotFound)

		if after := other.crRoom(t, theirs); !maps.Equal(after, before) {
			t.Fatalf("their room changed: %v → %v", before, after)
		}
		wantNames(t, "their members", other.crMemberNames(t, theirs), "member", "owner")
		if flags := other.crMembers(t, theirs); flags[0]["flag"] != float64(0) || flags[1]["flag"] != float64(0) {
			t.Fatalf("their members were muted: %v", flags)
		}
	})
}
