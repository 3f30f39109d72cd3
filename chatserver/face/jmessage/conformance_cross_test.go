package jmessage_test

// Conformance tests for 跨应用 (seed 003) and issue #3 "Cross-app": the
// caller authenticates as its own app and names another app's appkey in
// every element. Consent is mutual (features.crossAppAllowed on both
// apps, set through the platform API); any other cross-app call is
// 403/899043 and writes nothing. Naming one's own appkey is always
// allowed.

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

const xCodeDenied = 899043 // cross-app call without mutual consent

// xCase is a refused request and the error the seed documents for it.
type xCase struct {
	name         string
	body         any
	status, code int
}

// wantRefused sends every case as method to path and checks its error.
func (f *fixture) wantRefused(t *testing.T, method, path string, cases []xCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(method+" "+c.name, func(t *testing.T) {
			wantError(t, f.do(t, method, path, c.body), c.status, c.code)
		})
	}
}

// xApps is one server with three tenants whose keys are known before any
// of them exists: a is the caller, b the app it reaches, c a bystander.
type xApps struct {
	srv     *testutil.Server
	a, b, c *fixture
}

// xDecl is what the platform API declares for an app.
type xDecl struct {
	allow    []string
	disabled bool
	limits   map[string]any
}

// declare PUTs f's app: the appkeys it consents to, whether it is
// disabled, and its limits.
func (f *fixture) declare(t *testing.T, d xDecl) {
	t.Helper()
	allow := d.allow
	if allow == nil {
		allow = []string{}
	}
	body := map[string]any{"masterSecret": f.app.Secret, "features": map[string]any{"crossAppAllowed": allow}, "disabled": d.disabled}
	if d.limits != nil {
		body["limits"] = d.limits
	}
	r := f.srv.Do(t, "PUT", "/platform/v1/apps/"+f.app.Key, testutil.Bearer(f.srv.Token), body)
	if r.Status != http.StatusCreated && r.Status != http.StatusOK {
		t.Fatalf("declaring app %s: %s", f.app.Key, describe(r))
	}
}

// newXApps creates a and b with mutual consent, and c consenting to
// nobody.
func newXApps(t *testing.T, b testutil.Backend) *xApps {
	t.Helper()
	srv := testutil.StartServer(t, b)
	app := func() *fixture {
		return &fixture{srv: srv, app: testutil.App{Key: testutil.NewKey(), Secret: testutil.NewKey()}}
	}
	x := &xApps{srv: srv, a: app(), b: app(), c: app()}
	x.a.declare(t, xDecl{allow: []string{x.b.app.Key}})
	x.b.declare(t, xDecl{allow: []string{x.a.app.Key}})
	x.c.declare(t, xDecl{})
	return x
}

// labels names users as "a:alice", "b:bobby" by the app their appkey is,
// sorted.
func (x *xApps) labels(t *testing.T, users []map[string]any) []string {
	t.Helper()
	out := []string{}
	for _, u := range users {
		var app string
		switch u["appkey"] {
		case x.a.app.Key:
			app = "a"
		case x.b.app.Key:
			app = "b"
		case x.c.app.Key:
			app = "c"
		default:
			t.Fatalf("user %v: appkey %#v is none of the apps", u["username"], u["appkey"])
		}
		out = append(out, app+":"+str(u["username"]))
	}
	slices.Sort(out)
	return out
}

// svcApp is an app as the core sees it, for reads the API has no endpoint
// for (no-disturb users) and for the other side of a friendship when that
// app is disabled.
func (f *fixture) svcApp(t *testing.T) model.App {
	t.Helper()
	a, err := f.srv.Svc.GetApp(context.Background(), f.app.Key)
	if err != nil {
		t.Fatalf("GetApp: %v", err)
	}
	return a
}

func xMembersPath(gid int64) string { return "/v1/cross/groups/" + gmGid(gid) + "/members" }

// xMembers is GET /v1/cross/groups/{gid}/members/, which must succeed.
func (f *fixture) xMembers(t *testing.T, gid int64) []map[string]any {
	t.Helper()
	r := f.do(t, "GET", xMembersPath(gid)+"/", nil)
	wantStatus(t, r, http.StatusOK)
	return userArray(t, r)
}

// xRelated labels the users a GET answers (blacklist, friends, members).
func (x *xApps) xRelated(t *testing.T, f *fixture, path string) []string {
	t.Helper()
	r := f.do(t, "GET", path, nil)
	wantStatus(t, r, http.StatusOK)
	return x.labels(t, userArray(t, r))
}

// xNoDisturb is f's user's no-disturb state: users labelled by app, and
// group ids.
func (x *xApps) xNoDisturb(t *testing.T, f *fixture, username string) string {
	t.Helper()
	st, err := f.srv.Svc.NoDisturb(context.Background(), f.svcApp(t), username)
	if err != nil {
		t.Fatalf("NoDisturb(%s): %v", username, err)
	}
	users := make([]map[string]any, len(st.Users))
	for i, u := range st.Users {
		users[i] = map[string]any{"username": u.Username, "appkey": u.AppKey}
	}
	return fmt.Sprintf("users %q groups %v global %v", x.labels(t, users), st.Groups, st.Global)
}

// xFriendsOf labels f's user's friends through the core, which also works
// while f's app is disabled.
func (x *xApps) xFriendsOf(t *testing.T, f *fixture, username string) string {
	t.Helper()
	fs, err := f.srv.Svc.Friends(context.Background(), f.svcApp(t), username)
	if err != nil {
		t.Fatalf("Friends(%s): %v", username, err)
	}
	users := make([]map[string]any, len(fs))
	for i, fr := range fs {
		users[i] = map[string]any{"username": fr.User.Username, "appkey": fr.User.AppKey}
	}
	return fmt.Sprintf("%q", x.labels(t, users))
}

// Issue #3: every cross-app endpoint is refused without mutual consent
// (none; one-sided either way; an unknown appkey; a disabled other app;
// consent through a third app), with 403/899043 and nothing written, even
// by an element naming the caller's own app; with consent each succeeds.
func TestConformanceCrossConsent(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		x := newXApps(t, b)
		a, o, c := x.a, x.b, x.c
		a.register(t, "alice", "carol", "owner")
		o.register(t, "bobby", "dave", "erin", "boss")
		c.register(t, "bobby", "erin", "cathy")
		gid := a.gmCreateGroup(t, "owner", "alice")
		ag := a.gmCreateGroup(t, "owner")
		bg := o.gmCreateGroup(t, "boss")
		cg := c.gmCreateGroup(t, "cathy")
		room := a.crCreate(t, "owner", "room")
		// Cross-app relations made while consent holds, for the removals.
		wantStatus(t, a.do(t, "PUT", "/v1/cross/users/alice/blacklist", []any{map[string]any{"appkey": o.app.Key, "usernames": []string{"dave"}}}), http.StatusNoContent)
		wantStatus(t, a.do(t, "POST", "/v1/cross/users/alice/friends", map[string]any{"appkey": o.app.Key, "users": []string{"erin"}}), http.StatusCreated)
		wantStatus(t, a.do(t, "POST", "/v1/users/alice/friends", []string{"carol"}), http.StatusCreated)

		own := a.app.Key
		calls := []struct {
			name, method, path string
			body               func(key string) any
			status             int
		}{
			{"group members", "POST", xMembersPath(gid), func(key string) any {
				return []any{map[string]any{"appkey": own, "add": []string{"carol"}}, map[string]any{"appkey": key, "add": []string{"bobby"}}}
			}, http.StatusNoContent},
			{"blacklist add", "PUT", "/v1/cross/users/alice/blacklist", func(key string) any {
				return []any{map[string]any{"appkey": own, "usernames": []string{"carol"}}, map[string]any{"appkey": key, "usernames": []string{"bobby"}}}
			}, http.StatusNoContent},
			{"blacklist remove", "DELETE", "/v1/cross/users/alice/blacklist", func(key string) any {
				return []any{map[string]any{"appkey": key, "usernames": []string{"dave"}}}
			}, http.StatusNoContent},
			{"nodisturb", "POST", "/v1/cross/users/alice/nodisturb", func(key string) any {
				groups := []int64{bg}
				if key == c.app.Key {
					groups = []int64{cg}
				}
				return []any{
					map[string]any{"appkey": own, "group": map[string]any{"add": []int64{ag}}},
					map[string]any{"appkey": key, "single": map[string]any{"add": []string{"bobby"}}, "group": map[string]any{"add": groups}},
				}
			}, http.StatusNoContent},
			{"friends add", "POST", "/v1/cross/users/alice/friends", func(key string) any {
				return map[string]any{"appkey": key, "users": []string{"bobby"}}
			}, http.StatusCreated},
			{"friend notes", "PUT", "/v1/cross/users/alice/friends", func(key string) any {
				return []any{
					map[string]any{"appkey": own, "username": "carol", "note_name": "own"},
					map[string]any{"appkey": key, "username": "erin", "note_name": "cross"},
				}
			}, http.StatusNoContent},
			{"friends delete", "DELETE", "/v1/cross/users/alice/friends", func(key string) any {
				return map[string]any{"appkey": key, "users": []string{"erin"}}
			}, http.StatusNoContent},
			{"chatroom members", "POST", fmt.Sprintf("/cross/chatroom/%d/members", room), func(key string) any {
				return []any{map[string]any{"appkey": own, "add": []string{"carol"}}, map[string]any{"appkey": key, "add": []string{"bobby"}}}
			}, http.StatusNoContent},
			{"chatroom members under /v1", "POST", fmt.Sprintf("/v1/cross/chatroom/%d/members", room), func(key string) any {
				return []any{map[string]any{"appkey": own, "add": []string{"carol"}}, map[string]any{"appkey": key, "remove": []string{"erin"}}}
			}, http.StatusNoContent},
		}

		// state is everything the calls could change, on every side.
		state := func() string {
			t.Helper()
			var s strings.Builder
			fmt.Fprintf(&s, "members %q\n", x.labels(t, a.xMembers(t, gid)))
			fmt.Fprintf(&s, "blacklist %q\n", x.xRelated(t, a, "/v1/users/alice/blacklist"))
			fmt.Fprintf(&s, "friends %s\n", x.xFriendsOf(t, a, "alice"))
			for _, n := range []string{"bobby", "erin"} {
				fmt.Fprintf(&s, "b's %s's friends %s, c's %s\n", n, x.xFriendsOf(t, o, n), x.xFriendsOf(t, c, n))
			}
			r := a.do(t, "GET", "/v1/users/alice/friends", nil)
			wantStatus(t, r, http.StatusOK)
			fmt.Fprintf(&s, "notes %s\n", r.Body)
			fmt.Fprintf(&s, "nodisturb %s\n", x.xNoDisturb(t, a, "alice"))
			fmt.Fprintf(&s, "room %q\n", a.crMemberNames(t, room))
			return s.String()
		}

		ghost := testutil.NewKey()
		refusals := []struct {
			name    string
			key     string
			declare func()
		}{
			{"neither app consents", o.app.Key, func() {
				a.declare(t, xDecl{})
				o.declare(t, xDecl{})
			}},
			{"only the caller consents", o.app.Key, func() {
				a.declare(t, xDecl{allow: []string{o.app.Key}})
				o.declare(t, xDecl{})
			}},
			{"only the other app consents", o.app.Key, func() {
				a.declare(t, xDecl{})
				o.declare(t, xDecl{allow: []string{a.app.Key}})
			}},
			{"unknown appkey", ghost, func() {
				a.declare(t, xDecl{allow: []string{o.app.Key, ghost}})
				o.declare(t, xDecl{allow: []string{a.app.Key}})
			}},
			{"disabled other app", o.app.Key, func() {
				a.declare(t, xDecl{allow: []string{o.app.Key}})
				o.declare(t, xDecl{allow: []string{a.app.Key}, disabled: true})
			}},
			{"consent is not transitive", c.app.Key, func() {
				a.declare(t, xDecl{allow: []string{o.app.Key}})
				o.declare(t, xDecl{allow: []string{a.app.Key, c.app.Key}})
				c.declare(t, xDecl{allow: []string{o.app.Key}})
			}},
		}
		before := state()
		for _, ref := range refusals {
			t.Run(ref.name, func(t *testing.T) {
				ref.declare()
				for _, call := range calls {
					r := a.do(t, call.method, call.path, call.body(ref.key))
					if r.Status != http.StatusForbidden {
						t.Errorf("%s: want 403/899043, got %s", call.name, describe(r))
						continue
					}
					wantError(t, r, http.StatusForbidden, xCodeDenied)
				}
				if after := state(); after != before {
					t.Fatalf("refused calls changed the state:\nbefore\n%s\nafter\n%s", before, after)
				}
			})
		}

		// Mutual consent: every call succeeds.
		a.declare(t, xDecl{allow: []string{o.app.Key}})
		o.declare(t, xDecl{allow: []string{a.app.Key}})
		for _, call := range calls {
			wantStatus(t, a.do(t, call.method, call.path, call.body(o.app.Key)), call.status)
		}
		wantNames(t, "members", x.labels(t, a.xMembers(t, gid)), "a:alice", "a:carol", "a:owner", "b:bobby")
		wantNames(t, "blacklist", x.xRelated(t, a, "/v1/users/alice/blacklist"), "a:carol", "b:bobby")
		wantNames(t, "friends", x.xRelated(t, a, "/v1/users/alice/friends"), "a:carol", "b:bobby")
		if got, want := x.xNoDisturb(t, a, "alice"), fmt.Sprintf("users %q groups %v global false", []string{"b:bobby"}, []int64{ag, bg}); got != want {
			t.Errorf("no-disturb = %s, want %s", got, want)
		}
		wantNames(t, "room", a.crMemberNames(t, room), "bobby", "carol", "owner")
		// c was never reached.
		if got := x.xFriendsOf(t, c, "bobby"); got != "[]" {
			t.Errorf("c's bobby's friends = %s, want none", got)
		}
	})
}

// 跨应用管理群组成员: POST /v1/cross/groups/{gid}/members with
// [{"appkey","add","remove"}, ...]: the group is the caller's, each
// element names its users' app; 204; all or nothing.
func TestConformanceCrossGroupMembers(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		x := newXApps(t, b)
		a, o := x.a, x.b
		a.register(t, "tommy", "alice", "annie", "carol")
		o.register(t, "test1", "test2", "name3", "name4", "alice", "tommy", "dave")
		x.c.register(t, "cathy")
		ev := a.gmRecord(t)
		gid := a.gmCreateGroup(t, "tommy", "alice")
		path := xMembersPath(gid)
		members := func() []string { return x.labels(t, a.xMembers(t, gid)) }

		wantStatus(t, a.do(t, "POST", path, []any{map[string]any{"appkey": o.app.Key, "add": []string{"name3", "name4"}}}), http.StatusNoContent)
		// The seed's example, blank before the appkey included.
		wantStatus(t, a.do(t, "POST", path, []any{map[string]any{
			"appkey": " " + o.app.Key, "add": []string{"test1", "test2"}, "remove": []string{"name3", "name4"},
		}}), http.StatusNoContent)
		wantNames(t, "members", members(), "a:alice", "a:tommy", "b:test1", "b:test2")
		wantNames(t, "added", sorted(ev.last(t, core.EventMembersAdded, 2).Members...), "test1", "test2")
		wantNames(t, "removed", sorted(ev.last(t, core.EventMembersRemoved, 1).Members...), "name3", "name4")
		// The users are the named app's: b's alice is not a's alice.
		wantStatus(t, a.do(t, "POST", path, []any{
			map[string]any{"appkey": a.app.Key, "add": []string{"annie"}},
			map[string]any{"appkey": strings.ToUpper(o.app.Key), "add": []string{"alice"}},
		}), http.StatusNoContent)
		wantNames(t, "members", members(), "a:alice", "a:annie", "a:tommy", "b:alice", "b:test1", "b:test2")
		// The plain listing shows the same members.
		r := a.do(t, "GET", "/v1/groups/"+gmGid(gid)+"/members/", nil)
		wantStatus(t, r, http.StatusOK)
		wantNames(t, "plain members", x.labels(t, userArray(t, r)), members()...)

		want := members()
		a.wantRefused(t, "POST", path, []xCase{
			{"unknown user", []any{map[string]any{"appkey": o.app.Key, "add": []string{"dave", "ghost"}}}, http.StatusNotFound, codeUserNotFound},
			{"a user of the caller's app named under the other's", []any{map[string]any{"appkey": o.app.Key, "add": []string{"carol"}}}, http.StatusNotFound, codeUserNotFound},
			{"already a member", []any{map[string]any{"appkey": o.app.Key, "add": []string{"dave", "test1"}}}, http.StatusForbidden, gmCodeAlreadyMember},
			{"not a member", []any{map[string]any{"appkey": o.app.Key, "remove": []string{"test1", "name3"}}}, http.StatusForbidden, gmCodeNotMember},
			{"b's tommy is not a's owner", []any{map[string]any{"appkey": o.app.Key, "remove": []string{"tommy"}}}, http.StatusForbidden, gmCodeNotMember},
			{"a later element fails", []any{
				map[string]any{"appkey": a.app.Key, "add": []string{"carol"}},
				map[string]any{"appkey": o.app.Key, "add": []string{"dave"}, "remove": []string{"name4"}},
			}, http.StatusForbidden, gmCodeNotMember},
			{"no consent with c", []any{
				map[string]any{"appkey": o.app.Key, "add": []string{"dave"}},
				map[string]any{"appkey": x.c.app.Key, "add": []string{"cathy"}},
			}, http.StatusForbidden, xCodeDenied},
			{"added and removed", []any{
				map[string]any{"appkey": o.app.Key, "add": []string{"dave"}},
				map[string]any{"appkey": o.app.Key, "remove": []string{"dave"}},
			}, http.StatusBadRequest, codeBadParam},
			{"the owner while others stay", []any{map[string]any{"appkey": a.app.Key, "remove": []string{"tommy"}}}, http.StatusBadRequest, codeBadParam},
			{"no appkey", []any{map[string]any{"add": []string{"dave"}}}, http.StatusBadRequest, codeBadParam},
			{"blank appkey", []any{map[string]any{"appkey": " ", "add": []string{"dave"}}}, http.StatusBadRequest, codeBadParam},
			{"appkey in one element only", []any{
				map[string]any{"appkey": o.app.Key, "add": []string{"dave"}},
				map[string]any{"add": []string{"carol"}},
			}, http.StatusBadRequest, codeBadParam},
			{"neither add nor remove", []any{map[string]any{"appkey": o.app.Key}}, http.StatusBadRequest, codeBadParam},
			{"empty add and remove", []any{map[string]any{"appkey": o.app.Key, "add": []string{}, "remove": []string{}}}, http.StatusBadRequest, codeBadParam},
			{"empty array", []any{}, http.StatusBadRequest, codeBadParam},
			{"object body", map[string]any{"appkey": o.app.Key, "add": []string{"dave"}}, http.StatusBadRequest, codeBadParam},
			{"invalid username", []any{map[string]any{"appkey": o.app.Key, "add": []string{"_bad"}}}, http.StatusBadRequest, codeBadParam},
			{"not JSON", "[{", http.StatusBadRequest, codeBadParam},
		})
		wantNames(t, "members after refused calls", members(), want...)
		if n := len(ev.of(core.EventMembersAdded)); n != 3 {
			t.Errorf("added events = %d, want 3: refused calls announce nothing", n)
		}

		add := []any{map[string]any{"appkey": o.app.Key, "add": []string{"dave"}}}
		wantError(t, a.do(t, "POST", "/v1/cross/groups/987654321/members", add), http.StatusNotFound, gmCodeGroupNotFound)
		wantError(t, a.do(t, "POST", "/v1/cross/groups/abc/members", add), http.StatusBadRequest, codeBadParam)
		// The group is the caller's: b cannot reach a's group, even with consent.
		wantError(t, o.do(t, "POST", path, []any{map[string]any{"appkey": o.app.Key, "add": []string{"dave"}}}), http.StatusNotFound, gmCodeGroupNotFound)
		bg := o.gmCreateGroup(t, "dave")
		wantError(t, a.do(t, "POST", xMembersPath(bg), []any{map[string]any{"appkey": a.app.Key, "add": []string{"carol"}}}), http.StatusNotFound, gmCodeGroupNotFound)
		wantNames(t, "members", members(), want...)

		// Room is counted across apps: groupMembers 3 leaves one free place.
		a.declare(t, xDecl{allow: []string{o.app.Key}, limits: map[string]any{"groupMembers": 3}})
		small := a.gmCreateGroup(t, "carol", "annie")
		wantError(t, a.do(t, "POST", xMembersPath(small), []any{map[string]any{"appkey": o.app.Key, "add": []string{"dave", "test1"}}}), http.StatusForbidden, gmCodeGroupFull)
		wantStatus(t, a.do(t, "POST", xMembersPath(small), []any{map[string]any{"appkey": o.app.Key, "add": []string{"dave"}}}), http.StatusNoContent)
		wantNames(t, "small group", x.labels(t, a.xMembers(t, small)), "a:annie", "a:carol", "b:dave")
	})
}

// 备注: 当群组没有成员的时候 群会被删除 — a group left with no members is
// deleted. Removing the owner is allowed only together with everyone else.
func TestConformanceCrossGroupEmptied(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		x := newXApps(t, b)
		a, o := x.a, x.b
		a.register(t, "tommy", "alice")
		o.register(t, "test1", "test2")
		ev := a.gmRecord(t)
		gid := a.gmCreateGroup(t, "tommy")
		keep := a.gmCreateGroup(t, "tommy")
		path := xMembersPath(gid)
		wantStatus(t, a.do(t, "POST", path, []any{map[string]any{"appkey": o.app.Key, "add": []string{"test1", "test2"}}}), http.StatusNoContent)

		// Everyone but the owner leaves: the group stays.
		wantStatus(t, a.do(t, "POST", path, []any{map[string]any{"appkey": o.app.Key, "remove": []string{"test1"}}}), http.StatusNoContent)
		wantError(t, a.do(t, "POST", path, []any{map[string]any{"appkey": a.app.Key, "remove": []string{"tommy"}}}), http.StatusBadRequest, codeBadParam)
		wantNames(t, "members", x.labels(t, a.xMembers(t, gid)), "a:tommy", "b:test2")

		// The last members leave, owner included, across two elements.
		wantStatus(t, a.do(t, "POST", path, []any{
			map[string]any{"appkey": a.app.Key, "remove": []string{"tommy"}},
			map[string]any{"appkey": o.app.Key, "remove": []string{"test2"}},
		}), http.StatusNoContent)
		wantError(t, a.do(t, "GET", "/v1/groups/"+gmGid(gid), nil), http.StatusNotFound, gmCodeGroupNotFound)
		wantError(t, a.do(t, "GET", path+"/", nil), http.StatusNotFound, gmCodeGroupNotFound)
		wantError(t, a.do(t, "POST", path, []any{map[string]any{"appkey": a.app.Key, "add": []string{"alice"}}}), http.StatusNotFound, gmCodeGroupNotFound)
		if gs := a.gmUserGroups(t, "tommy"); !slices.Equal(gs, []int64{keep}) {
			t.Errorf("tommy's groups = %v, want [%d]", gs, keep)
		}
		if n := a.gmGroupTotal(t); n != 1 {
			t.Errorf("groups of the app = %d, want 1", n)
		}
		e := ev.last(t, core.EventGroupDissolved, 1)
		if e.Group == nil || e.Group.ID != gid || len(e.Recipients) != 2 {
			t.Errorf("dissolved event = %+v, want group %d to its last two members", e, gid)
		}
		wantNames(t, "removed", sorted(ev.last(t, core.EventMembersRemoved, 2).Members...), "test2", "tommy")

		// The plain endpoint follows the same rule.
		g2 := a.gmCreateGroup(t, "alice")
		wantStatus(t, a.do(t, "POST", "/v2/groups/"+gmGid(g2)+"/delMembers", []string{"alice"}), http.StatusNoContent)
		wantError(t, a.do(t, "GET", "/v1/groups/"+gmGid(g2), nil), http.StatusNotFound, gmCodeGroupNotFound)
	})
}

// 跨应用获取群组成员列表: GET /v1/cross/groups/{gid}/members/, each member
// with its appkey and flag (1 the owner, 0 the others).
func TestConformanceCrossGroupMembersList(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		x := newXApps(t, b)
		a, o := x.a, x.b
		a.register(t, "tommy")
		o.registerUsers(t, user("javen", "nickname", "hello", "birthday", "1990-01-24", "gender", 0,
			"signature", "orz", "region", "shenzhen", "address", "shenzhen"))
		gid := a.gmCreateGroup(t, "tommy")
		wantStatus(t, a.do(t, "POST", xMembersPath(gid), []any{map[string]any{"appkey": o.app.Key, "add": []string{"javen"}}}), http.StatusNoContent)

		for _, p := range []string{xMembersPath(gid) + "/", xMembersPath(gid)} {
			r := a.do(t, "GET", p, nil)
			wantStatus(t, r, http.StatusOK)
			ms := userArray(t, r)
			wantNames(t, p, x.labels(t, ms), "a:tommy", "b:javen")
			if owner := gmOwnerOf(t, ms); owner != "tommy" {
				t.Errorf("owner = %q, want tommy", owner)
			}
			j := byName(ms, "javen")
			for k, v := range map[string]any{"nickname": "hello", "birthday": "1990-01-24 00:00:00", "gender": float64(0), "signature": "orz",
				"region": "shenzhen", "address": "shenzhen", "flag": float64(0), "appkey": o.app.Key} {
				if j[k] != v {
					t.Errorf("%s: javen's %s = %#v, want %#v", p, k, j[k], v)
				}
			}
		}
		// An owner from another app (a cross-app transfer) carries flag 1.
		wantStatus(t, a.do(t, "PUT", "/groups/owner/"+gmGid(gid), map[string]any{"appkey": o.app.Key, "username": "javen"}), http.StatusNoContent)
		ms := a.xMembers(t, gid)
		if owner := gmOwnerOf(t, ms); owner != "javen" || byName(ms, "javen")["appkey"] != o.app.Key {
			t.Errorf("owner = %q, want b's javen: %v", owner, ms)
		}

		wantError(t, a.do(t, "GET", "/v1/cross/groups/987654321/members/", nil), http.StatusNotFound, gmCodeGroupNotFound)
		wantError(t, a.do(t, "GET", "/v1/cross/groups/abc/members/", nil), http.StatusBadRequest, codeBadParam)
		// Another app cannot list the group, consent or not.
		wantError(t, o.do(t, "GET", xMembersPath(gid)+"/", nil), http.StatusNotFound, gmCodeGroupNotFound)
		wantError(t, x.c.do(t, "GET", xMembersPath(gid)+"/", nil), http.StatusNotFound, gmCodeGroupNotFound)
	})
}

// 跨应用获取用户群组: GET /v1/cross/users/{username}/groups, the groups of
// every app the user is in, each with its appkey.
func TestConformanceCrossUserGroups(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		x := newXApps(t, b)
		a, o := x.a, x.b
		a.register(t, "alice", "tommy")
		o.register(t, "alice", "boss")
		ga := a.gmCreateGroup(t, "tommy", "alice")
		gb := o.gmCreateGroup(t, "boss")
		a.gmCreateGroup(t, "tommy")
		// b puts a's alice into its group.
		wantStatus(t, o.do(t, "POST", xMembersPath(gb), []any{map[string]any{"appkey": a.app.Key, "add": []string{"alice"}}}), http.StatusNoContent)

		keys := []string{"MaxMemberCount", "appkey", "ctime", "desc", "flag", "gid", "max_member_count", "mtime", "name", "owner_username"}
		for _, p := range []string{"/v1/cross/users/alice/groups", "/v1/cross/users/alice/groups/"} {
			r := a.do(t, "GET", p, nil)
			wantStatus(t, r, http.StatusOK)
			var gs []map[string]any
			gmDecode(t, r, &gs)
			got := map[int64]map[string]any{}
			for _, g := range gs {
				if k := slices.Sorted(maps.Keys(g)); !slices.Equal(k, keys) {
					t.Fatalf("%s: group keys = %q, want %q", p, k, keys)
				}
				got[gmInt(t, "gid", g["gid"])] = g
			}
			if len(got) != 2 || got[ga] == nil || got[gb] == nil {
				t.Fatalf("%s = %s, want groups %d and %d", p, r.Body, ga, gb)
			}
			if got[ga]["appkey"] != a.app.Key || got[gb]["appkey"] != o.app.Key {
				t.Errorf("%s: appkeys %v and %v, want a's and b's", p, got[ga]["appkey"], got[gb]["appkey"])
			}
			for _, g := range got {
				if gmInt(t, "MaxMemberCount", g["MaxMemberCount"]) != 500 || gmInt(t, "max_member_count", g["max_member_count"]) != 500 {
					t.Errorf("%s: capacity %v / %v, want 500", p, g["MaxMemberCount"], g["max_member_count"])
				}
				checkTime(t, "ctime", g["ctime"])
				checkTime(t, "mtime", g["mtime"])
			}
			if got[gb]["owner_username"] != "boss" || got[gb]["name"] != "group of boss" {
				t.Errorf("%s: b's group = %v", p, got[gb])
			}
		}
		// The plain listing keeps to the app's own groups.
		if gs := a.gmUserGroups(t, "alice"); !slices.Equal(gs, []int64{ga}) {
			t.Errorf("plain groups of alice = %v, want [%d]", gs, ga)
		}
		// b's alice is another user: her groups are her own (none).
		r := o.do(t, "GET", "/v1/cross/users/alice/groups", nil)
		wantStatus(t, r, http.StatusOK)
		if strings.TrimSpace(string(r.Body)) != "[]" {
			t.Errorf("b's alice's groups = %s, want []", r.Body)
		}
		wantError(t, a.do(t, "GET", "/v1/cross/users/ghost/groups", nil), http.StatusNotFound, codeUserNotFound)
		wantError(t, a.do(t, "GET", "/v1/cross/users/_bad/groups", nil), http.StatusBadRequest, codeBadParam)
		wantError(t, x.c.do(t, "GET", "/v1/cross/users/alice/groups", nil), http.StatusNotFound, codeUserNotFound)
	})
}

// 跨应用添加黑名单 / 移除黑名单 / 黑名单列表:
// PUT and DELETE /v1/cross/users/{username}/blacklist with
// [{"appkey","usernames"}], GET listing users with their appkey.
func TestConformanceCrossBlacklist(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		x := newXApps(t, b)
		a, o := x.a, x.b
		a.register(t, "alice", "carol")
		o.registerUsers(t, user("test1", "nickname", "hello"), user("test2"), user("alice"), user("dave"))
		path := "/v1/cross/users/alice/blacklist"
		list := func() []string { return x.xRelated(t, a, path) }

		wantNames(t, "empty blacklist", list())
		wantStatus(t, a.do(t, "PUT", path, []any{map[string]any{"appkey": o.app.Key, "usernames": []string{"test1", "test2"}}}), http.StatusNoContent)
		r := a.do(t, "GET", path, nil)
		wantStatus(t, r, http.StatusOK)
		users := userArray(t, r)
		wantNames(t, "blacklist", x.labels(t, users), "b:test1", "b:test2")
		t1 := byName(users, "test1")
		if t1["nickname"] != "hello" {
			t.Errorf("test1 = %v, want the user object", t1)
		}
		checkTime(t, "mtime", t1["mtime"])
		checkTime(t, "ctime", t1["ctime"])
		// b's alice is not a's alice; elements of both apps in one call.
		wantStatus(t, a.do(t, "PUT", path, []any{
			map[string]any{"appkey": a.app.Key, "usernames": []string{"carol"}},
			map[string]any{"appkey": o.app.Key, "usernames": []string{"alice"}},
		}), http.StatusNoContent)
		wantNames(t, "blacklist", list(), "a:carol", "b:alice", "b:test1", "b:test2")
		wantNames(t, "plain list", x.xRelated(t, a, "/v1/users/alice/blacklist"), list()...)

		wantStatus(t, a.do(t, "DELETE", path, []any{map[string]any{"appkey": o.app.Key, "usernames": []string{"test1", "alice"}}}), http.StatusNoContent)
		wantNames(t, "blacklist after remove", list(), "a:carol", "b:test2")

		for _, m := range []string{"PUT", "DELETE"} {
			a.wantRefused(t, m, path, []xCase{
				{"unknown user", []any{map[string]any{"appkey": o.app.Key, "usernames": []string{"dave", "ghost"}}}, http.StatusNotFound, codeUserNotFound},
				{"a later element fails", []any{
					map[string]any{"appkey": a.app.Key, "usernames": []string{"carol"}},
					map[string]any{"appkey": o.app.Key, "usernames": []string{"test2", "carol"}},
				}, http.StatusNotFound, codeUserNotFound},
				{"oneself", []any{map[string]any{"appkey": a.app.Key, "usernames": []string{"alice"}}}, http.StatusBadRequest, codeBadParam},
				{"no appkey", []any{map[string]any{"usernames": []string{"dave"}}}, http.StatusBadRequest, codeBadParam},
				{"empty array", []any{}, http.StatusBadRequest, codeBadParam},
				{"no usernames", []any{map[string]any{"appkey": o.app.Key, "usernames": []string{}}}, http.StatusBadRequest, codeBadParam},
				{"plain body", []string{"dave"}, http.StatusBadRequest, codeBadParam},
				{"over 500", []any{map[string]any{"appkey": o.app.Key, "usernames": namesN("u", 501)}}, http.StatusBadRequest, codeBadParam},
				{"no consent with c", []any{map[string]any{"appkey": x.c.app.Key, "usernames": []string{"dave"}}}, http.StatusForbidden, xCodeDenied},
			})
		}
		wantNames(t, "blacklist after refused calls", list(), "a:carol", "b:test2")
		wantError(t, a.do(t, "PUT", "/v1/cross/users/ghost/blacklist", []any{map[string]any{"appkey": o.app.Key, "usernames": []string{"dave"}}}), http.StatusNotFound, codeUserNotFound)
		wantError(t, a.do(t, "GET", "/v1/cross/users/ghost/blacklist", nil), http.StatusNotFound, codeUserNotFound)
		// The blacklist is a's alice's: b's alice has none, and b's users
		// blacklisted nobody.
		wantNames(t, "b's alice's blacklist", x.xRelated(t, o, path))
		wantNames(t, "b's test2's blacklist", x.xRelated(t, o, "/v1/cross/users/test2/blacklist"))
	})
}

// 跨应用免打扰设置: POST /v1/cross/users/{username}/nodisturb with
// [{"appkey","single":{"add","remove"},"group":{"add","remove"}}]: single
// targets are users of that app, groups that app's groups.
func TestConformanceCrossNoDisturb(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		x := newXApps(t, b)
		a, o := x.a, x.b
		a.register(t, "alice", "carol")
		o.register(t, "username1", "username2", "boss")
		ag := a.gmCreateGroup(t, "carol")
		b1, b2 := o.gmCreateGroup(t, "boss"), o.gmCreateGroup(t, "boss")
		path := "/v1/cross/users/alice/nodisturb"
		elem := func(key string, kv ...any) map[string]any {
			e := map[string]any{"appkey": key}
			for i := 0; i+1 < len(kv); i += 2 {
				e[kv[i].(string)] = kv[i+1]
			}
			return e
		}
		state := func() string { return x.xNoDisturb(t, a, "alice") }
		want := func(users []string, groups ...int64) {
			t.Helper()
			slices.Sort(groups)
			if groups == nil {
				groups = []int64{}
			}
			if got, w := state(), fmt.Sprintf("users %q groups %v global false", users, groups); got != w {
				t.Fatalf("no-disturb = %s, want %s", got, w)
			}
		}

		// The seed's example.
		wantStatus(t, a.do(t, "POST", path, []any{elem(o.app.Key,
			"single", map[string]any{"add": []string{"username1", "username2"}},
			"group", map[string]any{"add": []int64{b1}})}), http.StatusNoContent)
		want([]string{"b:username1", "b:username2"}, b1)
		wantStatus(t, a.do(t, "POST", path, []any{elem(o.app.Key,
			"single", map[string]any{"remove": []string{"username2"}},
			"group", map[string]any{"add": []int64{b2}, "remove": []int64{b1}})}), http.StatusNoContent)
		want([]string{"b:username1"}, b2)
		// Elements of both apps in one call.
		wantStatus(t, a.do(t, "POST", path, []any{
			elem(a.app.Key, "single", map[string]any{"add": []string{"carol"}}, "group", map[string]any{"add": []int64{ag}}),
			elem(o.app.Key, "group", map[string]any{"add": []int64{b1}}),
		}), http.StatusNoContent)
		want([]string{"a:carol", "b:username1"}, ag, b1, b2)

		a.wantRefused(t, "POST", path, []xCase{
			{"group already on", []any{elem(o.app.Key, "group", map[string]any{"add": []int64{b1}})}, http.StatusForbidden, codeShieldOn},
			{"group already off", []any{elem(o.app.Key, "group", map[string]any{"remove": []int64{987654321}})}, http.StatusNotFound, codeGroupNotFound},
			{"a's group under b's appkey", []any{elem(o.app.Key, "group", map[string]any{"remove": []int64{ag}})}, http.StatusNotFound, codeGroupNotFound},
			{"b's group under a's appkey", []any{elem(a.app.Key, "group", map[string]any{"remove": []int64{b1}})}, http.StatusNotFound, codeGroupNotFound},
			{"unknown user", []any{elem(o.app.Key, "single", map[string]any{"add": []string{"ghost"}})}, http.StatusNotFound, codeUserNotFound},
			{"a's user under b's appkey", []any{elem(o.app.Key, "single", map[string]any{"remove": []string{"carol"}})}, http.StatusNotFound, codeUserNotFound},
			{"a later element fails", []any{
				elem(a.app.Key, "group", map[string]any{"remove": []int64{ag}}),
				elem(o.app.Key, "single", map[string]any{"add": []string{"username2"}}, "group", map[string]any{"add": []int64{b2}}),
			}, http.StatusForbidden, codeShieldOn},
			{"the same group twice", []any{
				elem(o.app.Key, "group", map[string]any{"remove": []int64{b2}}),
				elem(o.app.Key, "group", map[string]any{"remove": []int64{b2}}),
			}, http.StatusForbidden, codeShieldOff},
			{"no consent with c", []any{
				elem(o.app.Key, "group", map[string]any{"remove": []int64{b2}}),
				elem(x.c.app.Key),
			}, http.StatusForbidden, xCodeDenied},
			{"invalid username", []any{elem(o.app.Key, "single", map[string]any{"add": []string{"_bad"}})}, http.StatusBadRequest, codeBadParam},
			{"no appkey", []any{map[string]any{"single": map[string]any{"add": []string{"username2"}}}}, http.StatusBadRequest, codeBadParam},
			{"empty array", []any{}, http.StatusBadRequest, codeBadParam},
			{"object body", elem(o.app.Key, "single", map[string]any{"add": []string{"username2"}}), http.StatusBadRequest, codeBadParam},
		})
		want([]string{"a:carol", "b:username1"}, ag, b1, b2)
		wantError(t, a.do(t, "POST", "/v1/cross/users/ghost/nodisturb", []any{elem(o.app.Key, "group", map[string]any{"add": []int64{b1}})}), http.StatusNotFound, codeUserNotFound)
		wantError(t, a.do(t, "POST", "/v1/cross/users/_bad/nodisturb", []any{elem(o.app.Key)}), http.StatusBadRequest, codeBadParam)
		// b's own users are untouched: b's boss named nobody.
		if got := x.xNoDisturb(t, o, "boss"); got != `users [] groups [] global false` {
			t.Errorf("b's boss's no-disturb = %s", got)
		}
	})
}

// 跨应用添加好友 / 删除好友 / 更新好友备注:
// POST and DELETE /v1/cross/users/{username}/friends with
// {"appkey","users"}, PUT with [{"note_name","others","username","appkey"}].
// Friendship is mutual, across apps too.
func TestConformanceCrossFriends(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		x := newXApps(t, b)
		a, o := x.a, x.b
		a.register(t, "alice", "carol")
		o.register(t, "user01", "user02", "user03", "alice")
		path := "/v1/cross/users/alice/friends"
		friends := func(f *fixture, name string) []string { return x.xRelated(t, f, "/v1/users/"+name+"/friends") }
		body := func(key string, users ...string) map[string]any { return map[string]any{"appkey": key, "users": users} }

		// The seed's example.
		wantStatus(t, a.do(t, "POST", path, body(o.app.Key, "user01", "user02")), http.StatusCreated)
		wantNames(t, "alice's friends", friends(a, "alice"), "b:user01", "b:user02")
		wantNames(t, "b's user01's friends", friends(o, "user01"), "a:alice")
		wantNames(t, "b's alice's friends", friends(o, "alice"))
		wantError(t, a.do(t, "POST", path, body(o.app.Key, "user03", "user01")), http.StatusForbidden, codeAlreadyFriend)
		wantNames(t, "alice's friends", friends(a, "alice"), "b:user01", "b:user02")

		// Notes: the seed's example, read as the JSON it means.
		wantStatus(t, a.do(t, "PUT", path, []any{map[string]any{"note_name": "new note name", "others": "好友备注文档", "username": "user01", "appkey": o.app.Key}}), http.StatusNoContent)
		r := a.do(t, "GET", "/v1/users/alice/friends", nil)
		wantStatus(t, r, http.StatusOK)
		u1 := byName(userArray(t, r), "user01")
		if u1["note_name"] != "new note name" || u1["others"] != "好友备注文档" || u1["appkey"] != o.app.Key {
			t.Errorf("user01 in alice's friends = %v", u1)
		}
		// Notes are per side.
		r = o.do(t, "GET", "/v1/users/user01/friends", nil)
		wantStatus(t, r, http.StatusOK)
		if al := byName(userArray(t, r), "alice"); al["note_name"] != "" || al["appkey"] != a.app.Key {
			t.Errorf("alice in user01's friends = %v", al)
		}

		a.wantRefused(t, "POST", path, []xCase{
			{"unknown", body(o.app.Key, "user03", "ghost"), http.StatusNotFound, codeUserNotFound},
			{"a's user under b's appkey", body(o.app.Key, "carol"), http.StatusNotFound, codeUserNotFound},
			{"no appkey", map[string]any{"users": []string{"user03"}}, http.StatusBadRequest, codeBadParam},
			{"no users", body(o.app.Key), http.StatusBadRequest, codeBadParam},
			{"over 500", body(o.app.Key, namesN("u", 501)...), http.StatusBadRequest, codeBadParam},
			{"array body", []any{body(o.app.Key, "user03")}, http.StatusBadRequest, codeBadParam},
			{"no consent", body(x.c.app.Key, "user03"), http.StatusForbidden, xCodeDenied},
		})
		a.wantRefused(t, "DELETE", path, []xCase{
			{"unknown", body(o.app.Key, "user01", "ghost"), http.StatusNotFound, codeUserNotFound},
			{"no appkey", map[string]any{"users": []string{"user01"}}, http.StatusBadRequest, codeBadParam},
			{"over 500", body(o.app.Key, namesN("u", 501)...), http.StatusBadRequest, codeBadParam},
		})
		a.wantRefused(t, "PUT", path, []xCase{
			{"not a friend", []any{map[string]any{"note_name": "x", "username": "user03", "appkey": o.app.Key}}, http.StatusBadRequest, codeBadParam},
			{"a later element fails", []any{
				map[string]any{"note_name": "changed", "username": "user01", "appkey": o.app.Key},
				map[string]any{"note_name": "x", "username": "alice", "appkey": o.app.Key},
			}, http.StatusBadRequest, codeBadParam},
			{"unknown", []any{map[string]any{"note_name": "x", "username": "ghost", "appkey": o.app.Key}}, http.StatusNotFound, codeUserNotFound},
			{"no appkey", []any{map[string]any{"note_name": "x", "username": "user01"}}, http.StatusBadRequest, codeBadParam},
			{"bad note_name", []any{map[string]any{"note_name": "a\nb", "username": "user01", "appkey": o.app.Key}}, http.StatusBadRequest, codeBadParam},
			{"no consent", []any{map[string]any{"note_name": "x", "username": "user01", "appkey": x.c.app.Key}}, http.StatusForbidden, xCodeDenied},
		})
		wantNames(t, "alice's friends after refused calls", friends(a, "alice"), "b:user01", "b:user02")
		r = a.do(t, "GET", "/v1/users/alice/friends", nil)
		wantStatus(t, r, http.StatusOK)
		if u1 := byName(userArray(t, r), "user01"); u1["note_name"] != "new note name" {
			t.Errorf("user01's note after refused calls = %v", u1["note_name"])
		}

		// Deleting ends the friendship on both sides.
		wantStatus(t, a.do(t, "DELETE", path, body(o.app.Key, "user01")), http.StatusNoContent)
		wantNames(t, "alice's friends", friends(a, "alice"), "b:user02")
		wantNames(t, "b's user01's friends", friends(o, "user01"))
		wantNames(t, "b's user02's friends", friends(o, "user02"), "a:alice")
		// Deleting a non-friend is skipped, as in the plain call.
		wantStatus(t, a.do(t, "DELETE", path, body(o.app.Key, "user03")), http.StatusNoContent)
		// The plain endpoints see a's users only.
		wantError(t, a.do(t, "POST", "/v1/users/alice/friends", []string{"user03"}), http.StatusNotFound, codeUserNotFound)
		wantError(t, a.do(t, "POST", "/v1/cross/users/ghost/friends", body(o.app.Key, "user03")), http.StatusNotFound, codeUserNotFound)
	})
}

// 跨应用管理聊天室成员: POST /cross/chatroom/{room_id}/members (and under
// /v1) with [{"appkey","add","remove"}]: the room is the caller's; capacity
// and errors as the plain chatroom members calls.
func TestConformanceCrossChatroomMembers(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		x := newXApps(t, b)
		a, o := x.a, x.b
		a.declare(t, xDecl{allow: []string{o.app.Key}, limits: map[string]any{"chatroomMembers": 5, "chatroomMembersPerCall": 4}})
		a.register(t, "owner", "carol")
		o.register(t, "test1", "test2", "name3", "name4", "name5", "boss")
		room := a.crCreate(t, "owner", "room")
		for _, prefix := range []string{"", "/v1"} {
			t.Run("path "+prefix+"/cross", func(t *testing.T) {
				path := fmt.Sprintf("%s/cross/chatroom/%d/members", prefix, room)
				wantStatus(t, a.do(t, "POST", path, []any{map[string]any{"appkey": o.app.Key, "add": []string{"name3", "name4"}}}), http.StatusNoContent)
				wantNames(t, "members", a.crMemberNames(t, room), "name3", "name4", "owner")
				// The seed's example, blank before the appkey included.
				wantStatus(t, a.do(t, "POST", path, []any{map[string]any{
					"appkey": " " + o.app.Key, "add": []string{"test1", "test2"}, "remove": []string{"name3", "name4"},
				}}), http.StatusNoContent)
				wantNames(t, "members", a.crMemberNames(t, room), "owner", "test1", "test2")
				// Joining twice and leaving when out are skipped.
				wantStatus(t, a.do(t, "POST", path, []any{
					map[string]any{"appkey": a.app.Key, "add": []string{"owner"}},
					map[string]any{"appkey": o.app.Key, "add": []string{"test1"}, "remove": []string{"name5"}},
				}), http.StatusNoContent)
				wantNames(t, "members", a.crMemberNames(t, room), "owner", "test1", "test2")

				a.wantRefused(t, "POST", path, []xCase{
					// 3 members, 5 places: three more do not fit, nobody joins.
					{"full", []any{
						map[string]any{"appkey": a.app.Key, "add": []string{"carol"}},
						map[string]any{"appkey": o.app.Key, "add": []string{"name3", "name4"}},
					}, http.StatusForbidden, crCodeRoomFull},
					{"over the per-call limit", []any{map[string]any{"appkey": o.app.Key, "add": []string{"name3"}, "remove": []string{"test1", "test2", "name5", "name4"}}}, http.StatusBadRequest, codeBadParam},
					{"the owner", []any{map[string]any{"appkey": a.app.Key, "remove": []string{"owner"}}}, http.StatusBadRequest, codeBadParam},
					{"unknown user", []any{map[string]any{"appkey": o.app.Key, "add": []string{"name3", "ghost"}}}, http.StatusNotFound, codeUserNotFound},
					{"a later element fails", []any{
						map[string]any{"appkey": o.app.Key, "remove": []string{"test1"}},
						map[string]any{"appkey": o.app.Key, "add": []string{"carol"}},
					}, http.StatusNotFound, codeUserNotFound},
					{"no consent with c", []any{
						map[string]any{"appkey": o.app.Key, "remove": []string{"test1"}},
						map[string]any{"appkey": x.c.app.Key, "add": []string{"cathy"}},
					}, http.StatusForbidden, xCodeDenied},
					{"no appkey", []any{map[string]any{"add": []string{"name3"}}}, http.StatusBadRequest, codeBadParam},
					{"neither add nor remove", []any{map[string]any{"appkey": o.app.Key}}, http.StatusBadRequest, codeBadParam},
					{"empty array", []any{}, http.StatusBadRequest, codeBadParam},
					{"plain body", []string{"name3"}, http.StatusBadRequest, codeBadParam},
				})
				wantNames(t, "members after refused calls", a.crMemberNames(t, room), "owner", "test1", "test2")

				wantError(t, a.do(t, "POST", prefix+"/cross/chatroom/987654321/members", []any{map[string]any{"appkey": o.app.Key, "add": []string{"name3"}}}), http.StatusNotFound, crCodeRoomNotFound)
				wantError(t, a.do(t, "POST", prefix+"/cross/chatroom/abc/members", []any{map[string]any{"appkey": o.app.Key, "add": []string{"name3"}}}), http.StatusBadRequest, codeBadParam)
				// The room is the caller's: b cannot reach it.
				wantError(t, o.do(t, "POST", path, []any{map[string]any{"appkey": o.app.Key, "add": []string{"name3"}}}), http.StatusNotFound, crCodeRoomNotFound)
				// Back to the start for the other path.
				wantStatus(t, a.do(t, "POST", path, []any{map[string]any{"appkey": o.app.Key, "remove": []string{"test1", "test2"}}}), http.StatusNoContent)
				wantNames(t, "members", a.crMemberNames(t, room), "owner")
			})
		}
	})
}
