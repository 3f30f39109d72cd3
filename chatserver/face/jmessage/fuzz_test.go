package jmessage

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// The one tenant of the fuzz targets; the key is mixed-case to exercise
// JMessage's case-insensitive appKeys.
const (
	fuzzAppKey = "AppKey000000000000000001"
	fuzzSecret = "Secret000000000000000001"
)

// basicAuthChecker runs authed on requests read off the wire, against a
// real service with one app on SQLite.
type basicAuthChecker struct {
	authed http.HandlerFunc
	app    *model.App // the app the last authenticated request reached
}

func newBasicAuthChecker(f *testing.F) *basicAuthChecker {
	f.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(f.TempDir(), "chat.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = st.Close() })
	svc := core.New(st)
	if _, _, err := svc.PutApp(ctx, core.AppSpec{Key: fuzzAppKey, MasterSecret: fuzzSecret}); err != nil {
		f.Fatal(err)
	}
	c := &basicAuthChecker{}
	c.authed = New(svc).authed(func(w http.ResponseWriter, _ *http.Request, app model.App) {
		c.app = &app
		w.WriteHeader(http.StatusNoContent)
	})
	return c
}

// check sends one Authorization header. The request reaches the handler,
// as the app, exactly when net/http's BasicAuth reads a 24-character
// appKey equal to the app's but for case, and the app's secret; any other
// request is 401/899008 asking for Basic credentials.
func (c *basicAuthChecker) check(t *testing.T, authorization string) {
	raw := "GET /v1/users HTTP/1.1\r\nHost: chat.example\r\nAuthorization: " + authorization + "\r\n\r\n"
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		return
	}
	key, secret, ok := r.BasicAuth()
	want := ok && core.ValidKey(key) && strings.EqualFold(key, fuzzAppKey) && secret == fuzzSecret
	c.app = nil
	w := httptest.NewRecorder()
	c.authed(w, r)
	h := r.Header.Get("Authorization")
	if want {
		if c.app == nil || c.app.Key != fuzzAppKey || w.Code != http.StatusNoContent {
			t.Fatalf("Authorization %q (%q, %q): status %d, app %+v; want the app", h, key, secret, w.Code, c.app)
		}
		return
	}
	if c.app != nil {
		t.Fatalf("Authorization %q (%q, %q, %v) reached the handler as %s", h, key, secret, ok, c.app.Key)
	}
	var body errorBody
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != http.StatusUnauthorized ||
		body.Error.Code != CodeAuthFailed || !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Basic ") {
		t.Fatalf("Authorization %q: status %d, %s (WWW-Authenticate %q); want 401/%d", h, w.Code, w.Body,
			w.Header().Get("WWW-Authenticate"), CodeAuthFailed)
	}
}

func basic(scheme, key, secret string) string {
	return scheme + " " + base64.StdEncoding.EncodeToString([]byte(key+":"+secret))
}

// FuzzBasicAuth sends arbitrary Authorization headers to an admin route.
func FuzzBasicAuth(f *testing.F) {
	for _, h := range []string{
		basic("Basic", fuzzAppKey, fuzzSecret),
		basic("basic", strings.ToLower(fuzzAppKey), fuzzSecret),
		basic("BASIC", strings.ToUpper(fuzzAppKey), fuzzSecret),
		basic("Basic", fuzzAppKey, strings.ToLower(fuzzSecret)),
		basic("Basic", fuzzAppKey, fuzzSecret+":"),
		basic("Basic", fuzzAppKey+"1", fuzzSecret),
		basic("Basic", fuzzAppKey[:23]+"é", fuzzSecret),
		basic("Basic", fuzzAppKey+"\x00", fuzzSecret),
		basic("Basic", "", ""),
		strings.TrimRight(basic("Basic", fuzzAppKey, fuzzSecret), "="),
		"Basic " + base64.StdEncoding.EncodeToString([]byte(fuzzAppKey)),
		"Basic !!!!",
		"Basic",
		"Bearer " + fuzzSecret,
		"",
	} {
		f.Add(h)
	}
	c := newBasicAuthChecker(f)
	f.Fuzz(func(t *testing.T, authorization string) { c.check(t, authorization) })
}

// FuzzBasicCredentials sends arbitrary credentials, well encoded, so the
// fuzzer explores the appKey and secret rather than base64.
func FuzzBasicCredentials(f *testing.F) {
	for _, s := range [][3]string{
		{"Basic", fuzzAppKey, fuzzSecret},
		{"bAsIc", strings.ToLower(fuzzAppKey), fuzzSecret},
		{"Basic", strings.ToUpper(fuzzAppKey), strings.ToUpper(fuzzSecret)},
		{"Basic", fuzzAppKey + ":" + fuzzSecret, ""},
		{"Basic", " " + fuzzAppKey, fuzzSecret},
		{"Basic", fuzzAppKey, fuzzSecret + "\n"},
		// The Kelvin sign folds to "k": the key is not 24 letters or digits.
		{"Basic", "AppKey000000000000000001"[:3] + "\u212a" + "ey000000000000000001", fuzzSecret},
		{"Basic", "\xff", "\x00"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	c := newBasicAuthChecker(f)
	f.Fuzz(func(t *testing.T, scheme, key, secret string) { c.check(t, basic(scheme, key, secret)) })
}
