package media_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/media"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestSignerRoundTrip(t *testing.T) {
	t.Parallel()
	s := media.NewSigner([]byte("secret"))
	g := media.Grant{AppKey: "AppKey000000000000000001", MediaID: "image/0123abcd", Expires: t0.Add(time.Hour)}
	tok := s.Issue(g)
	got, err := s.Check(tok, t0)
	if err != nil {
		t.Fatalf("Check(%s): %v", tok, err)
	}
	if got.AppKey != g.AppKey || got.MediaID != g.MediaID || !got.Expires.Equal(g.Expires) {
		t.Fatalf("Check = %+v, want %+v", got, g)
	}
	if strings.ContainsAny(tok, "/?#%+= ") {
		t.Fatalf("token %q is not a plain URL path segment", tok)
	}
	// The appKey is case-insensitive, as everywhere in JMessage.
	upper := strings.ToUpper(g.AppKey) + tok[len(g.AppKey):]
	if _, err := s.Check(upper, t0); err != nil {
		t.Fatalf("Check with the appKey in another case: %v", err)
	}
}

func TestSignerExpiry(t *testing.T) {
	t.Parallel()
	s := media.NewSigner([]byte("secret"))
	tok := s.Issue(media.Grant{AppKey: "a", MediaID: "m", Expires: t0})
	if _, err := s.Check(tok, t0.Add(-time.Nanosecond)); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
	for _, now := range []time.Time{t0, t0.Add(time.Second), t0.Add(24 * time.Hour)} {
		if _, err := s.Check(tok, now); !errors.Is(err, media.ErrExpired) {
			t.Fatalf("at %s: Check = %v, want ErrExpired", now, err)
		}
	}
}

func TestSignerRefusesTamperedTokens(t *testing.T) {
	t.Parallel()
	s := media.NewSigner([]byte("secret"))
	g := media.Grant{AppKey: "appone", MediaID: "file/1", Expires: t0.Add(time.Hour)}
	tok := s.Issue(g)
	parts := strings.Split(tok, ".")
	b64 := base64.RawURLEncoding.EncodeToString
	swap := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, ".")
	}
	sig := []byte(parts[3])
	sig[0] ^= 1
	for name, bad := range map[string]string{
		"other app":        swap(0, "apptwo"),
		"other media":      swap(1, b64([]byte("file/2"))),
		"later expiry":     swap(2, "99999999999"),
		"flipped sig":      swap(3, string(sig)),
		"truncated sig":    swap(3, parts[3][:20]),
		"no sig":           strings.Join(parts[:3], "."),
		"extra part":       tok + ".x",
		"empty":            "",
		"empty app":        swap(0, ""),
		"media not base64": swap(1, "!!"),
		"expiry not int":   swap(2, "soon"),
		"other secret":     media.NewSigner([]byte("other")).Issue(g),
	} {
		if _, err := s.Check(bad, t0); !errors.Is(err, media.ErrBadToken) {
			t.Errorf("%s: Check(%q) = %v, want ErrBadToken", name, bad, err)
		}
	}
}

func TestDeriveSecretIsStableAndTokenBound(t *testing.T) {
	a, b := media.DeriveSecret("token-a"), media.DeriveSecret("token-a")
	if string(a) != string(b) || len(a) != 32 {
		t.Fatal("DeriveSecret is not a stable 32-byte value")
	}
	if string(a) == string(media.DeriveSecret("token-b")) {
		t.Fatal("different platform tokens derive the same secret")
	}
	if string(a) == "token-a" {
		t.Fatal("the platform token itself is used as the secret")
	}
}
