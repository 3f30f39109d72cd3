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
}

// A grant has exactly one token: every other spelling that decodes to the
// same fields (loose base64 bits, a re-spelled expiry, the appKey in
// another case) is refused, so a link cannot be varied to slip past a
// cache, a log filter or a revocation list keyed on the token.
func TestSignerAcceptsOneSpellingPerGrant(t *testing.T) {
	t.Parallel()
	s := media.NewSigner([]byte("secret"))
	// A real appKey and mediaId: 38 bytes of mediaId and 32 of signature
	// leave 2 loose bits in the last base64 character of each.
	g := media.Grant{AppKey: "AppKey000000000000000001", MediaID: "image/0123456789abcdef0123456789abcdef", Expires: t0.Add(time.Hour)}
	tok := s.Issue(g)
	if _, err := s.Check(tok, t0); err != nil {
		t.Fatalf("the issued token: %v", err)
	}
	parts := strings.Split(tok, ".")
	swap := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, ".")
	}
	alternatives := map[string]string{
		"expiry with a plus sign":       swap(2, "+"+parts[2]),
		"expiry with a leading zero":    swap(2, "0"+parts[2]),
		"expiry with two leading zeros": swap(2, "00"+parts[2]),
		"expiry with +0":                swap(2, "+0"+parts[2]),
		"appKey upper-cased":            swap(0, strings.ToUpper(parts[0])),
		"appKey lower-cased":            swap(0, strings.ToLower(parts[0])),
		// A base64 decoder skips CR and LF, even a strict one; a link
		// carries them as %0D and %0A.
		"signature with a final LF":   swap(3, parts[3]+"\n"),
		"mediaId with a CR LF inside": swap(1, parts[1][:4]+"\r\n"+parts[1][4:]),
	}
	for _, field := range []struct {
		name string
		i    int
	}{{"mediaId", 1}, {"signature", 3}} {
		for _, alt := range looseBitSpellings(t, parts[field.i]) {
			alternatives[field.name+" spelled "+alt] = swap(field.i, alt)
		}
	}
	for name, alt := range alternatives {
		if alt == tok {
			t.Fatalf("%s: the alternative is the token itself", name)
		}
		if _, err := s.Check(alt, t0); !errors.Is(err, media.ErrBadToken) {
			t.Errorf("%s: Check(%q) = %v, want ErrBadToken", name, alt, err)
		}
	}
}

// looseBitSpellings returns the other spellings of unpadded base64url
// field f that a lenient decoder reads as the same bytes: the last
// character with its unused low bits set otherwise.
func looseBitSpellings(t *testing.T, f string) []string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	loose := map[int]uint{2: 4, 3: 2}[len(f)%4] // unused bits of the last character
	if loose == 0 {
		t.Fatalf("%q has no loose bits; pick a length that leaves some", f)
	}
	last := strings.IndexByte(alphabet, f[len(f)-1])
	var out []string
	for m := 1; m < 1<<loose; m++ {
		alt := f[:len(f)-1] + string(alphabet[last^m])
		lenient, err := base64.RawURLEncoding.DecodeString(alt)
		if want, _ := base64.RawURLEncoding.DecodeString(f); err != nil || string(lenient) != string(want) {
			t.Fatalf("%q does not decode leniently to the bytes of %q", alt, f)
		}
		out = append(out, alt)
	}
	return out
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
