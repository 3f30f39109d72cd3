package core_test

// Fan-out tests (issue #3 "Messages" and "Tests"): every message accepted by
// POST /v1/messages is published on the event bus with the recipients #5
// will deliver to. Driven over real HTTP on both stores; the expectations
// come from seed 003 (发送消息, 群消息屏蔽, 免打扰) and issue #3, not from the
// implementation.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// foEnv is one app on a fresh server, with its events recorded.
type foEnv struct {
	t     *testing.T
	srv   *testutil.Server
	app   testutil.App
	appID int64
	ids   map[string]int64
	names map[int64]string

	mu  sync.Mutex
	evs []core.Event
}

func newFoEnv(t *testing.T, b testutil.Backend) *foEnv {
	t.Helper()
	srv := testutil.StartServer(t, b)
	app := srv.CreateApp(t, nil)
	a, err := srv.Svc.GetApp(context.Background(), app.Key)
	if err != nil {
		t.Fatalf("GetApp: %v", err)
	}
	e := &foEnv{t: t, srv: srv, app: app, appID: a.ID, ids: map[string]int64{}, names: map[int64]string{}}
	unsub := srv.Svc.Events().Subscribe(func(_ context.Context, ev core.Event) {
		if ev.AppID != e.appID {
			return
		}
		e.mu.Lock()
		e.evs = append(e.evs, ev)
		e.mu.Unlock()
	})
	t.Cleanup(unsub)
	return e
}

func (e *foEnv) do(method, path string, body any) testutil.Response {
	e.t.Helper()
	return e.srv.Do(e.t, method, path, e.app.As(), body)
}

func (e *foEnv) want(status int, method, path string, body any) testutil.Response {
	e.t.Helper()
	r := e.do(method, path, body)
	if r.Status != status {
		e.t.Fatalf("%s %s: want status %d, got %d: %s", method, path, status, r.Status, r.Body)
	}
	return r
}

// register registers users (in batches of 500) and learns their ids.
func (e *foEnv) register(names ...string) {
	e.t.Helper()
	for len(names) > 0 {
		n := min(len(names), 500)
		items := make([]map[string]string, n)
		for i, name := range names[:n] {
			items[i] = map[string]string{"username": name, "password": "password"}
		}
		r := e.want(http.StatusCreated, "POST", "/v1/users/", items)
		var res []struct {
			Username string          `json:"username"`
			Error    json.RawMessage `json:"error"`
		}
		r.JSON(e.t, &res)
		if len(res) != n {
			e.t.Fatalf("registering %d users: %d results", n, len(res))
		}
		for i, it := range res {
			if len(it.Error) > 0 && string(it.Error) != "null" {
				e.t.Fatalf("registering %s: %s", names[i], it.Error)
			}
		}
		for _, name := range names[:n] {
			u, err := e.srv.Store.Read().UserByName(context.Background(), e.appID, name)
			if err != nil {
				e.t.Fatalf("UserByName(%s): %v", name, err)
			}
			e.ids[name] = u.ID
			e.names[u.ID] = name
		}
		names = names[n:]
	}
}

// group creates a group through POST /v1/groups/.
func (e *foEnv) group(owner string, members ...string) int64 {
	e.t.Helper()
	if members == nil {
		members = []string{}
	}
	r := e.want(http.StatusCreated, "POST", "/v1/groups/", map[string]any{"owner_username": owner, "name": "g", "members_username": members})
	var g struct {
		Gid json.Number `json:"gid"`
	}
	r.JSON(e.t, &g)
	gid, err := g.Gid.Int64()
	if err != nil {
		e.t.Fatalf("gid %q: %v", g.Gid, err)
	}
	return gid
}

func foText(from, targetType string, target any, kv ...any) map[string]any {
	m := map[string]any{
		"version": 1, "target_type": targetType, "target_id": target,
		"from_type": "user", "from_id": from, "msg_type": "text",
		"msg_body": map[string]any{"text": "hello"},
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// send posts a message and returns the one message event published for it.
func (e *foEnv) send(msg map[string]any) core.Event {
	e.t.Helper()
	r := e.want(http.StatusCreated, "POST", "/v1/messages", msg)
	var out struct {
		MsgID json.Number `json:"msg_id"`
	}
	r.JSON(e.t, &out)
	id, err := out.MsgID.Int64()
	if err != nil {
		e.t.Fatalf("msg_id %q: %v", out.MsgID, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var found []core.Event
		e.mu.Lock()
		for _, ev := range e.evs {
			if ev.Kind == core.EventMessage && ev.Message != nil && ev.Message.ID == id {
				found = append(found, ev)
			}
		}
		e.mu.Unlock()
		switch {
		case len(found) > 1:
			e.t.Fatalf("message %d published %d times", id, len(found))
		case len(found) == 1:
			if found[0].AppKey != e.app.Key {
				e.t.Errorf("event AppKey = %q, want %q", found[0].AppKey, e.app.Key)
			}
			return found[0]
		case time.Now().After(deadline):
			e.t.Fatalf("no message event for msg_id %d", id)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// foR is a recipient as expected: notify and offline flags.
type foR struct{ Notify, Offline bool }

// recipients maps an event's recipients to usernames.
func (e *foEnv) recipients(ev core.Event) map[string]foR {
	e.t.Helper()
	out := map[string]foR{}
	for _, rc := range ev.Recipients {
		name, ok := e.names[rc.UserID]
		if !ok {
			name = fmt.Sprintf("#%d", rc.UserID)
		}
		if _, dup := out[name]; dup {
			e.t.Errorf("recipient %s listed twice", name)
		}
		if rc.AppID != e.appID {
			e.t.Errorf("recipient %s AppID = %d, want %d", name, rc.AppID, e.appID)
		}
		out[name] = foR{Notify: rc.Notify, Offline: rc.Offline}
	}
	return out
}

// expect checks an event's recipients exactly.
func (e *foEnv) expect(what string, ev core.Event, want map[string]foR) {
	e.t.Helper()
	got := e.recipients(ev)
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			e.t.Errorf("%s: %s is not a recipient", what, name)
		case g != w:
			e.t.Errorf("%s: recipient %s = %+v, want %+v", what, name, g, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			e.t.Errorf("%s: %s should not be a recipient", what, name)
		}
	}
}

var (
	foLoud   = foR{Notify: true, Offline: true}  // plain delivery
	foQuiet  = foR{Notify: false, Offline: true} // no alert
	foOnline = foR{Notify: true, Offline: false} // no_offline
)

// Single messages go to exactly the target. no_notification and the
// target's no-disturb (single for this sender, or global) drop the alert;
// no_offline drops offline storage.
func TestFanoutSingle(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		e := newFoEnv(t, b)
		e.register("fang", "javen", "bobby", "other")

		e.expect("plain", e.send(foText("fang", "single", "javen")), map[string]foR{"javen": foLoud})
		e.expect("no_notification", e.send(foText("fang", "single", "javen", "no_notification", true)), map[string]foR{"javen": foQuiet})
		e.expect("no_offline", e.send(foText("fang", "single", "javen", "no_offline", true)), map[string]foR{"javen": foOnline})
		e.expect("both", e.send(foText("fang", "single", "javen", "no_offline", true, "no_notification", true)), map[string]foR{"javen": {}})
		e.expect("explicit defaults", e.send(foText("fang", "single", "javen", "no_offline", false, "no_notification", false)), map[string]foR{"javen": foLoud})
		e.expect("reply", e.send(foText("javen", "single", "fang")), map[string]foR{"fang": foLoud})

		// javen silences fang only.
		e.want(http.StatusNoContent, "POST", "/v1/users/javen/nodisturb", map[string]any{"single": map[string]any{"add": []string{"fang"}}})
		e.expect("single no-disturb on the sender", e.send(foText("fang", "single", "javen")), map[string]foR{"javen": foQuiet})
		e.expect("single no-disturb, no_offline", e.send(foText("fang", "single", "javen", "no_offline", true)), map[string]foR{"javen": {}})
		e.expect("single no-disturb on another sender", e.send(foText("bobby", "single", "javen")), map[string]foR{"javen": foLoud})
		e.expect("no-disturb is one-sided", e.send(foText("javen", "single", "fang")), map[string]foR{"fang": foLoud})

		// javen silences everything.
		e.want(http.StatusNoContent, "POST", "/v1/users/javen/nodisturb", map[string]any{"global": 1})
		e.expect("global no-disturb", e.send(foText("bobby", "single", "javen")), map[string]foR{"javen": foQuiet})
		e.want(http.StatusNoContent, "POST", "/v1/users/javen/nodisturb", map[string]any{"global": 0, "single": map[string]any{"remove": []string{"fang"}}})
		e.expect("no-disturb off", e.send(foText("fang", "single", "javen")), map[string]foR{"javen": foLoud})
		e.expect("no-disturb off, bob", e.send(foText("bobby", "single", "javen")), map[string]foR{"javen": foLoud})

		// Every msg_type fans out alike.
		img := foText("fang", "single", "javen")
		img["msg_type"] = "custom"
		img["msg_body"] = map[string]any{"any": "thing"}
		e.expect("custom", e.send(img), map[string]foR{"javen": foLoud})
	})
}

// Group messages go to every member except the sender and the members who
// shield the group; group or global no-disturb drops the alert.
func TestFanoutGroup(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		e := newFoEnv(t, b)
		e.register("tommy", "usra", "usrb", "usrc", "usrd", "usre", "usrf", "outsider")
		gid := e.group("tommy", "usra", "usrb", "usrc", "usrd", "usre")
		g2 := e.group("tommy", "usrb", "usrc")

		e.expect("plain", e.send(foText("tommy", "group", gid)), map[string]foR{"usra": foLoud, "usrb": foLoud, "usrc": foLoud, "usrd": foLoud, "usre": foLoud})
		e.expect("from a member", e.send(foText("usra", "group", strconv.FormatInt(gid, 10))), map[string]foR{"tommy": foLoud, "usrb": foLoud, "usrc": foLoud, "usrd": foLoud, "usre": foLoud})

		// b shields gid, c sets group no-disturb on gid, d global no-disturb.
		e.want(http.StatusNoContent, "POST", "/v1/users/usrb/groupsShield", map[string]any{"add": []int64{gid}})
		e.want(http.StatusNoContent, "POST", "/v1/users/usrc/nodisturb", map[string]any{"group": map[string]any{"add": []int64{gid}}})
		e.want(http.StatusNoContent, "POST", "/v1/users/usrd/nodisturb", map[string]any{"global": 1})
		// e silences tom in single chats only: no effect on the group.
		e.want(http.StatusNoContent, "POST", "/v1/users/usre/nodisturb", map[string]any{"single": map[string]any{"add": []string{"tommy"}}})

		e.expect("shield and no-disturb", e.send(foText("tommy", "group", gid)),
			map[string]foR{"usra": foLoud, "usrc": foQuiet, "usrd": foQuiet, "usre": foLoud})
		e.expect("no_offline", e.send(foText("tommy", "group", gid, "no_offline", true)),
			map[string]foR{"usra": foOnline, "usrc": {}, "usrd": {}, "usre": foOnline})
		e.expect("no_notification", e.send(foText("tommy", "group", gid, "no_notification", true)),
			map[string]foR{"usra": foQuiet, "usrc": foQuiet, "usrd": foQuiet, "usre": foQuiet})
		// The shield is about receiving: b can still send, and gets nothing back.
		e.expect("from the shielding member", e.send(foText("usrb", "group", gid)),
			map[string]foR{"tommy": foLoud, "usra": foLoud, "usrc": foQuiet, "usrd": foQuiet, "usre": foLoud})
		// Shield and group no-disturb are per group.
		e.expect("other group", e.send(foText("tommy", "group", g2)), map[string]foR{"usrb": foLoud, "usrc": foLoud})

		// Membership changes change the fan-out.
		e.want(http.StatusNoContent, "POST", "/v2/groups/"+strconv.FormatInt(gid, 10)+"/delMembers", []string{"usra"})
		e.want(http.StatusNoContent, "POST", "/v2/groups/"+strconv.FormatInt(gid, 10)+"/addMembers", []string{"usrf"})
		e.want(http.StatusNoContent, "POST", "/v1/users/usrb/groupsShield", map[string]any{"remove": []int64{gid}})
		e.want(http.StatusNoContent, "POST", "/v1/users/usrd/nodisturb", map[string]any{"global": 0})
		e.expect("after changes", e.send(foText("tommy", "group", gid)),
			map[string]foR{"usrb": foLoud, "usrc": foQuiet, "usrd": foLoud, "usre": foLoud, "usrf": foLoud})
		e.expect("from the new member", e.send(foText("usrf", "group", gid)),
			map[string]foR{"tommy": foLoud, "usrb": foLoud, "usrc": foQuiet, "usrd": foLoud, "usre": foLoud})

		// A group where the sender is the only member reaches nobody.
		solo := e.group("outsider")
		e.expect("solo group", e.send(foText("outsider", "group", solo)), map[string]foR{})

		// After an ownership transfer the old owner is an ordinary recipient.
		e.want(http.StatusNoContent, "PUT", "/groups/owner/"+strconv.FormatInt(gid, 10), map[string]any{"username": "usre"})
		e.expect("after transfer", e.send(foText("usre", "group", gid)),
			map[string]foR{"tommy": foLoud, "usrb": foLoud, "usrc": foQuiet, "usrd": foLoud, "usrf": foLoud})
	})
}

// A message to a full 500-member group (the default limit, owner included)
// fans out to 499 recipients.
func TestFanoutLargeGroup(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		e := newFoEnv(t, b)
		names := make([]string, 500)
		for i := range names {
			names[i] = fmt.Sprintf("member%04d", i)
		}
		e.register(names...)
		gid := e.group(names[0], names[1:]...)
		// The group is full.
		e.register("latecomer")
		r := e.do("POST", "/v2/groups/"+strconv.FormatInt(gid, 10)+"/addMembers", []string{"latecomer"})
		if r.Status != http.StatusForbidden || r.ErrorCode(t) != 899012 {
			t.Errorf("adding a 501st member: status %d, body %s; want 403/899012", r.Status, r.Body)
		}

		for _, from := range []string{names[0], names[250]} {
			ev := e.send(foText(from, "group", gid, "no_offline", true))
			got := e.recipients(ev)
			if len(got) != 499 || len(ev.Recipients) != 499 {
				t.Errorf("from %s: %d recipients (%d distinct), want 499", from, len(ev.Recipients), len(got))
			}
			var missing []string
			for _, n := range names {
				if n == from {
					if _, ok := got[n]; ok {
						t.Errorf("the sender %s is a recipient", from)
					}
					continue
				}
				rc, ok := got[n]
				if !ok {
					missing = append(missing, n)
				} else if rc != foOnline {
					t.Errorf("from %s: recipient %s = %+v, want %+v", from, n, rc, foOnline)
				}
			}
			if _, ok := got["latecomer"]; ok {
				t.Errorf("the refused latecomer is a recipient")
			}
			if len(missing) > 0 {
				slices.Sort(missing)
				t.Errorf("from %s: %d members missing, e.g. %q", from, len(missing), missing[:min(5, len(missing))])
			}
		}
	})
}
