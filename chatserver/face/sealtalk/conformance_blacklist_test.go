package sealtalk_test

import (
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

func TestBlacklist(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		_, token := f.signUp(t, "13912345678", "P@ssw0rd")
		other, otherToken := f.signUp(t, "18713578062", "P@ssw0rd")
		f.call(t, "POST", "set_portrait_uri", otherToken, map[string]any{"portraitUri": "http://test.com/p.jpg"}).want(t, 200, 200)

		list := func() []map[string]map[string]any {
			r := f.call(t, "GET", "blacklist", token, nil)
			r.want(t, 200, 200)
			var out []map[string]map[string]any
			r.result(t, &out)
			return out
		}
		if got := list(); len(got) != 0 {
			t.Fatalf("new blacklist: %v", got)
		}
		f.call(t, "POST", "add_to_blacklist", token, map[string]any{"friendId": other}).want(t, 200, 200)
		got := list()
		if len(got) != 1 {
			t.Fatalf("blacklist: %v", got)
		}
		u := got[0]["user"]
		if u["id"] != other || u["nickname"] != "Tom" || u["portraitUri"] != "http://test.com/p.jpg" ||
			u["phone"] != "18713578062" || u["stAccount"] != "" || u["updatedAt"] == "" || u["updatedTime"] == nil {
			t.Fatalf("blacklist user: %v", u)
		}
		for _, k := range []string{"gender", "stAccount", "phone", "updatedAt", "updatedTime"} {
			if _, ok := u[k]; !ok {
				t.Fatalf("blacklist user lacks %s: %v", k, u)
			}
		}
		f.call(t, "POST", "remove_from_blacklist", token, map[string]any{"friendId": other}).want(t, 200, 200)
		if got := list(); len(got) != 0 {
			t.Fatalf("blacklist after remove: %v", got)
		}
		f.call(t, "POST", "add_to_blacklist", token, map[string]any{"friendId": "zzzzzzzz"}).want(t, 404, 404)
		f.call(t, "POST", "add_to_blacklist", token, map[string]any{}).want(t, 400, 400)
		f.call(t, "GET", "blacklist", "", nil).want(t, 403, 403)
	})
}
