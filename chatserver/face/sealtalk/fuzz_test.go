package sealtalk

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
)

// FuzzSessionToken reads SealTalk requests with arbitrary Cookie and
// Authorization headers, as the server reads them off the wire. A
// non-empty session cookie wins; else a "Bearer " header gives its
// credentials, trimmed; any other scheme gives no token. A case variant of
// "Bearer" may give either: the code matches the scheme case-sensitively,
// HTTP says schemes are case-insensitive, and this target holds neither.
func FuzzSessionToken(f *testing.F) {
	for _, seed := range [][2]string{
		{CookieName + "=0123456789abcdef", ""},
		{CookieName + "=c", "Bearer b"},
		{CookieName + "=", "Bearer b"},
		{"other=x; " + CookieName + "=c; " + CookieName + "=d", ""},
		{CookieName + `="quoted"`, ""},
		{CookieName + "=a b", "Bearer  b  "},
		{"", "bearer b"},
		{"", "Bearer"},
		{"", "Bearer \u00a0"},
		{"", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"},
		{"", "Bearerb"},
		{"RONG_IM_AUTH=c", ""},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, cookie, authorization string) {
		raw := "POST /apps/app/user/logout HTTP/1.1\r\nHost: chat.example\r\nCookie: " + cookie +
			"\r\nAuthorization: " + authorization + "\r\n\r\n"
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return
		}
		got := sessionToken(r)
		if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
			if got != c.Value {
				t.Fatalf("Cookie %q: token = %q, want the cookie's %q", r.Header.Get("Cookie"), got, c.Value)
			}
			return
		}
		h := r.Header.Get("Authorization")
		scheme, cred, found := strings.Cut(h, " ")
		switch {
		case found && scheme == "Bearer":
			if want := strings.TrimSpace(cred); got != want {
				t.Fatalf("Authorization %q: token = %q, want %q", h, got, want)
			}
		case found && strings.EqualFold(scheme, "bearer"):
			if got != "" && got != strings.TrimSpace(cred) {
				t.Fatalf("Authorization %q: token = %q, neither none nor the credentials", h, got)
			}
		case got != "":
			t.Fatalf("Cookie %q, Authorization %q: token = %q, want none", r.Header.Get("Cookie"), h, got)
		}
	})
}
