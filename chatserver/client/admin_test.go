package client_test

// Tests of the admin client against a real chatserver, on SQLite and
// PostgreSQL.

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/client"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// numbered returns n distinct words that fit the default word length.
func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%04d", prefix, i)
	}
	return out
}

// sameWords fails unless got holds exactly want, in any order, once each.
func sameWords(t *testing.T, got, want []string) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Fatalf("words: got %d, want %d (got %.120q...)", len(got), len(want), got)
	}
}

// only returns the requests of one method and path.
func only(reqs []recorded, method, path string) []recorded {
	var out []recorded
	for _, r := range reqs {
		if r.method == method && r.path == path {
			out = append(out, r)
		}
	}
	return out
}

func TestAdminSensitiveWordsPaged(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		e := newEnv(t, b)
		ctx := t.Context()
		// The default capacity is 100 words; the platform raises it.
		key, secret := e.createApp(t, client.Limits{SensitiveWords: 300})
		admin := e.admin(t, key, secret)
		client.SetWordBatches(admin, 100, 100, 1<<20)

		words := numbered("w", 250)
		if err := admin.AddSensitiveWords(ctx, words); err != nil {
			t.Fatalf("AddSensitiveWords(250): %v", err)
		}
		if posts := e.rec.take(); len(posts) != 3 {
			t.Errorf("adding 250 words in batches of 100 took %d requests, want 3", len(posts))
		}

		got, err := admin.ListSensitiveWords(ctx)
		if err != nil {
			t.Fatalf("ListSensitiveWords: %v", err)
		}
		sameWords(t, got, words)
		var queries []string
		for _, r := range e.rec.take() {
			queries = append(queries, r.method+" "+r.path+"?"+r.query)
		}
		want := []string{
			"GET /v1/sensitiveword?count=100&start=0",
			"GET /v1/sensitiveword?count=100&start=100",
			"GET /v1/sensitiveword?count=100&start=200",
		}
		if !slices.Equal(queries, want) {
			t.Errorf("listing sent %q, want %q", queries, want)
		}

		if err := admin.DeleteSensitiveWord(ctx, "w0042"); err != nil {
			t.Fatalf("DeleteSensitiveWord: %v", err)
		}
		if err := admin.ReplaceSensitiveWord(ctx, "w0007", "seven"); err != nil {
			t.Fatalf("ReplaceSensitiveWord: %v", err)
		}
		want249 := slices.DeleteFunc(slices.Clone(words), func(w string) bool { return w == "w0042" })
		want249[slices.Index(want249, "w0007")] = "seven"
		got, err = admin.ListSensitiveWords(ctx)
		if err != nil {
			t.Fatalf("ListSensitiveWords: %v", err)
		}
		sameWords(t, got, want249)

		// The server answers 400/899003 for a word that is not listed.
		err = admin.DeleteSensitiveWord(ctx, "w0042")
		if ae := apiError(t, err); ae.HTTPStatus != http.StatusBadRequest || ae.Code != client.CodeInvalid {
			t.Errorf("deleting an unlisted word = %+v", ae)
		}

		// Past the capacity the batch is refused whole: a bad request, not
		// an outage, and nothing is written.
		err = admin.AddSensitiveWords(ctx, numbered("x", 60))
		if ae := apiError(t, err); ae.HTTPStatus != http.StatusBadRequest || ae.Code != client.CodeInvalid || classes(err) != "" {
			t.Errorf("adding past capacity = %+v classified %q", ae, classes(err))
		}
		if got, _ := admin.ListSensitiveWords(ctx); len(got) != 249 {
			t.Errorf("after a refused add the app has %d words, want 249", len(got))
		}

		e.rec.take()
		if err := admin.AddSensitiveWords(ctx, nil); err != nil {
			t.Errorf("adding no words: %v", err)
		}
		if r := e.rec.take(); len(r) != 0 {
			t.Errorf("adding no words sent %d requests, want none", len(r))
		}
	})
}

// TestAdminSensitiveWordsDefaultSizes runs the real page size (the seed's
// 2000) across a page boundary.
func TestAdminSensitiveWordsDefaultSizes(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		e := newEnv(t, b)
		ctx := t.Context()
		key, secret := e.createApp(t, client.Limits{SensitiveWords: 3000})
		admin := e.admin(t, key, secret)

		words := numbered("d", 2500)
		if err := admin.AddSensitiveWords(ctx, words); err != nil {
			t.Fatalf("AddSensitiveWords(2500): %v", err)
		}
		got, err := admin.ListSensitiveWords(ctx)
		if err != nil {
			t.Fatalf("ListSensitiveWords: %v", err)
		}
		sameWords(t, got, words)
		reqs := e.rec.take()
		if n := len(only(reqs, http.MethodPost, "/v1/sensitiveword")); n != 2 {
			t.Errorf("adding 2500 words took %d POSTs, want 2", n)
		}
		gets := only(reqs, http.MethodGet, "/v1/sensitiveword")
		if len(gets) != 2 || gets[0].query != "count=2000&start=0" || gets[1].query != "count=2000&start=2000" {
			t.Errorf("listing 2500 words sent %+v, want two pages of 2000", gets)
		}
	})
}

// TestAdminAddSplitsByBytes checks that a batch never exceeds the byte
// bound, whatever the word count allows.
func TestAdminAddSplitsByBytes(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		e := newEnv(t, b)
		ctx := t.Context()
		key, secret := e.createApp(t, client.Limits{})
		admin := e.admin(t, key, secret)
		const maxBytes = 64
		client.SetWordBatches(admin, 2000, 2000, maxBytes)

		words := numbered("b", 20) // 7 bytes each in JSON, with the comma
		if err := admin.AddSensitiveWords(ctx, words); err != nil {
			t.Fatalf("AddSensitiveWords: %v", err)
		}
		posts := e.rec.take()
		if len(posts) != 3 {
			t.Errorf("20 words under %d bytes a call took %d POSTs, want 3", maxBytes, len(posts))
		}
		for _, p := range posts {
			if p.bodyLen > maxBytes {
				t.Errorf("a POST carried %d bytes, more than %d", p.bodyLen, maxBytes)
			}
		}
		got, err := admin.ListSensitiveWords(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sameWords(t, got, words)
	})
}

func TestAdminSwitches(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		e := newEnv(t, b)
		ctx := t.Context()
		key, secret := e.createApp(t, client.Limits{})
		admin := e.admin(t, key, secret)

		switches := []struct {
			name string
			get  func() (bool, error)
			set  func(bool) error
			// onApp reads the same switch through the platform API.
			onApp func(client.App) bool
		}{
			{
				"sensitive-word filter",
				func() (bool, error) { return admin.SensitiveWordFilter(ctx) },
				func(on bool) error { return admin.SetSensitiveWordFilter(ctx, on) },
				func(a client.App) bool { return a.SensitiveWordFilter },
			},
			{
				"SDK registration",
				func() (bool, error) { return admin.SDKRegister(ctx) },
				func(on bool) error { return admin.SetSDKRegister(ctx, on) },
				func(a client.App) bool { return a.SDKRegister },
			},
		}
		for _, s := range switches {
			// Off then on, so each value is really written whatever the
			// default.
			for _, want := range []bool{false, true, false} {
				if err := s.set(want); err != nil {
					t.Fatalf("setting %s to %t: %v", s.name, want, err)
				}
				got, err := s.get()
				if err != nil || got != want {
					t.Errorf("%s = %t, %v; want %t", s.name, got, err, want)
				}
				app, err := e.platform.GetApp(ctx, key)
				if err != nil || s.onApp(app) != want {
					t.Errorf("platform view of %s = %t, %v; want %t", s.name, s.onApp(app), err, want)
				}
			}
		}
	})
}

func TestAdminWrongCredentials(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		e := newEnv(t, b)
		ctx := t.Context()
		key, secret := e.createApp(t, client.Limits{})
		if err := e.admin(t, key, secret).AddSensitiveWords(ctx, []string{"stay"}); err != nil {
			t.Fatal(err)
		}

		wrongSecret := testutil.NewKey()
		for name, admin := range map[string]*client.Admin{
			"wrong secret":  e.admin(t, key, wrongSecret),
			"unknown app":   e.admin(t, testutil.NewKey(), secret),
			"empty secret":  e.admin(t, key, ""),
			"secret of key": e.admin(t, key, key),
		} {
			calls := map[string]func() error{
				"ListSensitiveWords":     func() error { _, err := admin.ListSensitiveWords(ctx); return err },
				"AddSensitiveWords":      func() error { return admin.AddSensitiveWords(ctx, []string{"x"}) },
				"ReplaceSensitiveWord":   func() error { return admin.ReplaceSensitiveWord(ctx, "stay", "y") },
				"DeleteSensitiveWord":    func() error { return admin.DeleteSensitiveWord(ctx, "stay") },
				"SensitiveWordFilter":    func() error { _, err := admin.SensitiveWordFilter(ctx); return err },
				"SetSensitiveWordFilter": func() error { return admin.SetSensitiveWordFilter(ctx, false) },
				"SDKRegister":            func() error { _, err := admin.SDKRegister(ctx); return err },
				"SetSDKRegister":         func() error { return admin.SetSDKRegister(ctx, false) },
			}
			for call, fn := range calls {
				err := fn()
				if c := classes(err); c != "Unauthorized" {
					t.Errorf("%s with %s: %v classified %q, want Unauthorized", call, name, err, c)
					continue
				}
				if ae := apiError(t, err); ae.HTTPStatus != http.StatusUnauthorized || ae.Code != client.CodeAuthFailed {
					t.Errorf("%s with %s = %+v", call, name, ae)
				}
				noSecrets(t, err, wrongSecret, secret)
			}
		}
		// Nothing was changed by the refused calls.
		got, err := e.admin(t, key, secret).ListSensitiveWords(ctx)
		if err != nil || !slices.Equal(got, []string{"stay"}) {
			t.Errorf("words after refused calls = %q, %v", got, err)
		}
		if s := fmt.Sprintf("%+v %v", e.admin(t, key, secret), *e.admin(t, key, secret)); strings.Contains(s, secret) {
			t.Errorf("a printed Admin shows its secret: %s", s)
		}
	})
}
