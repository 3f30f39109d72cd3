package sealtalk_test

import (
	"context"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// publicID is the SealTalk id older versions gave every user: the
// internal id times a fixed odd factor modulo 62^8, in 8 base62 digits,
// which anyone could compute and invert.
func publicID(id int64) string {
	n := new(big.Int).Mul(big.NewInt(id), big.NewInt(48271*16807*69621))
	n.Mod(n, new(big.Int).Exp(big.NewInt(62), big.NewInt(8), nil))
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		var r big.Int
		n.DivMod(n, big.NewInt(62), &r)
		b[i] = base62Digits[r.Int64()]
	}
	return string(b)
}

const base62Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// internalID is the internal id of the phone user whose SealTalk id (and
// username) is id.
func (f *fixture) internalID(t *testing.T, id string) int64 {
	t.Helper()
	ctx := context.Background()
	app, err := f.srv.Svc.GetApp(ctx, f.app.Key)
	if err != nil {
		t.Fatal(err)
	}
	u, err := f.srv.Svc.User(ctx, app, id)
	if err != nil {
		t.Fatalf("the user named %s: %v", id, err)
	}
	return u.ID
}

// SealTalk ids cannot be walked: the ids of consecutive registrations are
// not the public permutation of their internal ids, and the public
// spelling of a user's internal id, or of the next one, finds nobody; nor
// do made-up ids of either length.
func TestIDsCannotBeWalked(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		var ids []string
		for _, phone := range []string{"13912345670", "13912345671", "13912345672"} {
			id, _ := f.signUp(t, phone, "P@ssw0rd")
			ids = append(ids, id)
		}
		_, token := f.signUp(t, "13912345673", "P@ssw0rd")
		for _, id := range ids {
			internal := f.internalID(t, id)
			if id == publicID(internal) {
				t.Fatalf("the id %s of user %d is the public permutation of the internal id", id, internal)
			}
			f.call(t, "GET", id, token, nil).want(t, 200, 200)
			for _, guess := range []string{publicID(internal), publicID(internal + 1)} {
				if r := f.call(t, "GET", guess, token, nil); r.Status != 404 {
					t.Fatalf("GET /user/%s (public spelling near user %d): %d %s, want 404", guess, internal, r.Status, r.Result)
				}
			}
		}
		rng := rand.New(rand.NewPCG(3, 4))
		for _, n := range []int{8, 11} {
			for range 50 {
				b := make([]byte, n)
				for i := range b {
					b[i] = base62Digits[rng.IntN(len(base62Digits))]
				}
				if r := f.call(t, "GET", string(b), token, nil); r.Status != 404 {
					t.Fatalf("GET /user/%s (made up): %d %s, want 404", b, r.Status, r.Result)
				}
			}
		}
	})
}

// A user whose phoneVerify is 0 has their phone shown to nobody else, on
// any endpoint that shows users, and still sees it themselves. With
// phoneVerify 1 (the default) others see it as the seed shows.
func TestHiddenPhoneIsNotShownToOthers(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		const alicePhone, carolPhone = "13911112222", "13933334444"
		alice, aliceToken := f.signUp(t, alicePhone, "P@ssw0rd")
		bob, bobToken := f.signUp(t, "13922223333", "P@ssw0rd")
		carol, _ := f.signUp(t, carolPhone, "P@ssw0rd")
		f.call(t, "POST", "set_st_account", aliceToken, map[string]any{"stAccount": "alice01"}).want(t, 200, 200)
		f.call(t, "POST", "set_privacy", aliceToken, map[string]any{"phoneVerify": 0}).want(t, 200, 200)
		// Bob knows Alice every way the API allows: friends, a group,
		// his blacklist.
		f.admin(t, "POST", "/v1/users/"+bob+"/friends", []string{alice})
		f.createGroup(t, alice, "Team", "", bob, carol)
		f.call(t, "POST", "add_to_blacklist", bobToken, map[string]any{"friendId": alice}).want(t, 200, 200)
		f.call(t, "POST", "add_to_blacklist", bobToken, map[string]any{"friendId": carol}).want(t, 200, 200)

		for _, c := range []struct{ method, path string }{
			{"GET", alice}, {"POST", alice}, {"GET", "blacklist"}, {"GET", "sync/0"}, {"GET", "groups"},
			{"GET", "favgroups"}, {"GET", "find_user?st_account=alice01"}, {"GET", "find/86/" + alicePhone},
			{"GET", "find_user?region=86&phone=" + alicePhone},
		} {
			r := f.call(t, c.method, c.path, bobToken, nil)
			if r.Status/100 != 2 && r.Status != 404 {
				t.Fatalf("%s %s: %d %s", c.method, c.path, r.Status, r.Result)
			}
			if strings.Contains(string(r.Result), alicePhone) {
				t.Errorf("%s %s shows another user the phone they hid: %s", c.method, c.path, r.Result)
			}
		}
		// The blacklist still lists Alice, without her phone, and Carol
		// with hers.
		r := f.call(t, "GET", "blacklist", bobToken, nil)
		r.want(t, 200, 200)
		var listed []struct {
			User map[string]any `json:"user"`
		}
		r.result(t, &listed)
		phones := map[any]any{}
		for _, e := range listed {
			phones[e.User["id"]] = e.User["phone"]
		}
		if len(listed) != 2 || phones[alice] != "" || phones[carol] != carolPhone {
			t.Fatalf("blacklist: %s", r.Result)
		}
		var u map[string]any
		f.call(t, "GET", carol, bobToken, nil).result(t, &u)
		if u["phone"] != carolPhone {
			t.Fatalf("GET /user/%s (phoneVerify 1) for another user: %v", carol, u)
		}
		// Alice sees her own phone.
		u = nil
		f.call(t, "GET", alice, aliceToken, nil).result(t, &u)
		if u["phone"] != alicePhone || u["nickname"] != "Tom" || u["stAccount"] != "alice01" {
			t.Fatalf("GET /user/%s for herself: %v", alice, u)
		}
		// Shown again once she allows it.
		f.call(t, "POST", "set_privacy", aliceToken, map[string]any{"phoneVerify": 1}).want(t, 200, 200)
		u = nil
		f.call(t, "GET", alice, bobToken, nil).result(t, &u)
		if u["phone"] != alicePhone {
			t.Fatalf("GET /user/%s after phoneVerify 1: %v", alice, u)
		}
	})
}
