package core_test

import (
	"math/rand/v2"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

var (
	keyA = []byte("tenant A's id key, 32 bytes long")
	keyB = []byte("tenant B's id key, 32 bytes long")
)

// Ids handed out before keyed ids (up to the tenant's legacy range) keep
// the spelling older versions gave them: these are what they answered.
func TestLegacyIDsKeepTheirSpelling(t *testing.T) {
	app := model.App{Key: "old", IDKey: keyA, LegacyUserIDs: 1 << 42, LegacyGroupIDs: 1 << 42}
	for _, c := range []struct {
		id   int64
		want string
	}{
		{1, "G2Pa0jtt"}, {2, "W4pA1Tnm"}, {3, "m7Ek2Dhf"}, {61, "mNAQj9z7"}, {62, "2Pa0jtt0"},
		{1000, "guapwLP6"}, {1 << 20, "N2KX6FQO"}, {1 << 40, "mJdavgCO"}, {3521614606207, "cxaPzG67"},
	} {
		for _, sp := range []struct {
			name   string
			encode func(model.App, int64) string
			parse  func(model.App, string) (int64, bool)
		}{{"user", core.ExternalID, core.ParseExternalID}, {"group", core.GroupExternalID, core.ParseGroupExternalID}} {
			if got := sp.encode(app, c.id); got != c.want {
				t.Errorf("%s %d: %q, want the old %q", sp.name, c.id, got, c.want)
			}
			if got, ok := sp.parse(app, c.want); !ok || got != c.id {
				t.Errorf("%s %q: %d %v, want %d", sp.name, c.want, got, ok, c.id)
			}
		}
	}
}

// New ids are keyed: 11 characters, a different spelling in every tenant
// and for users and groups, and none of them the public spelling.
func TestKeyedIDs(t *testing.T) {
	a, b := model.App{Key: "a", IDKey: keyA}, model.App{Key: "b", IDKey: keyB}
	seen := map[string]int64{}
	for id := int64(1); id <= 2000; id++ {
		ua, ub, ga := core.ExternalID(a, id), core.ExternalID(b, id), core.GroupExternalID(a, id)
		if len(ua) != 11 || !core.ValidUsername(ua) {
			t.Fatalf("id %d: %q is not 11 base62 characters", id, ua)
		}
		if ua == ub || ua == ga {
			t.Fatalf("id %d: tenant A %q, tenant B %q, group %q: want three spellings", id, ua, ub, ga)
		}
		if prev, dup := seen[ua]; dup {
			t.Fatalf("ids %d and %d are both %q", prev, id, ua)
		}
		seen[ua] = id
		if got, ok := core.ParseExternalID(a, ua); !ok || got != id {
			t.Fatalf("%q → %d %v, want %d", ua, got, ok, id)
		}
		// Another tenant's spelling, or a group's, is not this user.
		if got, ok := core.ParseExternalID(a, ub); ok && got == id {
			t.Fatalf("tenant A reads tenant B's %q as %d", ub, id)
		}
		if got, ok := core.ParseExternalID(a, ga); ok && got == id {
			t.Fatalf("the group spelling %q reads as user %d", ga, id)
		}
	}
}

// Each id has one spelling: past the legacy range the 8-character form is
// refused, within it the keyed one; made-up strings almost never parse.
func TestMadeUpIDsAreRefused(t *testing.T) {
	const legacy = 1000
	app := model.App{Key: "a", IDKey: keyA, LegacyUserIDs: legacy}
	old := model.App{Key: "a", IDKey: keyA, LegacyUserIDs: 1 << 42}
	keyedOnly := model.App{Key: "a", IDKey: keyA}
	for id := int64(1); id <= 2*legacy; id++ {
		publicForm, keyedForm := core.ExternalID(old, id), core.ExternalID(keyedOnly, id)
		_, publicOK := core.ParseExternalID(app, publicForm)
		_, keyedOK := core.ParseExternalID(app, keyedForm)
		if inLegacy := id <= legacy; publicOK != inLegacy || keyedOK == inLegacy {
			t.Fatalf("id %d (legacy up to %d): public %q accepted %v, keyed %q accepted %v",
				id, legacy, publicForm, publicOK, keyedForm, keyedOK)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	for _, n := range []int{8, 11} {
		accepted := 0
		for range 200000 {
			b := make([]byte, n)
			for i := range b {
				b[i] = digits[rng.IntN(len(digits))]
			}
			if _, ok := core.ParseExternalID(app, string(b)); ok {
				accepted++
			}
		}
		if accepted > 0 {
			t.Errorf("%d of 200000 random %d-character strings parse as ids", accepted, n)
		}
	}
	for _, s := range []string{"", "G2Pa0jt", "G2Pa0jtt0", "LygHa16AHYG", "zzzzzzzzzzz", "G2Pa0jt!", "G2Pa0jt\u00e9"} {
		if id, ok := core.ParseExternalID(old, s); ok {
			t.Errorf("%q parses as %d", s, id)
		}
	}
}

// FuzzExternalID holds the id codec to its promises for any tenant key
// and legacy range: an accepted string re-encodes to itself (one spelling
// per id) and names a plausible id; every plausible id round-trips, in 8
// characters inside the legacy range and 11 beyond it.
func FuzzExternalID(f *testing.F) {
	for _, s := range []string{"G2Pa0jtt", "W4pA1Tnm", "zzzzzzzz", "00000000", "00000000000", "LygHa16AHYF",
		"LygHa16AHYG", "zzzzzzzzzzz", "G2Pa0jt!", "", "\x00\x00\x00\x00\x00\x00\x00\x00"} {
		f.Add(s, int64(5), int64(1), []byte(nil))
	}
	f.Add("mJdavgCO", int64(1<<40), int64(1<<40), keyB)
	f.Add("", int64(0), int64(-1), []byte{0})
	f.Fuzz(func(t *testing.T, s string, legacy, id int64, key []byte) {
		if len(key) == 0 {
			key = keyA
		}
		app := model.App{Key: "fuzz", IDKey: key, LegacyUserIDs: legacy, LegacyGroupIDs: legacy / 2}
		for _, sp := range []struct {
			name   string
			encode func(model.App, int64) string
			parse  func(model.App, string) (int64, bool)
			legacy int64
		}{
			{"user", core.ExternalID, core.ParseExternalID, app.LegacyUserIDs},
			{"group", core.GroupExternalID, core.ParseGroupExternalID, app.LegacyGroupIDs},
		} {
			if got, ok := sp.parse(app, s); ok {
				if got <= 0 || got > 1<<40 && got > sp.legacy {
					t.Fatalf("%s %q parses as the implausible id %d", sp.name, s, got)
				}
				if again := sp.encode(app, got); again != s {
					t.Fatalf("%s %q parses as %d, which is spelled %q", sp.name, s, got, again)
				}
			}
			if id <= 0 || id > 1<<40 {
				continue
			}
			e := sp.encode(app, id)
			if back, ok := sp.parse(app, e); !ok || back != id {
				t.Fatalf("%s %d → %q → %d %v", sp.name, id, e, back, ok)
			}
			if wantLen := map[bool]int{true: 8, false: 11}[id <= sp.legacy]; len(e) != wantLen {
				t.Fatalf("%s %d (legacy up to %d) is spelled %q, want %d characters", sp.name, id, sp.legacy, e, wantLen)
			}
		}
	})
}

func BenchmarkExternalID(b *testing.B) {
	app := model.App{Key: "a", IDKey: keyA}
	for i := range b.N {
		core.ExternalID(app, int64(i+1))
	}
}

func BenchmarkParseExternalID(b *testing.B) {
	app := model.App{Key: "a", IDKey: keyA}
	id := core.ExternalID(app, 12345)
	for range b.N {
		core.ParseExternalID(app, id)
	}
}
