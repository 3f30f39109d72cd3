package jmessage_test

// Black-box conformance tests for the group endpoints of the JMessage admin
// API (seed 003: "Group 对象字段总览" and "群组维护"; issue #3 "Groups"),
// written from the seed and the issue, not from the implementation. Helpers
// shared with conformance_messages_test.go carry a gm prefix.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// Error codes of the group and message parts (seed 003, issue #3).
const (
	gmCodeGroupNotFound   = 899006 // gid 不存在 (group endpoints)
	gmCodeAlreadyMember   = 899011 // 用户已经存在于群组
	gmCodeGroupFull       = 899012 // no room left in the group
	gmCodeNotMember       = 899014 // 用户不存在于群组
	gmCodeNoSendRight     = 899016 // from_id 没有权限发送 message
	gmCodeCrossAppDenied  = 899043 // cross-app call without mutual consent
	gmCodeShieldNoGroup   = 899051 // 群组不存在 (groupsShield, nodisturb)
	gmCodeBlacklisted     = 803008 // the recipient blacklisted the sender
	gmCodeRetractTooLate  = 855001 // 超出撤回消息时间
	gmCodeRetractNoMsg    = 855003 // 撤回消息不存在
	gmCodeRetractRepeated = 855004 // 消息已经撤回
)

// newGMFixture is newFixture with service options (an injected clock).
func newGMFixture(t *testing.T, b testutil.Backend, appBody map[string]any, opts ...core.Option) *fixture {
	t.Helper()
	srv := testutil.StartServer(t, b, opts...)
	return &fixture{srv: srv, app: srv.CreateApp(t, appBody)}
}

// ---- ids ----------------------------------------------------------------

func (f *fixture) gmAppID(t *testing.T) int64 {
	t.Helper()
	a, err := f.srv.Svc.GetApp(context.Background(), f.app.Key)
	if err != nil {
		t.Fatalf("GetApp: %v", err)
	}
	return a.ID
}

func (f *fixture) gmUID(t *testing.T, name string) int64 {
	t.Helper()
	u, err := f.srv.Store.Read().UserByName(context.Background(), f.gmAppID(t), name)
	if err != nil {
		t.Fatalf("UserByName(%s): %v", name, err)
	}
	return u.ID
}

// ---- events -------------------------------------------------------------

// gmEvents records the events published for one app.
type gmEvents struct {
	appID int64
	mu    sync.Mutex
	evs   []core.Event
}

// gmRecord subscribes to the service's event bus for the fixture's app.
func (f *fixture) gmRecord(t *testing.T) *gmEvents {
	t.Helper()
	r := &gmEvents{appID: f.gmAppID(t)}
	unsub := f.srv.Svc.Events().Subscribe(func(_ context.Context, ev core.Event) {
		if ev.AppID != r.appID {
			return
		}
		r.mu.Lock()
		r.evs = append(r.evs, ev)
		r.mu.Unlock()
	})
	t.Cleanup(unsub)
	return r
}

// of returns the recorded events of a kind, in publication order.
func (r *gmEvents) of(kind core.EventKind) []core.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []core.Event
	for _, ev := range r.evs {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// wait returns the events of a kind once there are at least n of them (the
// bus is synchronous, so this normally returns at once).
func (r *gmEvents) wait(t *testing.T, kind core.EventKind, n int) []core.Event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		evs := r.of(kind)
		if len(evs) >= n {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("want at least %d %q events, got %d", n, kind, len(evs))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// last waits for the n-th event of a kind and returns it.
func (r *gmEvents) last(t *testing.T, kind core.EventKind, n int) core.Event {
	t.Helper()
	evs := r.wait(t, kind, n)
	if len(evs) != n {
		t.Fatalf("want exactly %d %q events, got %d", n, kind, len(evs))
	}
	return evs[n-1]
}

// gmRecipients maps an event's recipients to usernames. names lists every
// user that may appear; a recipient that is none of them shows as "#id".
func (f *fixture) gmRecipients(t *testing.T, ev core.Event, names ...string) map[string]core.Recipient {
	t.Helper()
	byID := map[int64]string{}
	for _, n := range names {
		byID[f.gmUID(t, n)] = n
	}
	out := map[string]core.Recipient{}
	for _, rc := range ev.Recipients {
		n, ok := byID[rc.UserID]
		if !ok {
			n = fmt.Sprintf("#%d", rc.UserID)
		}
		if _, dup := out[n]; dup {
			t.Errorf("%s event lists recipient %s twice", ev.Kind, n)
		}
		out[n] = rc
	}
	return out
}

func gmKeys(m map[string]core.Recipient) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// gmCheckGroupEvent checks a group event's kind, app, group, members and
// recipients (all in names).
func (f *fixture) gmCheckGroupEvent(t *testing.T, ev core.Event, gid int64, members []string, recipients []string, names ...string) {
	t.Helper()
	if ev.AppKey != f.app.Key {
		t.Errorf("%s event AppKey = %q, want %q", ev.Kind, ev.AppKey, f.app.Key)
	}
	if ev.Group == nil || ev.Group.ID != gid {
		t.Errorf("%s event Group = %+v, want gid %d", ev.Kind, ev.Group, gid)
	}
	if members != nil {
		wantNames(t, string(ev.Kind)+" event members", sorted(ev.Members...), sorted(members...)...)
	}
	got := f.gmRecipients(t, ev, names...)
	wantNames(t, string(ev.Kind)+" event recipients", gmKeys(got), sorted(recipients...)...)
	for n, rc := range got {
		if rc.AppID != f.gmAppID(t) {
			t.Errorf("%s event recipient %s AppID = %d, want %d", ev.Kind, n, rc.AppID, f.gmAppID(t))
		}
	}
}

// ---- JSON ---------------------------------------------------------------

// gmDecode decodes a body keeping numbers exact.
func gmDecode(t *testing.T, r testutil.Response, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("response is not JSON (%v): %s", err, r.Body)
	}
}

// gmInt reads an integral JSON number.
func gmInt(t *testing.T, field string, v any) int64 {
	t.Helper()
	switch n := v.(type) {
	case json.Number:
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err == nil {
			return i
		}
	case float64:
		if n == float64(int64(n)) {
			return int64(n)
		}
	}
	t.Fatalf("%s = %#v, want an integer", field, v)
	return 0
}

// ---- group calls ----------------------------------------------------------

func gmGid(gid int64) string { return strconv.FormatInt(gid, 10) }

// gmCreateGroup creates a group through POST /v1/groups/ and returns its gid.
func (f *fixture) gmCreateGroup(t *testing.T, owner string, members ...string) int64 {
	t.Helper()
	if members == nil {
		members = []string{}
	}
	r := f.do(t, "POST", "/v1/groups/", map[string]any{"owner_username": owner, "name": "group of " + owner, "members_username": members})
	wantStatus(t, r, http.StatusCreated)
	var g map[string]any
	gmDecode(t, r, &g)
	return gmInt(t, "gid", g["gid"])
}

// gmGroup is GET /v1/groups/{gid}, which must succeed.
func (f *fixture) gmGroup(t *testing.T, gid int64) map[string]any {
	t.Helper()
	r := f.do(t, "GET", "/v1/groups/"+gmGid(gid), nil)
	wantStatus(t, r, http.StatusOK)
	var g map[string]any
	gmDecode(t, r, &g)
	return g
}

// gmMembers is GET /v1/groups/{gid}/members/, which must succeed.
func (f *fixture) gmMembers(t *testing.T, gid int64) []map[string]any {
	t.Helper()
	r := f.do(t, "GET", "/v1/groups/"+gmGid(gid)+"/members/", nil)
	wantStatus(t, r, http.StatusOK)
	return userArray(t, r)
}

func (f *fixture) gmMemberNames(t *testing.T, gid int64) []string {
	t.Helper()
	return namesOf(f.gmMembers(t, gid))
}

// gmOwnerOf returns the member whose flag is 1; there must be exactly one.
func gmOwnerOf(t *testing.T, members []map[string]any) string {
	t.Helper()
	var owners []string
	for _, m := range members {
		switch m["flag"] {
		case float64(1):
			owners = append(owners, str(m["username"]))
		case float64(0):
		default:
			t.Errorf("member %v: flag = %#v, want 0 or 1", m["username"], m["flag"])
		}
	}
	if len(owners) != 1 {
		t.Fatalf("members with flag 1 = %q, want exactly one owner", owners)
	}
	return owners[0]
}

// gmGroupList is the GET /v1/groups/ response.
type gmGroupList struct {
	Total  int              `json:"total"`
	Start  int              `json:"start"`
	Count  int              `json:"count"`
	Groups []map[string]any `json:"groups"`
}

func (f *fixture) gmGroupTotal(t *testing.T) int {
	t.Helper()
	r := f.do(t, "GET", "/v1/groups/?start=0&count=500", nil)
	wantStatus(t, r, http.StatusOK)
	var l gmGroupList
	r.JSON(t, &l)
	return l.Total
}

// gmUserGroups is GET /v1/users/{name}/groups/ as gids.
func (f *fixture) gmUserGroups(t *testing.T, name string) []int64 {
	t.Helper()
	r := f.do(t, "GET", "/v1/users/"+name+"/groups/", nil)
	wantStatus(t, r, http.StatusOK)
	if strings.TrimSpace(string(r.Body)) == "null" {
		t.Fatalf("user groups: want a JSON array, got null")
	}
	var gs []map[string]any
	gmDecode(t, r, &gs)
	out := []int64{}
	for _, g := range gs {
		out = append(out, gmInt(t, "gid", g["gid"]))
	}
	slices.Sort(out)
	return out
}

func gmIDs(ids ...int64) []int64 {
	out := append([]int64{}, ids...)
	slices.Sort(out)
	return out
}

// gmCheckGroupObject checks the seed's group object fields.
func (f *fixture) gmCheckGroupObject(t *testing.T, what string, g map[string]any, gid int64, name, desc string, maxMembers int64) {
	t.Helper()
	if got := gmInt(t, what+" gid", g["gid"]); got != gid {
		t.Errorf("%s gid = %d, want %d", what, got, gid)
	}
	if g["name"] != name {
		t.Errorf("%s name = %#v, want %q", what, g["name"], name)
	}
	if g["desc"] != desc {
		t.Errorf("%s desc = %#v, want %q", what, g["desc"], desc)
	}
	if g["appkey"] != f.app.Key {
		t.Errorf("%s appkey = %#v, want %q", what, g["appkey"], f.app.Key)
	}
	if got := gmInt(t, what+" MaxMemberCount", g["MaxMemberCount"]); got != maxMembers {
		t.Errorf("%s MaxMemberCount = %d, want %d", what, got, maxMembers)
	}
	checkTime(t, what+" ctime", g["ctime"])
	checkTime(t, what+" mtime", g["mtime"])
}

// ---- tests ----------------------------------------------------------------

// 创建群组: POST /v1/groups/.
func TestConformanceGroupCreate(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "tommy", "eddie", "annie", "xavier")

		// The seed's example request.
		r := f.do(t, "POST", "/v1/groups/", map[string]any{
			"owner_username":   "tommy",
			"name":             "群聊天室",
			"members_username": []string{"eddie", "annie"},
			"flag":             1,
			"desc":             "运动",
		})
		wantStatus(t, r, http.StatusCreated)
		var g map[string]any
		gmDecode(t, r, &g)
		gid := gmInt(t, "gid", g["gid"])
		if gid <= 0 {
			t.Errorf("gid = %d, want a positive id", gid)
		}
		if g["owner_username"] != "tommy" {
			t.Errorf("owner_username = %#v, want \"tom\"", g["owner_username"])
		}
		ms, ok := g["members_username"].([]any)
		if !ok {
			t.Fatalf("members_username = %#v, want an array", g["members_username"])
		}
		var mnames []string
		for _, m := range ms {
			mnames = append(mnames, str(m))
		}
		wantNames(t, "members_username (owner not included)", sorted(mnames...), "annie", "eddie")
		if gmInt(t, "flag", g["flag"]) != 1 {
			t.Errorf("flag = %v, want 1", g["flag"])
		}
		f.gmCheckGroupObject(t, "create response", g, gid, "群聊天室", "运动", 500)
		wantNames(t, "members", f.gmMemberNames(t, gid), "annie", "eddie", "tommy")

		// The path without the trailing slash; flag defaults to 1; no members.
		r = f.do(t, "POST", "/v1/groups", map[string]any{"owner_username": "xavier", "name": "solo"})
		wantStatus(t, r, http.StatusCreated)
		gmDecode(t, r, &g)
		solo := gmInt(t, "gid", g["gid"])
		if gmInt(t, "flag", g["flag"]) != 1 {
			t.Errorf("default flag = %v, want 1", g["flag"])
		}
		if ms, ok := g["members_username"].([]any); !ok || len(ms) != 0 {
			t.Errorf("members_username of a group without members = %#v, want []", g["members_username"])
		}
		if solo == gid {
			t.Fatalf("two groups got the same gid %d", gid)
		}
		wantNames(t, "members of solo", f.gmMemberNames(t, solo), "xavier")

		// Public groups, Emoji, and the byte limits at their edge: name 64
		// bytes, desc 250 bytes (multi-byte characters count as bytes).
		name64 := strings.Repeat("群", 21) + "x"  // 63 + 1 bytes
		desc250 := strings.Repeat("运", 83) + "x" // 249 + 1 bytes
		r = f.do(t, "POST", "/v1/groups/", map[string]any{"owner_username": "tommy", "name": name64, "desc": desc250, "flag": 2})
		wantStatus(t, r, http.StatusCreated)
		gmDecode(t, r, &g)
		pub := gmInt(t, "gid", g["gid"])
		if gmInt(t, "flag", g["flag"]) != 2 {
			t.Errorf("flag = %v, want 2", g["flag"])
		}
		got := f.gmGroup(t, pub)
		if got["name"] != name64 || got["desc"] != desc250 {
			t.Errorf("group = %v, want the 64-byte name and 250-byte desc", got)
		}
		r = f.do(t, "POST", "/v1/groups/", map[string]any{"owner_username": "tommy", "name": "派对 🎉", "desc": "🏃"})
		wantStatus(t, r, http.StatusCreated)
		gmDecode(t, r, &g)
		if g["name"] != "派对 🎉" || g["desc"] != "🏃" {
			t.Errorf("emoji group = %v", g)
		}
		created := 4
		if n := f.gmGroupTotal(t); n != created {
			t.Fatalf("group total = %d, want %d", n, created)
		}

		bad := []struct {
			name         string
			body         any
			status, code int
		}{
			{"no owner", map[string]any{"name": "g"}, http.StatusBadRequest, codeBadParam},
			{"empty owner", map[string]any{"owner_username": "", "name": "g"}, http.StatusBadRequest, codeBadParam},
			{"unknown owner", map[string]any{"owner_username": "ghost", "name": "g"}, http.StatusNotFound, codeUserNotFound},
			{"no name", map[string]any{"owner_username": "tommy"}, http.StatusBadRequest, codeBadParam},
			{"empty name", map[string]any{"owner_username": "tommy", "name": ""}, http.StatusBadRequest, codeBadParam},
			{"name 65 bytes", map[string]any{"owner_username": "tommy", "name": bytesOf(65)}, http.StatusBadRequest, codeBadParam},
			{"name 66 bytes multi-byte", map[string]any{"owner_username": "tommy", "name": strings.Repeat("群", 22)}, http.StatusBadRequest, codeBadParam},
			{"name with newline", map[string]any{"owner_username": "tommy", "name": "a\nb"}, http.StatusBadRequest, codeBadParam},
			{"name with carriage return", map[string]any{"owner_username": "tommy", "name": "a\rb"}, http.StatusBadRequest, codeBadParam},
			{"desc 251 bytes", map[string]any{"owner_username": "tommy", "name": "g", "desc": bytesOf(251)}, http.StatusBadRequest, codeBadParam},
			{"flag 3", map[string]any{"owner_username": "tommy", "name": "g", "flag": 3}, http.StatusBadRequest, codeBadParam},
			{"flag -1", map[string]any{"owner_username": "tommy", "name": "g", "flag": -1}, http.StatusBadRequest, codeBadParam},
			{"members not an array", map[string]any{"owner_username": "tommy", "name": "g", "members_username": "eddie"}, http.StatusBadRequest, codeBadParam},
			{"unknown member", map[string]any{"owner_username": "tommy", "name": "g", "members_username": []string{"eddie", "ghost"}}, http.StatusNotFound, codeUserNotFound},
			{"array body", []string{"tommy"}, http.StatusBadRequest, codeBadParam},
			{"not JSON", "{owner_username", http.StatusBadRequest, codeBadParam},
		}
		for _, c := range bad {
			t.Run(c.name, func(t *testing.T) {
				wantError(t, f.do(t, "POST", "/v1/groups/", c.body), c.status, c.code)
			})
		}
		if n := f.gmGroupTotal(t); n != created {
			t.Fatalf("group total after refused creates = %d, want %d", n, created)
		}
		if gs := f.gmUserGroups(t, "eddie"); !slices.Equal(gs, []int64{gid}) {
			t.Fatalf("eddie's groups = %v, want [%d]", gs, gid)
		}

		// Users of another app are unknown here.
		o := f.otherApp(t)
		o.register(t, "foreign")
		wantError(t, f.do(t, "POST", "/v1/groups/", map[string]any{"owner_username": "foreign", "name": "g"}), http.StatusNotFound, codeUserNotFound)
		wantError(t, f.do(t, "POST", "/v1/groups/", map[string]any{"owner_username": "tommy", "name": "g", "members_username": []string{"foreign"}}), http.StatusNotFound, codeUserNotFound)
		if n := f.gmGroupTotal(t); n != created {
			t.Fatalf("group total = %d, want %d", n, created)
		}
		if n := o.gmGroupTotal(t); n != 0 {
			t.Fatalf("the other app has %d groups, want 0", n)
		}
	})
}

// MaxMemberCount is the app's groupMembers limit, owner included.
func TestConformanceGroupCapacity(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, withLimits("groupMembers", 3))
		f.register(t, "tommy", "memb1", "memb2", "memb3")

		// owner + 3 members is 4 > 3: refused, nothing created.
		r := f.do(t, "POST", "/v1/groups/", map[string]any{"owner_username": "tommy", "name": "g", "members_username": []string{"memb1", "memb2", "memb3"}})
		wantError(t, r, http.StatusForbidden, gmCodeGroupFull)
		if n := f.gmGroupTotal(t); n != 0 {
			t.Fatalf("group total after refused create = %d, want 0", n)
		}
		if gs := f.gmUserGroups(t, "tommy"); len(gs) != 0 {
			t.Fatalf("tom's groups after refused create = %v, want none", gs)
		}

		// owner + 2 members is exactly 3.
		r = f.do(t, "POST", "/v1/groups/", map[string]any{"owner_username": "tommy", "name": "g", "members_username": []string{"memb1", "memb2"}})
		wantStatus(t, r, http.StatusCreated)
		var g map[string]any
		gmDecode(t, r, &g)
		gid := gmInt(t, "gid", g["gid"])
		if got := gmInt(t, "MaxMemberCount", g["MaxMemberCount"]); got != 3 {
			t.Errorf("MaxMemberCount = %d, want the app limit 3", got)
		}
		if got := gmInt(t, "MaxMemberCount", f.gmGroup(t, gid)["MaxMemberCount"]); got != 3 {
			t.Errorf("GET MaxMemberCount = %d, want 3", got)
		}

		// The group is full.
		wantError(t, f.do(t, "POST", "/v1/groups/"+gmGid(gid)+"/members", map[string]any{"add": []string{"memb3"}}), http.StatusForbidden, gmCodeGroupFull)
		wantError(t, f.do(t, "POST", "/v2/groups/"+gmGid(gid)+"/addMembers", []string{"memb3"}), http.StatusForbidden, gmCodeGroupFull)
		wantNames(t, "members of the full group", f.gmMemberNames(t, gid), "memb1", "memb2", "tommy")

		// Removing and adding in one call keeps the count: allowed.
		wantStatus(t, f.do(t, "POST", "/v1/groups/"+gmGid(gid)+"/members", map[string]any{"add": []string{"memb3"}, "remove": []string{"memb1"}}), http.StatusNoContent)
		wantNames(t, "members after swap", f.gmMemberNames(t, gid), "memb2", "memb3", "tommy")
		wantStatus(t, f.do(t, "POST", "/v2/groups/"+gmGid(gid)+"/delMembers", []string{"memb2"}), http.StatusNoContent)
		wantStatus(t, f.do(t, "POST", "/v2/groups/"+gmGid(gid)+"/addMembers", []string{"memb1"}), http.StatusNoContent)
		wantNames(t, "members", f.gmMemberNames(t, gid), "memb1", "memb3", "tommy")
	})
}

// 获取群组详情: GET /v1/groups/{gid}.
func TestConformanceGroupGet(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "tommy", "eddie")
		r := f.do(t, "POST", "/v1/groups/", map[string]any{"owner_username": "tommy", "name": "jpush", "desc": "push", "members_username": []string{"eddie"}, "flag": 2})
		wantStatus(t, r, http.StatusCreated)
		var created map[string]any
		gmDecode(t, r, &created)
		gid := gmInt(t, "gid", created["gid"])

		g := f.gmGroup(t, gid)
		f.gmCheckGroupObject(t, "group", g, gid, "jpush", "push", 500)
		if g["owner_username"] != "tommy" {
			t.Errorf("owner_username = %#v, want \"tom\"", g["owner_username"])
		}
		if gmInt(t, "flag", g["flag"]) != 2 {
			t.Errorf("flag = %v, want 2", g["flag"])
		}
		if g["ctime"] != created["ctime"] {
			t.Errorf("ctime = %v, create said %v", g["ctime"], created["ctime"])
		}

		wantError(t, f.do(t, "GET", "/v1/groups/987654321", nil), http.StatusNotFound, gmCodeGroupNotFound)
		wantError(t, f.do(t, "GET", "/v1/groups/abc", nil), http.StatusBadRequest, codeBadParam)
		wantError(t, f.do(t, "GET", "/v1/groups/12x", nil), http.StatusBadRequest, codeBadParam)

		// Another app cannot see the group.
		o := f.otherApp(t)
		wantError(t, o.do(t, "GET", "/v1/groups/"+gmGid(gid), nil), http.StatusNotFound, gmCodeGroupNotFound)
	})
}

// 更新群组信息: PUT /v1/groups/{gid} updates only the keys given.
func TestConformanceGroupUpdate(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		clock := testutil.NewClock(time.Now().UTC().Truncate(time.Second))
		f := newGMFixture(t, b, nil, core.WithClock(clock.Now))
		f.register(t, "tommy")
		r := f.do(t, "POST", "/v1/groups/", map[string]any{"owner_username": "tommy", "name": "before", "desc": "d0"})
		wantStatus(t, r, http.StatusCreated)
		var created map[string]any
		gmDecode(t, r, &created)
		gid := gmInt(t, "gid", created["gid"])
		path := "/v1/groups/" + gmGid(gid)

		clock.Advance(time.Hour)
		wantStatus(t, f.do(t, "PUT", path, map[string]any{"name": "after"}), http.StatusNoContent)
		g := f.gmGroup(t, gid)
		if g["name"] != "after" || g["desc"] != "d0" {
			t.Fatalf("after name update: name %v desc %v, want after/d0", g["name"], g["desc"])
		}
		if g["ctime"] != created["ctime"] {
			t.Errorf("ctime changed on update: %v → %v", created["ctime"], g["ctime"])
		}
		if g["mtime"] == created["mtime"] {
			t.Errorf("mtime = %v did not change on update an hour later", g["mtime"])
		}

		wantStatus(t, f.do(t, "PUT", path, map[string]any{"desc": "新的描述"}), http.StatusNoContent)
		g = f.gmGroup(t, gid)
		if g["name"] != "after" || g["desc"] != "新的描述" {
			t.Fatalf("after desc update: name %v desc %v", g["name"], g["desc"])
		}
		wantStatus(t, f.do(t, "PUT", path, map[string]any{"avatar": "qiniu/image/CE0ACD035CBF71F8"}), http.StatusNoContent)
		if g := f.gmGroup(t, gid); g["name"] != "after" || g["desc"] != "新的描述" {
			t.Fatalf("avatar update changed name/desc: %v", g)
		} else if av, ok := g["avatar"]; ok && av != "qiniu/image/CE0ACD035CBF71F8" {
			t.Errorf("avatar = %#v after update, want the media id", av)
		}
		wantStatus(t, f.do(t, "PUT", path, map[string]any{"name": "both", "desc": ""}), http.StatusNoContent)
		g = f.gmGroup(t, gid)
		if g["name"] != "both" || g["desc"] != "" {
			t.Fatalf("after update of both: name %v desc %v", g["name"], g["desc"])
		}

		for _, c := range []struct {
			name string
			body any
		}{
			{"empty name", map[string]any{"name": ""}},
			{"name 65 bytes", map[string]any{"name": bytesOf(65)}},
			{"name with newline", map[string]any{"name": "x\ny"}},
			{"desc 251 bytes", map[string]any{"desc": bytesOf(251)}},
			{"good desc, bad name", map[string]any{"desc": "changed", "name": ""}},
			{"array body", []string{"x"}},
			{"not JSON", "{"},
		} {
			t.Run(c.name, func(t *testing.T) {
				wantError(t, f.do(t, "PUT", path, c.body), http.StatusBadRequest, codeBadParam)
			})
		}
		g = f.gmGroup(t, gid)
		if g["name"] != "both" || g["desc"] != "" {
			t.Fatalf("refused updates changed the group: name %v desc %v", g["name"], g["desc"])
		}

		wantError(t, f.do(t, "PUT", "/v1/groups/987654321", map[string]any{"name": "x"}), http.StatusNotFound, gmCodeGroupNotFound)
		wantError(t, f.do(t, "PUT", "/v1/groups/abc", map[string]any{"name": "x"}), http.StatusBadRequest, codeBadParam)
		o := f.otherApp(t)
		wantError(t, o.do(t, "PUT", path, map[string]any{"name": "hijack"}), http.StatusNotFound, gmCodeGroupNotFound)
		if g := f.gmGroup(t, gid); g["name"] != "both" {
			t.Fatalf("another app renamed the group to %v", g["name"])
		}
	})
}

// 删除群组: DELETE /v1/groups/{gid}; every member hears the group dissolve.
func TestConformanceGroupDelete(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "tommy", "eddie", "annie", "other")
		ev := f.gmRecord(t)
		gid := f.gmCreateGroup(t, "tommy", "eddie", "annie")
		keep := f.gmCreateGroup(t, "eddie", "tommy")

		// Another app cannot delete it.
		o := f.otherApp(t)
		wantError(t, o.do(t, "DELETE", "/v1/groups/"+gmGid(gid), nil), http.StatusNotFound, gmCodeGroupNotFound)
		f.gmGroup(t, gid)

		// A member who shields the group's messages still hears it dissolve.
		wantStatus(t, f.do(t, "POST", "/v1/users/annie/groupsShield", map[string]any{"add": []int64{gid}}), http.StatusNoContent)
		wantStatus(t, f.do(t, "DELETE", "/v1/groups/"+gmGid(gid), nil), http.StatusNoContent)
		e := ev.last(t, core.EventGroupDissolved, 1)
		f.gmCheckGroupEvent(t, e, gid, nil, []string{"tommy", "eddie", "annie"}, "tommy", "eddie", "annie", "other")

		wantError(t, f.do(t, "GET", "/v1/groups/"+gmGid(gid), nil), http.StatusNotFound, gmCodeGroupNotFound)
		wantError(t, f.do(t, "GET", "/v1/groups/"+gmGid(gid)+"/members/", nil), http.StatusNotFound, gmCodeGroupNotFound)
		wantError(t, f.do(t, "DELETE", "/v1/groups/"+gmGid(gid), nil), http.StatusNotFound, gmCodeGroupNotFound)
		wantError(t, f.do(t, "POST", "/v2/groups/"+gmGid(gid)+"/addMembers", []string{"other"}), http.StatusNotFound, gmCodeGroupNotFound)
		if gs := f.gmUserGroups(t, "annie"); len(gs) != 0 {
			t.Errorf("annie's groups after delete = %v, want none", gs)
		}
		if gs := f.gmUserGroups(t, "tommy"); !slices.Equal(gs, []int64{keep}) {
			t.Errorf("tom's groups after delete = %v, want [%d]", gs, keep)
		}
		if n := f.gmGroupTotal(t); n != 1 {
			t.Errorf("group total after delete = %d, want 1", n)
		}
		if n := len(ev.of(core.EventGroupDissolved)); n != 1 {
			t.Errorf("%d dissolve events, want 1", n)
		}

		wantError(t, f.do(t, "DELETE", "/v1/groups/987654321", nil), http.StatusNotFound, gmCodeGroupNotFound)
		wantError(t, f.do(t, "DELETE", "/v1/groups/abc", nil), http.StatusBadRequest, codeBadParam)
	})
}

// 更新群组成员: POST /v1/groups/{gid}/members {"add","remove"}.
func TestConformanceGroupMembersV1(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		all := []string{"tommy", "test1", "test2", "test3", "test4", "test5"}
		f.register(t, all...)
		ev := f.gmRecord(t)
		gid := f.gmCreateGroup(t, "tommy")
		path := "/v1/groups/" + gmGid(gid) + "/members"

		wantStatus(t, f.do(t, "POST", path, map[string]any{"add": []string{"test1", "test2"}}), http.StatusNoContent)
		wantNames(t, "members", f.gmMemberNames(t, gid), "test1", "test2", "tommy")
		e := ev.last(t, core.EventMembersAdded, 1)
		f.gmCheckGroupEvent(t, e, gid, []string{"test1", "test2"}, []string{"tommy", "test1", "test2"}, all...)

		wantStatus(t, f.do(t, "POST", path, map[string]any{"add": []string{"test3", "test4"}}), http.StatusNoContent)
		ev.last(t, core.EventMembersAdded, 2)
		wantStatus(t, f.do(t, "POST", path, map[string]any{"remove": []string{"test1"}}), http.StatusNoContent)
		wantNames(t, "members", f.gmMemberNames(t, gid), "test2", "test3", "test4", "tommy")
		if gs := f.gmUserGroups(t, "test1"); len(gs) != 0 {
			t.Errorf("removed test1's groups = %v, want none", gs)
		}
		if gs := f.gmUserGroups(t, "test2"); !slices.Equal(gs, []int64{gid}) {
			t.Errorf("test2's groups = %v, want [%d]", gs, gid)
		}
		e = ev.last(t, core.EventMembersRemoved, 1)
		f.gmCheckGroupEvent(t, e, gid, []string{"test1"}, []string{"tommy", "test2", "test3", "test4", "test1"}, all...)

		// The seed's example: add and remove together.
		wantStatus(t, f.do(t, "POST", path, map[string]any{"add": []string{"test1", "test5"}, "remove": []string{"test3", "test4"}}), http.StatusNoContent)
		wantNames(t, "members", f.gmMemberNames(t, gid), "test1", "test2", "test5", "tommy")
		wantNames(t, "added", sorted(ev.last(t, core.EventMembersAdded, 3).Members...), "test1", "test5")
		wantNames(t, "removed", sorted(ev.last(t, core.EventMembersRemoved, 2).Members...), "test3", "test4")
		// Now test3 and test4 are out; members are tom, test1, test2, test5.

		addedBefore, removedBefore := len(ev.of(core.EventMembersAdded)), len(ev.of(core.EventMembersRemoved))
		bad := []struct {
			name         string
			body         any
			status, code int
		}{
			{"neither add nor remove", map[string]any{}, http.StatusBadRequest, codeBadParam},
			{"empty add and remove", map[string]any{"add": []string{}, "remove": []string{}}, http.StatusBadRequest, codeBadParam},
			{"add not an array", map[string]any{"add": "test3"}, http.StatusBadRequest, codeBadParam},
			{"array body", []string{"test3"}, http.StatusBadRequest, codeBadParam},
			{"not JSON", "{", http.StatusBadRequest, codeBadParam},
			{"add a member", map[string]any{"add": []string{"test3", "test2"}}, http.StatusForbidden, gmCodeAlreadyMember},
			{"add the owner", map[string]any{"add": []string{"tommy"}}, http.StatusForbidden, gmCodeAlreadyMember},
			{"remove a non-member", map[string]any{"remove": []string{"test1", "test4"}}, http.StatusForbidden, gmCodeNotMember},
			{"add ok, remove a non-member", map[string]any{"add": []string{"test3"}, "remove": []string{"test4"}}, http.StatusForbidden, gmCodeNotMember},
			{"remove the owner", map[string]any{"remove": []string{"tommy"}}, http.StatusBadRequest, codeBadParam},
			{"add an unknown user", map[string]any{"add": []string{"test3", "ghost"}}, http.StatusNotFound, codeUserNotFound},
			{"remove an unknown user", map[string]any{"remove": []string{"test1", "ghost"}}, http.StatusNotFound, codeUserNotFound},
			{"add an invalid username", map[string]any{"add": []string{"test3", "_bad"}}, http.StatusBadRequest, codeBadParam},
		}
		for _, c := range bad {
			t.Run(c.name, func(t *testing.T) {
				wantError(t, f.do(t, "POST", path, c.body), c.status, c.code)
			})
		}
		// Any failure writes nothing and announces nothing.
		wantNames(t, "members after refused calls", f.gmMemberNames(t, gid), "test1", "test2", "test5", "tommy")
		if a, r := len(ev.of(core.EventMembersAdded)), len(ev.of(core.EventMembersRemoved)); a != addedBefore || r != removedBefore {
			t.Errorf("refused calls published events: added %d→%d, removed %d→%d", addedBefore, a, removedBefore, r)
		}

		wantError(t, f.do(t, "POST", "/v1/groups/987654321/members", map[string]any{"add": []string{"test3"}}), http.StatusNotFound, gmCodeGroupNotFound)
		wantError(t, f.do(t, "POST", "/v1/groups/abc/members", map[string]any{"add": []string{"test3"}}), http.StatusBadRequest, codeBadParam)

		// Another app: its users are unknown here, and it cannot reach the group.
		o := f.otherApp(t)
		o.register(t, "foreign", "test3")
		wantError(t, f.do(t, "POST", path, map[string]any{"add": []string{"foreign"}}), http.StatusNotFound, codeUserNotFound)
		wantError(t, o.do(t, "POST", path, map[string]any{"add": []string{"test3"}}), http.StatusNotFound, gmCodeGroupNotFound)
		wantNames(t, "members", f.gmMemberNames(t, gid), "test1", "test2", "test5", "tommy")
	})
}

// 添加/删除群组成员 V2: POST /v2/groups/{gid}/addMembers and /delMembers.
func TestConformanceGroupMembersV2(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		all := []string{"tommy", "test1", "test2", "test3", "test4"}
		f.register(t, all...)
		ev := f.gmRecord(t)
		gid := f.gmCreateGroup(t, "tommy")
		add, del := "/v2/groups/"+gmGid(gid)+"/addMembers", "/v2/groups/"+gmGid(gid)+"/delMembers"

		wantStatus(t, f.do(t, "POST", add, []string{"test1", "test2"}), http.StatusNoContent)
		wantNames(t, "members", f.gmMemberNames(t, gid), "test1", "test2", "tommy")
		f.gmCheckGroupEvent(t, ev.last(t, core.EventMembersAdded, 1), gid, []string{"test1", "test2"}, []string{"tommy", "test1", "test2"}, all...)
		wantStatus(t, f.do(t, "POST", add, []string{"test3"}), http.StatusNoContent)
		f.gmCheckGroupEvent(t, ev.last(t, core.EventMembersAdded, 2), gid, []string{"test3"}, []string{"tommy", "test1", "test2", "test3"}, all...)

		wantStatus(t, f.do(t, "POST", del, []string{"test1", "test2"}), http.StatusNoContent)
		wantNames(t, "members", f.gmMemberNames(t, gid), "test3", "tommy")
		f.gmCheckGroupEvent(t, ev.last(t, core.EventMembersRemoved, 1), gid, []string{"test1", "test2"}, []string{"tommy", "test3", "test1", "test2"}, all...)

		addedBefore, removedBefore := len(ev.of(core.EventMembersAdded)), len(ev.of(core.EventMembersRemoved))
		for _, c := range []struct {
			name         string
			path         string
			body         any
			status, code int
		}{
			{"add empty", add, []string{}, http.StatusBadRequest, codeBadParam},
			{"del empty", del, []string{}, http.StatusBadRequest, codeBadParam},
			{"add object", add, map[string]any{"add": []string{"test1"}}, http.StatusBadRequest, codeBadParam},
			{"del object", del, map[string]any{"remove": []string{"test3"}}, http.StatusBadRequest, codeBadParam},
			{"add not JSON", add, "[", http.StatusBadRequest, codeBadParam},
			{"add a member", add, []string{"test1", "test3"}, http.StatusForbidden, gmCodeAlreadyMember},
			{"add the owner", add, []string{"tommy"}, http.StatusForbidden, gmCodeAlreadyMember},
			{"del a non-member", del, []string{"test3", "test1"}, http.StatusForbidden, gmCodeNotMember},
			{"del the owner", del, []string{"tommy"}, http.StatusBadRequest, codeBadParam},
			{"add an unknown user", add, []string{"test1", "ghost"}, http.StatusNotFound, codeUserNotFound},
			{"del an unknown user", del, []string{"test3", "ghost"}, http.StatusNotFound, codeUserNotFound},
			{"add an invalid username", add, []string{"test1", "_bad"}, http.StatusBadRequest, codeBadParam},
		} {
			t.Run(c.name, func(t *testing.T) {
				wantError(t, f.do(t, "POST", c.path, c.body), c.status, c.code)
			})
		}
		wantNames(t, "members after refused calls", f.gmMemberNames(t, gid), "test3", "tommy")
		if a, r := len(ev.of(core.EventMembersAdded)), len(ev.of(core.EventMembersRemoved)); a != addedBefore || r != removedBefore {
			t.Errorf("refused calls published events: added %d→%d, removed %d→%d", addedBefore, a, removedBefore, r)
		}
		wantError(t, f.do(t, "POST", "/v2/groups/987654321/addMembers", []string{"test1"}), http.StatusNotFound, gmCodeGroupNotFound)
		wantError(t, f.do(t, "POST", "/v2/groups/987654321/delMembers", []string{"test3"}), http.StatusNotFound, gmCodeGroupNotFound)
		wantError(t, f.do(t, "POST", "/v2/groups/abc/addMembers", []string{"test1"}), http.StatusBadRequest, codeBadParam)
		o := f.otherApp(t)
		o.register(t, "test1")
		wantError(t, o.do(t, "POST", add, []string{"test1"}), http.StatusNotFound, gmCodeGroupNotFound)
		wantError(t, o.do(t, "POST", del, []string{"test3"}), http.StatusNotFound, gmCodeGroupNotFound)
		wantNames(t, "members", f.gmMemberNames(t, gid), "test3", "tommy")
	})
}

// 获取群组成员列表: GET /v1/groups/{gid}/members/; flag 1 marks the owner.
func TestConformanceGroupMembersList(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.registerUsers(t, user("javen", "nickname", "hello", "signature", "orz", "region", "shenzhen"), user("tommy"), user("eddie"))
		gid := f.gmCreateGroup(t, "tommy", "javen", "eddie")

		for _, p := range []string{"/v1/groups/" + gmGid(gid) + "/members/", "/v1/groups/" + gmGid(gid) + "/members"} {
			r := f.do(t, "GET", p, nil)
			wantStatus(t, r, http.StatusOK)
			ms := userArray(t, r)
			wantNames(t, "members", namesOf(ms), "eddie", "javen", "tommy")
			if o := gmOwnerOf(t, ms); o != "tommy" {
				t.Errorf("owner by flag = %q, want tom", o)
			}
			j := byName(ms, "javen")
			if j["nickname"] != "hello" || j["signature"] != "orz" || j["region"] != "shenzhen" {
				t.Errorf("member javen = %v, want the user object with its profile", j)
			}
			for _, m := range ms {
				if m["appkey"] != f.app.Key {
					t.Errorf("member %v appkey = %#v, want %q", m["username"], m["appkey"], f.app.Key)
				}
				if _, ok := m["password"]; ok {
					t.Errorf("member %v exposes the password", m["username"])
				}
			}
		}
		solo := f.gmCreateGroup(t, "eddie")
		ms := f.gmMembers(t, solo)
		wantNames(t, "members of a group without members", namesOf(ms), "eddie")
		if gmOwnerOf(t, ms) != "eddie" {
			t.Errorf("solo owner is not eddie")
		}

		wantError(t, f.do(t, "GET", "/v1/groups/987654321/members/", nil), http.StatusNotFound, gmCodeGroupNotFound)
		wantError(t, f.do(t, "GET", "/v1/groups/abc/members/", nil), http.StatusBadRequest, codeBadParam)
		wantError(t, f.otherApp(t).do(t, "GET", "/v1/groups/"+gmGid(gid)+"/members/", nil), http.StatusNotFound, gmCodeGroupNotFound)
	})
}

// 获取某用户的群组列表: GET /v1/users/{username}/groups/.
func TestConformanceGroupsOfUser(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "tommy", "eddie", "annie", "loner")
		g1 := f.gmCreateGroup(t, "tommy", "eddie")
		g2 := f.gmCreateGroup(t, "eddie", "annie")
		// Another app with the same usernames and its own groups.
		o := f.otherApp(t)
		o.register(t, "tommy", "eddie")
		og := o.gmCreateGroup(t, "tommy", "eddie")

		if got, want := f.gmUserGroups(t, "tommy"), gmIDs(g1); !slices.Equal(got, want) {
			t.Errorf("tom's groups = %v, want %v", got, want)
		}
		if got, want := f.gmUserGroups(t, "eddie"), gmIDs(g1, g2); !slices.Equal(got, want) {
			t.Errorf("eddie's groups (owner of one, member of another) = %v, want %v", got, want)
		}
		if got := f.gmUserGroups(t, "loner"); len(got) != 0 {
			t.Errorf("loner's groups = %v, want []", got)
		}
		if got, want := o.gmUserGroups(t, "eddie"), gmIDs(og); !slices.Equal(got, want) {
			t.Errorf("the other app's eddie's groups = %v, want %v", got, want)
		}

		r := f.do(t, "GET", "/v1/users/annie/groups/", nil)
		wantStatus(t, r, http.StatusOK)
		var gs []map[string]any
		gmDecode(t, r, &gs)
		if len(gs) != 1 {
			t.Fatalf("annie's groups = %s, want one", r.Body)
		}
		f.gmCheckGroupObject(t, "annie's group", gs[0], g2, "group of eddie", "", 500)

		wantStatus(t, f.do(t, "GET", "/v1/users/annie/groups", nil), http.StatusOK)
		wantError(t, f.do(t, "GET", "/v1/users/ghost/groups/", nil), http.StatusNotFound, codeUserNotFound)
		wantError(t, f.do(t, "GET", "/v1/users/_bad/groups/", nil), http.StatusBadRequest, codeBadParam)
	})
}

// 获取当前应用的群组列表: GET /v1/groups/?start=&count=.
func TestConformanceGroupList(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "tommy")
		want := gmIDs(f.gmCreateGroup(t, "tommy"), f.gmCreateGroup(t, "tommy"), f.gmCreateGroup(t, "tommy"))
		o := f.otherApp(t)
		o.register(t, "tommy")
		o.gmCreateGroup(t, "tommy")

		var seen []int64
		for _, p := range []struct{ start, count, want int }{{0, 2, 2}, {2, 2, 1}, {3, 5, 0}} {
			r := f.do(t, "GET", fmt.Sprintf("/v1/groups/?start=%d&count=%d", p.start, p.count), nil)
			wantStatus(t, r, http.StatusOK)
			var raw map[string]any
			r.JSON(t, &raw)
			if _, ok := raw["groups"].([]any); !ok {
				t.Fatalf("start=%d count=%d: groups = %#v, want an array", p.start, p.count, raw["groups"])
			}
			var l gmGroupList
			r.JSON(t, &l)
			if l.Total != 3 || l.Start != p.start || l.Count != p.want || len(l.Groups) != p.want {
				t.Errorf("start=%d count=%d: total/start/count/len = %d/%d/%d/%d, want 3/%d/%d/%d",
					p.start, p.count, l.Total, l.Start, l.Count, len(l.Groups), p.start, p.want, p.want)
			}
			for _, g := range l.Groups {
				gid := gmInt(t, "gid", g["gid"])
				seen = append(seen, gid)
				f.gmCheckGroupObject(t, "listed group", g, gid, "group of tommy", "", 500)
			}
		}
		slices.Sort(seen)
		if !slices.Equal(seen, want) {
			t.Errorf("paged gids = %v, want each of %v once", seen, want)
		}
		r := f.do(t, "GET", "/v1/groups?start=0&count=500", nil)
		wantStatus(t, r, http.StatusOK)

		for _, q := range []string{"", "?start=0", "?start=0&count=0", "?start=0&count=501", "?start=0&count=-1", "?start=0&count=abc"} {
			wantError(t, f.do(t, "GET", "/v1/groups/"+q, nil), http.StatusBadRequest, codeBadParam)
		}
	})
}

// 群消息屏蔽: POST /v1/users/{username}/groupsShield.
func TestConformanceGroupsShield(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		all := []string{"tommy", "annie", "eddie"}
		f.register(t, all...)
		ev := f.gmRecord(t)
		g1 := f.gmCreateGroup(t, "tommy", "annie", "eddie")
		g2 := f.gmCreateGroup(t, "tommy", "annie", "eddie")
		o := f.otherApp(t)
		o.register(t, "tommy")
		foreign := o.gmCreateGroup(t, "tommy")
		path := "/v1/users/annie/groupsShield"
		sent := 0
		// recipientsOf sends a group message from tom and returns who gets it.
		recipientsOf := func(gid int64) []string {
			t.Helper()
			f.gmSend(t, gmText("tommy", "group", gid, "hi"))
			sent++
			return gmKeys(f.gmRecipients(t, ev.last(t, core.EventMessage, sent), all...))
		}

		wantNames(t, "g1 recipients", recipientsOf(g1), "annie", "eddie")
		wantStatus(t, f.do(t, "POST", path, map[string]any{"add": []int64{g1}}), http.StatusNoContent)
		wantNames(t, "g1 recipients with annie shielding g1", recipientsOf(g1), "eddie")
		wantNames(t, "g2 recipients with annie shielding g1", recipientsOf(g2), "annie", "eddie")

		// The seed's shape: add and remove together.
		wantStatus(t, f.do(t, "POST", path, map[string]any{"add": []int64{g2}, "remove": []int64{g1}}), http.StatusNoContent)
		wantNames(t, "g1 recipients after unshield", recipientsOf(g1), "annie", "eddie")
		wantNames(t, "g2 recipients after shield", recipientsOf(g2), "eddie")

		// Unknown groups (including another app's) → 899051; nothing written.
		wantError(t, f.do(t, "POST", path, map[string]any{"add": []int64{g1, 987654321}}), http.StatusNotFound, gmCodeShieldNoGroup)
		wantError(t, f.do(t, "POST", path, map[string]any{"add": []int64{foreign}}), http.StatusNotFound, gmCodeShieldNoGroup)
		wantError(t, f.do(t, "POST", path, map[string]any{"remove": []int64{g2, foreign}}), http.StatusNotFound, gmCodeShieldNoGroup)
		wantNames(t, "g1 recipients after refused shield", recipientsOf(g1), "annie", "eddie")
		wantNames(t, "g2 recipients after refused unshield", recipientsOf(g2), "eddie")

		for _, body := range []any{map[string]any{}, []int64{g1}, map[string]any{"add": "x"}, "{"} {
			wantError(t, f.do(t, "POST", path, body), http.StatusBadRequest, codeBadParam)
		}
		wantError(t, f.do(t, "POST", "/v1/users/ghost/groupsShield", map[string]any{"add": []int64{g1}}), http.StatusNotFound, codeUserNotFound)
		wantError(t, f.do(t, "POST", "/v1/users/_bad/groupsShield", map[string]any{"add": []int64{g1}}), http.StatusBadRequest, codeBadParam)
		wantNames(t, "g1 recipients", recipientsOf(g1), "annie", "eddie")
	})
}

// 群成员禁言: PUT /groups/messages/{gid}/silence?status=true|false, also
// under /v1. A silenced member cannot send to the group.
func TestConformanceGroupSilence(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "tommy", "annie", "eddie", "outsider")
		gid := f.gmCreateGroup(t, "tommy", "annie", "eddie")
		other := f.gmCreateGroup(t, "tommy", "annie")
		send := func(from string, gid int64) testutil.Response {
			t.Helper()
			return f.do(t, "POST", "/v1/messages", gmText(from, "group", gid, "hello"))
		}
		for _, prefix := range []string{"", "/v1"} {
			t.Run("prefix "+prefix, func(t *testing.T) {
				path := prefix + "/groups/messages/" + gmGid(gid) + "/silence"
				wantStatus(t, f.do(t, "PUT", path+"?status=true", []string{"annie"}), http.StatusNoContent)
				wantError(t, send("annie", gid), http.StatusForbidden, gmCodeNoSendRight)
				wantStatus(t, send("eddie", gid), http.StatusCreated)
				wantStatus(t, send("tommy", gid), http.StatusCreated)
				// Silence is per group.
				wantStatus(t, send("annie", other), http.StatusCreated)
				// Single messages are not affected.
				wantStatus(t, f.do(t, "POST", "/v1/messages", gmText("annie", "single", "eddie", "hi")), http.StatusCreated)

				wantStatus(t, f.do(t, "PUT", path+"?status=false", []string{"annie"}), http.StatusNoContent)
				wantStatus(t, send("annie", gid), http.StatusCreated)

				// A member outside the group, bad status, bad bodies: refused, nothing written.
				wantError(t, f.do(t, "PUT", path+"?status=true", []string{"eddie", "outsider"}), http.StatusForbidden, gmCodeNotMember)
				for _, q := range []string{"", "?status=", "?status=yes", "?status=2"} {
					wantError(t, f.do(t, "PUT", path+q, []string{"eddie"}), http.StatusBadRequest, codeBadParam)
				}
				wantError(t, f.do(t, "PUT", path+"?status=true", map[string]any{"username": "eddie"}), http.StatusBadRequest, codeBadParam)
				wantError(t, f.do(t, "PUT", path+"?status=true", []string{"eddie", "_bad"}), http.StatusBadRequest, codeBadParam)
				wantStatus(t, send("eddie", gid), http.StatusCreated)

				wantError(t, f.do(t, "PUT", prefix+"/groups/messages/987654321/silence?status=true", []string{"eddie"}), http.StatusNotFound, gmCodeGroupNotFound)
				wantError(t, f.do(t, "PUT", prefix+"/groups/messages/abc/silence?status=true", []string{"eddie"}), http.StatusBadRequest, codeBadParam)
				wantError(t, f.otherApp(t).do(t, "PUT", path+"?status=true", []string{"eddie"}), http.StatusNotFound, gmCodeGroupNotFound)
				wantStatus(t, send("eddie", gid), http.StatusCreated)
			})
		}
	})
}

// 移交群主: PUT /groups/owner/{gid}, also under /v1.
func TestConformanceGroupOwnerTransfer(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "tommy", "annie", "eddie", "outsider")
		gid := f.gmCreateGroup(t, "tommy", "annie", "eddie")
		owner := func() string {
			t.Helper()
			o := gmOwnerOf(t, f.gmMembers(t, gid))
			if g := f.gmGroup(t, gid); g["owner_username"] != o {
				t.Errorf("GET group owner_username = %v, members list says %q", g["owner_username"], o)
			}
			return o
		}

		wantStatus(t, f.do(t, "PUT", "/groups/owner/"+gmGid(gid), map[string]any{"username": "annie"}), http.StatusNoContent)
		if o := owner(); o != "annie" {
			t.Fatalf("owner after transfer = %q, want annie", o)
		}
		wantNames(t, "members after transfer", f.gmMemberNames(t, gid), "annie", "eddie", "tommy")
		// The new owner cannot be removed; the old one now can.
		wantError(t, f.do(t, "POST", "/v2/groups/"+gmGid(gid)+"/delMembers", []string{"annie"}), http.StatusBadRequest, codeBadParam)

		wantStatus(t, f.do(t, "PUT", "/v1/groups/owner/"+gmGid(gid), map[string]any{"username": "eddie"}), http.StatusNoContent)
		if o := owner(); o != "eddie" {
			t.Fatalf("owner after second transfer = %q, want eddie", o)
		}
		wantStatus(t, f.do(t, "POST", "/v2/groups/"+gmGid(gid)+"/delMembers", []string{"tommy"}), http.StatusNoContent)
		wantNames(t, "members", f.gmMemberNames(t, gid), "annie", "eddie")

		for _, prefix := range []string{"", "/v1"} {
			path := prefix + "/groups/owner/" + gmGid(gid)
			wantError(t, f.do(t, "PUT", path, map[string]any{"username": "outsider"}), http.StatusForbidden, gmCodeNotMember)
			wantError(t, f.do(t, "PUT", path, map[string]any{"username": "ghost"}), http.StatusNotFound, codeUserNotFound)
			wantError(t, f.do(t, "PUT", path, map[string]any{}), http.StatusBadRequest, codeBadParam)
			wantError(t, f.do(t, "PUT", path, map[string]any{"username": ""}), http.StatusBadRequest, codeBadParam)
			wantError(t, f.do(t, "PUT", path, []string{"annie"}), http.StatusBadRequest, codeBadParam)
			wantError(t, f.do(t, "PUT", path, "{"), http.StatusBadRequest, codeBadParam)
			wantError(t, f.do(t, "PUT", prefix+"/groups/owner/987654321", map[string]any{"username": "annie"}), http.StatusNotFound, gmCodeGroupNotFound)
			wantError(t, f.do(t, "PUT", prefix+"/groups/owner/abc", map[string]any{"username": "annie"}), http.StatusBadRequest, codeBadParam)
		}

		// Cross-app transfer without mutual consent: 899043, nothing changes.
		o := f.otherApp(t)
		o.register(t, "foreign", "annie")
		wantError(t, f.do(t, "PUT", "/groups/owner/"+gmGid(gid), map[string]any{"appkey": o.app.Key, "username": "foreign"}), http.StatusForbidden, gmCodeCrossAppDenied)
		wantError(t, f.do(t, "PUT", "/v1/groups/owner/"+gmGid(gid), map[string]any{"appkey": o.app.Key, "username": "annie"}), http.StatusForbidden, gmCodeCrossAppDenied)
		// Consent is mutual: this app listing the other is not enough.
		r := f.srv.Do(t, "PUT", "/platform/v1/apps/"+f.app.Key, testutil.Bearer(f.srv.Token),
			map[string]any{"masterSecret": f.app.Secret, "features": map[string]any{"crossAppAllowed": []string{o.app.Key}}})
		wantStatus(t, r, http.StatusOK)
		wantError(t, f.do(t, "PUT", "/groups/owner/"+gmGid(gid), map[string]any{"appkey": o.app.Key, "username": "foreign"}), http.StatusForbidden, gmCodeCrossAppDenied)
		// The other app cannot reach the group at all.
		wantError(t, o.do(t, "PUT", "/groups/owner/"+gmGid(gid), map[string]any{"username": "annie"}), http.StatusNotFound, gmCodeGroupNotFound)
		if o := owner(); o != "eddie" {
			t.Fatalf("owner after refused transfers = %q, want eddie", o)
		}
		// Naming its own appkey is the same as naming none.
		wantStatus(t, f.do(t, "PUT", "/groups/owner/"+gmGid(gid), map[string]any{"appkey": f.app.Key, "username": "annie"}), http.StatusNoContent)
		if o := owner(); o != "annie" {
			t.Fatalf("owner = %q, want annie", o)
		}
	})
}

// Issue #3: 50 parallel joins to a group with 10 free places end with
// exactly 10 joined, and the rest get 899012.
func TestConformanceGroupConcurrentJoins(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, withLimits("groupMembers", 11))
		joiners := namesN("joiner", 50)
		f.register(t, append([]string{"owner"}, joiners...)...)
		gid := f.gmCreateGroup(t, "owner")
		path := f.srv.URL + "/v2/groups/" + gmGid(gid) + "/addMembers"

		type result struct {
			status int
			header http.Header
			body   []byte
			err    error
		}
		results := make([]result, len(joiners))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, name := range joiners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				req, err := http.NewRequest("POST", path, strings.NewReader(`["`+name+`"]`))
				if err != nil {
					results[i].err = err
					return
				}
				req.Header.Set("Content-Type", "application/json; charset=utf-8")
				f.app.As()(req)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					results[i].err = err
					return
				}
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				results[i] = result{status: resp.StatusCode, header: resp.Header, body: body, err: err}
			}()
		}
		close(start)
		wg.Wait()

		var joined []string
		for i, r := range results {
			if r.err != nil {
				t.Fatalf("join %s: %v", joiners[i], r.err)
			}
			switch r.status {
			case http.StatusNoContent:
				joined = append(joined, joiners[i])
			case http.StatusForbidden:
				wantError(t, testutil.Response{Status: r.status, Header: r.header, Body: r.body}, http.StatusForbidden, gmCodeGroupFull)
			default:
				t.Errorf("join %s: status %d, body %s; want 204 or 403/899012", joiners[i], r.status, r.body)
			}
		}
		if len(joined) != 10 {
			t.Errorf("%d joins succeeded, want exactly 10", len(joined))
		}
		members := f.gmMemberNames(t, gid)
		if len(members) != 11 {
			t.Errorf("group has %d members, want 11 (owner + 10)", len(members))
		}
		wantNames(t, "members", members, sorted(append(joined, "owner")...)...)
	})
}

// gmParallel runs n copies of do at once over raw HTTP (no t.Fatal off the
// test goroutine) and returns the responses.
func (f *fixture) gmParallel(t *testing.T, n int, method string, path func(i int) string, body func(i int) string) []testutil.Response {
	t.Helper()
	out := make([]testutil.Response, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			var rd io.Reader
			if body != nil {
				rd = strings.NewReader(body(i))
			}
			req, err := http.NewRequest(method, f.srv.URL+path(i), rd)
			if err != nil {
				errs[i] = err
				return
			}
			req.Header.Set("Content-Type", "application/json; charset=utf-8")
			f.app.As()(req)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			data, err := io.ReadAll(resp.Body)
			out[i], errs[i] = testutil.Response{Status: resp.StatusCode, Header: resp.Header, Body: data}, err
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	return out
}

// Inputs the seed does not spell out must still get a 4xx (never a 5xx) or
// succeed without corrupting the member list; concurrent adds of one user
// add it once.
func TestConformanceGroupEdgeInputs(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.register(t, "tommy", "annie", "eddie", "xavier")
		noDupes := func(gid int64) []string {
			t.Helper()
			names := f.gmMemberNames(t, gid)
			if c := slices.Compact(slices.Clone(names)); len(c) != len(names) {
				t.Fatalf("member list has duplicates: %q", names)
			}
			return names
		}
		want4xxOr := func(r testutil.Response, ok int) {
			t.Helper()
			if r.Status != ok && (r.Status < 400 || r.Status >= 500) {
				t.Fatalf("want %d or a 4xx, got %s", ok, describe(r))
			}
		}

		// Duplicates in members_username, and the owner among the members.
		r := f.do(t, "POST", "/v1/groups/", map[string]any{"owner_username": "tommy", "name": "dup", "members_username": []string{"annie", "annie"}})
		want4xxOr(r, http.StatusCreated)
		if r.Status == http.StatusCreated {
			var g map[string]any
			gmDecode(t, r, &g)
			wantNames(t, "members", noDupes(gmInt(t, "gid", g["gid"])), "annie", "tommy")
		}
		r = f.do(t, "POST", "/v1/groups/", map[string]any{"owner_username": "tommy", "name": "self", "members_username": []string{"tommy", "eddie"}})
		want4xxOr(r, http.StatusCreated)
		if r.Status == http.StatusCreated {
			var g map[string]any
			gmDecode(t, r, &g)
			gid := gmInt(t, "gid", g["gid"])
			wantNames(t, "members", noDupes(gid), "eddie", "tommy")
			if gmOwnerOf(t, f.gmMembers(t, gid)) != "tommy" {
				t.Errorf("owner is not tommy")
			}
		}

		gid := f.gmCreateGroup(t, "tommy")
		want4xxOr(f.do(t, "POST", "/v2/groups/"+gmGid(gid)+"/addMembers", []string{"annie", "annie"}), http.StatusNoContent)
		noDupes(gid)
		want4xxOr(f.do(t, "POST", "/v1/groups/"+gmGid(gid)+"/members", map[string]any{"add": []string{"eddie"}, "remove": []string{"eddie"}}), http.StatusNoContent)
		noDupes(gid)

		// Ids out of range.
		for _, id := range []string{"99999999999999999999", "-5", "0"} {
			for _, c := range []struct{ method, path string }{
				{"GET", "/v1/groups/" + id},
				{"GET", "/v1/groups/" + id + "/members/"},
				{"POST", "/v2/groups/" + id + "/addMembers"},
				{"DELETE", "/v1/groups/" + id},
			} {
				var body any
				if c.method == "POST" {
					body = []string{"xavier"}
				}
				r := f.do(t, c.method, c.path, body)
				if code := r.ErrorCode(t); !(r.Status == http.StatusBadRequest && code == codeBadParam) && !(r.Status == http.StatusNotFound && code == gmCodeGroupNotFound) {
					t.Errorf("%s %s: want 400/899003 or 404/899006, got %s", c.method, c.path, describe(r))
				}
			}
		}

		// 20 concurrent adds of the same user: one 204, the rest 899011.
		g2 := f.gmCreateGroup(t, "tommy")
		rs := f.gmParallel(t, 20, "POST", func(int) string { return "/v2/groups/" + gmGid(g2) + "/addMembers" }, func(int) string { return `["xavier"]` })
		added := 0
		for _, r := range rs {
			if r.Status == http.StatusNoContent {
				added++
				continue
			}
			wantError(t, r, http.StatusForbidden, gmCodeAlreadyMember)
		}
		if added != 1 {
			t.Errorf("%d concurrent adds of one user succeeded, want 1", added)
		}
		wantNames(t, "members", noDupes(g2), "tommy", "xavier")

		// A deleted user leaves the groups they were in.
		g3 := f.gmCreateGroup(t, "tommy", "annie", "eddie")
		wantStatus(t, f.do(t, "DELETE", "/v1/users/eddie", nil), http.StatusNoContent)
		wantNames(t, "members after deleting eddie", f.gmMemberNames(t, g3), "annie", "tommy")
	})
}
