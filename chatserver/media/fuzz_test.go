package media_test

import (
	"bytes"
	"errors"
	"image"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/media"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// fuzzSigner signs every token the fuzz targets check.
var fuzzSigner = media.NewSigner([]byte("fuzz secret"))

// FuzzSignerCheck feeds Check arbitrary tokens. A token Check accepts is
// the one Issue writes for the grant it read: one spelling per grant.
// Check never answers anything but a grant, ErrBadToken or ErrExpired.
func FuzzSignerCheck(f *testing.F) {
	issued := fuzzSigner.Issue(media.Grant{AppKey: "AppKey000000000000000001",
		MediaID: "image/0123456789abcdef0123456789abcdef", Expires: t0.Add(time.Hour)})
	parts := strings.Split(issued, ".")
	for _, tok := range []string{
		issued,
		fuzzSigner.Issue(media.Grant{AppKey: "a", MediaID: "m", Expires: t0.Add(time.Second)}),
		fuzzSigner.Issue(media.Grant{AppKey: "appkey", MediaID: "file/1", Expires: time.Unix(math.MaxInt64, 0)}),
		fuzzSigner.Issue(media.Grant{AppKey: "k", MediaID: "voice/\x00\xff", Expires: t0.Add(24 * time.Hour)}),
		// Other spellings of issued, all refused.
		strings.Join([]string{parts[0], parts[1], "+" + parts[2], parts[3]}, "."),
		strings.Join([]string{parts[0], parts[1], "0" + parts[2], parts[3]}, "."),
		strings.Join([]string{strings.ToLower(parts[0]), parts[1], parts[2], parts[3]}, "."),
		strings.Join([]string{parts[0], parts[1], parts[2], parts[3][:len(parts[3])-1] + "l"}, "."),
		// Hostile shapes.
		"", ".", "...", "....", "a.b.c.d", "a..0.", "a.bQ.-0.AA", "a.bQ.99999999999999999999.AA",
		strings.Repeat("A", 1000) + ".bQ.1.AA", "äpp.bQ.1.AA", "a.bQ.1." + strings.Repeat("_", 43),
	} {
		f.Add(tok)
	}
	now := t0
	f.Fuzz(func(t *testing.T, tok string) {
		g, err := fuzzSigner.Check(tok, now)
		switch {
		case err == nil:
			if again := fuzzSigner.Issue(g); again != tok {
				t.Fatalf("Check accepted %q for %+v, but Issue writes it as %q", tok, g, again)
			}
			if !now.Before(g.Expires) {
				t.Fatalf("Check accepted %q, expired at %v", tok, g.Expires)
			}
		case errors.Is(err, media.ErrBadToken), errors.Is(err, media.ErrExpired):
		default:
			t.Fatalf("Check(%q) = %v, want a grant, ErrBadToken or ErrExpired", tok, err)
		}
	})
}

// FuzzSignerRespell edits a genuine token: it replaces del bytes at pos
// with ins. Random tokens almost never carry a valid signature, so this
// is where other spellings of a real grant are looked for: whatever the
// edit, Check accepts the result only if it is the token itself.
func FuzzSignerRespell(f *testing.F) {
	tok := fuzzSigner.Issue(media.Grant{AppKey: "AppKey000000000000000001",
		MediaID: "image/0123456789abcdef0123456789abcdef", Expires: t0.Add(time.Hour)})
	dot := func(n int) uint16 { // the offset just after the nth "."
		i := 0
		for range n {
			i += strings.IndexByte(tok[i:], '.') + 1
		}
		return uint16(i)
	}
	for _, seed := range []struct {
		pos uint16
		del uint8
		ins string
	}{
		{0, 0, ""},                       // the token itself
		{0, 1, "a"},                      // the appKey in another case
		{dot(2), 0, "+"},                 // a signed expiry
		{dot(2), 0, "0"},                 // a leading zero
		{uint16(len(tok) - 1), 1, "l"},   // loose bits of the signature
		{dot(2) - 2, 1, "a"},             // loose bits of the mediaId
		{dot(3), 0, "="},                 // padding
		{dot(1), 0, "%"},                 // an escape
		{dot(3), uint8(len(tok)), "AAA"}, // another signature
	} {
		f.Add(seed.pos, seed.del, seed.ins)
	}
	now := t0
	f.Fuzz(func(t *testing.T, pos uint16, del uint8, ins string) {
		p := min(int(pos), len(tok))
		edited := tok[:p] + ins + tok[min(p+int(del), len(tok)):]
		g, err := fuzzSigner.Check(edited, now)
		if err == nil && edited != tok {
			t.Fatalf("Check accepted %q, another spelling of %q (%+v)", edited, tok, g)
		}
		if err != nil && edited == tok {
			t.Fatalf("Check refused the issued token: %v", err)
		}
	})
}

// FuzzSignerRoundTrip issues tokens for arbitrary grants and checks them
// at arbitrary times. An issuable grant (non-empty appKey without ".",
// non-empty mediaId) comes back whole before its expiry and is
// ErrExpired from then on; any other grant's token is refused.
func FuzzSignerRoundTrip(f *testing.F) {
	for _, seed := range []struct {
		appKey, mediaID string
		exp, now        int64
	}{
		{"AppKey000000000000000001", "image/0123456789abcdef0123456789abcdef", t0.Unix() + 3600, t0.Unix()},
		{"appkey000000000000000001", "file/1", t0.Unix(), t0.Unix()},
		{"a", "m", 0, -1},
		{"a", "m", math.MaxInt64, math.MinInt64},
		{"a", "m", math.MinInt64, math.MaxInt64},
		{"a.b", "m", 1, 0},
		{"", "m", 1, 0},
		{"a", "", 1, 0},
		{"张三", "voice/\x00\xff\n", 1, 0},
	} {
		f.Add(seed.appKey, seed.mediaID, seed.exp, seed.now)
	}
	f.Fuzz(func(t *testing.T, appKey, mediaID string, exp, nowUnix int64) {
		g := media.Grant{AppKey: appKey, MediaID: mediaID, Expires: time.Unix(exp, 0)}
		now := time.Unix(nowUnix, 0)
		tok := fuzzSigner.Issue(g)
		got, err := fuzzSigner.Check(tok, now)
		issuable := appKey != "" && !strings.Contains(appKey, ".") && mediaID != ""
		switch {
		case !issuable:
			if !errors.Is(err, media.ErrBadToken) {
				t.Fatalf("the token %q of unissuable grant %+v: Check = %+v, %v; want ErrBadToken", tok, g, got, err)
			}
		case !now.Before(g.Expires):
			if !errors.Is(err, media.ErrExpired) {
				t.Fatalf("Check(%q) at %v = %+v, %v; want ErrExpired", tok, now, got, err)
			}
		case err != nil:
			t.Fatalf("Check(%q) at %v: %v", tok, now, err)
		case got.AppKey != g.AppKey || got.MediaID != g.MediaID || !got.Expires.Equal(g.Expires):
			t.Fatalf("Check(%q) = %+v, want %+v", tok, got, g)
		}
	})
}

// magic is the signature each accepted format's bytes start with, as
// package image sniffs it.
var magic = map[string][]string{
	"png": {"\x89PNG\r\n\x1a\n"},
	"jpg": {"\xff\xd8"},
	"gif": {"GIF87a", "GIF89a"},
	"bmp": {"BM"},
}

// FuzzProbeImage feeds ProbeImage arbitrary bytes. What it accepts has a
// positive size and one of the four formats, and that format's magic
// bytes open the data; anything else is ErrNotImage. When the pixels of a
// small PNG, JPEG or BMP decode, they have the size the header gave (a
// GIF's size is its logical screen, which its frames need not fill).
func FuzzProbeImage(f *testing.F) {
	for _, format := range []string{"png", "jpg", "gif", "bmp"} {
		img := testutil.ImageBytes(f, format, 5, 3)
		f.Add(img)
		f.Add(img[:len(img)/2])
	}
	for _, s := range []string{
		"",
		"FAKEFMT and then some", // registered in probe_test.go, never accepted
		"GIF89a\x00\x00\x00\x00\x00\x00\x00",
		"GIF89a\xff\xff\xff\xff\x00\x00\x00",
		// A PNG header claiming 2^31-1 × 2^31-1.
		"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x7f\xff\xff\xff\x7f\xff\xff\xff\x08\x02\x00\x00\x00\x00\x00\x00\x00",
		// A BMP header with a negative width and a top-down (negative) height.
		"BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00\xfe\xff\xff\xff\xfe\xff\xff\xff\x01\x00\x18\x00",
		// A JPEG whose SOF0 says 0 × 0.
		"\xff\xd8\xff\xc0\x00\x0b\x08\x00\x00\x00\x00\x01\x01\x11\x00\xff\xd9",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := media.ProbeImage(data)
		if err != nil {
			if !errors.Is(err, media.ErrNotImage) || info != (media.ImageInfo{}) {
				t.Fatalf("ProbeImage = %+v, %v; a refusal is a zero ImageInfo and ErrNotImage", info, err)
			}
			return
		}
		if info.Width <= 0 || info.Height <= 0 {
			t.Fatalf("ProbeImage = %+v: the size is not positive", info)
		}
		prefixes, ok := magic[info.Format]
		if !ok {
			t.Fatalf("ProbeImage = %+v: not one of the accepted formats", info)
		}
		if !slices.ContainsFunc(prefixes, func(p string) bool { return bytes.HasPrefix(data, []byte(p)) }) {
			t.Fatalf("ProbeImage = %+v, but the data opens with %q", info, data[:min(len(data), 8)])
		}
		if info.Format == "gif" || info.Width*info.Height > 1<<16 {
			return // decoding would cost what probing avoids
		}
		if img, _, err := image.Decode(bytes.NewReader(data)); err == nil {
			if b := img.Bounds(); b.Dx() != info.Width || b.Dy() != info.Height {
				t.Fatalf("ProbeImage = %+v, but the pixels are %d×%d", info, b.Dx(), b.Dy())
			}
		}
	})
}
