package sealtalk_test

import (
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

func TestSetSTAccount(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		id, token := f.signUp(t, "13912345678", "P@ssw0rd")
		_, otherToken := f.signUp(t, "18713578062", "P@ssw0rd")
		f.call(t, "POST", "set_st_account", token, map[string]any{"stAccount": "b323422"}).want(t, 200, 200)
		// 1000: taken.
		f.call(t, "POST", "set_st_account", otherToken, map[string]any{"stAccount": "b323422"}).want(t, 200, 1000)
		f.call(t, "POST", "set_st_account", otherToken, map[string]any{"stAccount": "1bad"}).want(t, 400, 400)
		r := f.call(t, "GET", id, token, nil)
		var u map[string]any
		r.result(t, &u)
		if u["stAccount"] != "b323422" {
			t.Fatalf("/user/%s: %v", id, u)
		}
	})
}

func TestPoke(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		_, token := f.signUp(t, "13912345678", "P@ssw0rd")
		get := func() int {
			r := f.call(t, "GET", "get_poke", token, nil)
			r.want(t, 200, 200)
			var out struct {
				PokeStatus *int `json:"pokeStatus"`
			}
			r.result(t, &out)
			if out.PokeStatus == nil {
				t.Fatalf("get_poke: %s", r.Result)
			}
			return *out.PokeStatus
		}
		if get() != 1 {
			t.Fatal("pokes are off by default")
		}
		f.call(t, "POST", "set_poke", token, map[string]any{"pokeStatus": 0}).want(t, 200, 200)
		if get() != 0 {
			t.Fatal("set_poke 0 did not stick")
		}
		f.call(t, "POST", "set_poke", token, map[string]any{"pokeStatus": 7}).want(t, 400, 400)
		f.call(t, "GET", "get_poke", "", nil).want(t, 403, 403)
	})
}

func TestPrivacyAndFind(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		id, token := f.signUp(t, "13912345678", "P@ssw0rd")
		_, finder := f.signUp(t, "18713578062", "P@ssw0rd")
		r := f.call(t, "GET", "get_privacy", token, nil)
		r.want(t, 200, 200)
		if string(r.Result) != `{"phoneVerify":1,"stSearchVerify":1,"friVerify":1,"groupVerify":1}` {
			t.Fatalf("default privacy: %s", r.Result)
		}
		for _, method := range []string{"POST", "GET"} {
			r = f.call(t, method, "find/86/13912345678", finder, nil)
			r.want(t, 200, 200)
			var u map[string]string
			r.result(t, &u)
			if u["id"] != id || u["nickname"] != "Tom" {
				t.Fatalf("find: %v", u)
			}
		}
		f.call(t, "GET", "find/86/13900000000", finder, nil).want(t, 404, 404)
		// Only the settings sent change.
		f.call(t, "POST", "set_privacy", token, map[string]any{"phoneVerify": 0, "groupVerify": 0}).want(t, 200, 200)
		r = f.call(t, "GET", "get_privacy", token, nil)
		if string(r.Result) != `{"phoneVerify":0,"stSearchVerify":1,"friVerify":1,"groupVerify":0}` {
			t.Fatalf("privacy after set: %s", r.Result)
		}
		// phoneVerify 0: not found by phone.
		f.call(t, "GET", "find/86/13912345678", finder, nil).want(t, 404, 404)
		f.call(t, "POST", "set_privacy", token, map[string]any{"friVerify": 2}).want(t, 400, 400)
		f.call(t, "GET", "get_privacy", "", nil).want(t, 403, 403)
	})
}

// stSearchVerify 0 hides a user from a search by SealTalk account
// (find_user, the SealTalk server's search; seed 001 lists none).
func TestFindUserBySTAccount(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		id, token := f.signUp(t, "13912345678", "P@ssw0rd")
		_, finder := f.signUp(t, "18713578062", "P@ssw0rd")
		f.call(t, "POST", "set_st_account", token, map[string]any{"stAccount": "b323422"}).want(t, 200, 200)
		r := f.call(t, "GET", "find_user?st_account=b323422", finder, nil)
		r.want(t, 200, 200)
		var u map[string]string
		r.result(t, &u)
		if u["id"] != id || u["nickname"] != "Tom" || u["stAccount"] != "b323422" {
			t.Fatalf("find_user: %v", u)
		}
		r = f.call(t, "GET", "find_user?region=86&phone=13912345678", finder, nil)
		r.want(t, 200, 200)
		f.call(t, "GET", "find_user?st_account=nobody1", finder, nil).want(t, 404, 404)
		f.call(t, "GET", "find_user", finder, nil).want(t, 400, 400)
		// stSearchVerify 0: not found by account, still by phone.
		f.call(t, "POST", "set_privacy", token, map[string]any{"stSearchVerify": 0}).want(t, 200, 200)
		f.call(t, "GET", "find_user?st_account=b323422", finder, nil).want(t, 404, 404)
		f.call(t, "GET", "find_user?region=86&phone=13912345678", finder, nil).want(t, 200, 200)
		f.call(t, "GET", "find_user?st_account=b323422", "", nil).want(t, 403, 403)
	})
}
