package jmessage_test

// 媒体文件下载与上传 (seed 003): POST /v1/resource?type=image|file|voice with
// the file in the multipart field "filename" (curl -F "filename=@test.jpg"),
// and GET /v1/resource?mediaId= answering {"url"}: a signed link that works
// without Basic auth and expires.

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/media"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// Our codes; the seed has none for these.
const (
	codeMediaNotFound   = 899080
	codeMediaLinkDenied = 899081
)

// The seed's answer keys per upload type.
var mediaKeys = map[string][]string{
	"image": {"format", "fsize", "hash", "height", "media_crc32", "media_id", "width"},
	"file":  {"fname", "fsize", "hash", "media_crc32", "media_id"},
	"voice": {"format", "fsize", "hash", "media_crc32", "media_id"},
}

// mediaFixture is a fixture whose server runs on a clock the test moves.
type mediaFixture struct {
	*fixture
	clock *testutil.Clock
}

func newMediaFixture(t *testing.T, b testutil.Backend, appBody map[string]any) *mediaFixture {
	t.Helper()
	clock := testutil.NewClock(time.Now().UTC().Truncate(time.Second))
	srv := testutil.StartServer(t, b, core.WithClock(clock.Now))
	return &mediaFixture{fixture: &fixture{srv: srv, app: srv.CreateApp(t, appBody)}, clock: clock}
}

// formPart is one part of a multipart body.
type formPart struct {
	field, filename string
	data            []byte
}

// multipartBody encodes parts as curl -F does: a file name for file parts.
func multipartBody(t *testing.T, parts ...formPart) (contentType string, body []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		disp := fmt.Sprintf(`form-data; name=%q`, p.field)
		if p.filename != "" {
			esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(p.filename)
			disp += `; filename="` + esc + `"`
			h.Set("Content-Type", "application/octet-stream")
		}
		h.Set("Content-Disposition", disp)
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = pw.Write(p.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.Bytes()
}

// send is a request with any body and headers (Do always sends JSON).
func send(t *testing.T, method, rawURL string, auth testutil.Auth, contentType string, body []byte, header ...string) testutil.Response {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	if auth != nil {
		auth(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return testutil.Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// upload posts one file as the seed's curl examples do.
func (f *fixture) upload(t *testing.T, typ, filename string, data []byte) testutil.Response {
	t.Helper()
	ct, body := multipartBody(t, formPart{"filename", filename, data})
	return f.uploadRaw(t, "?type="+typ, ct, body)
}

func (f *fixture) uploadRaw(t *testing.T, query, contentType string, body []byte) testutil.Response {
	t.Helper()
	return send(t, "POST", f.srv.URL+"/v1/resource"+query, f.app.As(), contentType, body)
}

// uploaded is an upload answer.
type uploaded struct {
	MediaID string `json:"media_id"`
	CRC32   uint32 `json:"media_crc32"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Format  string `json:"format"`
	Fsize   int64  `json:"fsize"`
	Hash    string `json:"hash"`
	Fname   string `json:"fname"`
}

// uploadOK uploads and checks what every answer carries: the seed's keys
// for the type, the real CRC-32, the size and the hash of the bytes.
func (f *fixture) uploadOK(t *testing.T, typ, filename string, data []byte) uploaded {
	t.Helper()
	r := f.upload(t, typ, filename, data)
	wantStatus(t, r, http.StatusOK)
	var keys map[string]any
	r.JSON(t, &keys)
	got := make([]string, 0, len(keys))
	for k := range keys {
		got = append(got, k)
	}
	slices.Sort(got)
	wantNames(t, typ+" answer keys", got, mediaKeys[typ]...)
	var u uploaded
	r.JSON(t, &u)
	if u.MediaID == "" {
		t.Fatalf("empty media_id: %s", r.Body)
	}
	if want := crc32.ChecksumIEEE(data); u.CRC32 != want {
		t.Errorf("media_crc32 = %d, want %d", u.CRC32, want)
	}
	if u.Fsize != int64(len(data)) {
		t.Errorf("fsize = %d, want %d", u.Fsize, len(data))
	}
	if want := qiniuEtag(data); u.Hash != want {
		t.Errorf("hash = %q, want the etag %q", u.Hash, want)
	}
	return u
}

// qiniuEtag is the hash format of the seed's examples: 0x16 and the SHA-1
// of up to 4 MiB; above, 0x96 and the SHA-1 of the 4 MiB blocks' SHA-1s.
func qiniuEtag(data []byte) string {
	const block = 4 << 20
	if len(data) <= block {
		sum := sha1.Sum(data)
		return base64.URLEncoding.EncodeToString(append([]byte{0x16}, sum[:]...))
	}
	var sums []byte
	for len(data) > 0 {
		n := min(block, len(data))
		sum := sha1.Sum(data[:n])
		sums, data = append(sums, sum[:]...), data[n:]
	}
	tree := sha1.Sum(sums)
	return base64.URLEncoding.EncodeToString(append([]byte{0x96}, tree[:]...))
}

// mediaURL asks for a download link, which must be absolute.
func (f *fixture) mediaURL(t *testing.T, mediaID string, header ...string) string {
	t.Helper()
	r := send(t, "GET", f.srv.URL+"/v1/resource?mediaId="+url.QueryEscape(mediaID), f.app.As(), "", nil, header...)
	wantStatus(t, r, http.StatusOK)
	var body map[string]string
	r.JSON(t, &body)
	u, err := url.Parse(body["url"])
	if err != nil || !u.IsAbs() || len(body) != 1 {
		t.Fatalf(`want {"url": <absolute URL>}, got %s`, r.Body)
	}
	return body["url"]
}

// download fetches a link the way a browser would: no credentials.
func download(t *testing.T, link string) testutil.Response {
	t.Helper()
	return send(t, "GET", link, nil, "", nil)
}

// mediaCounts is how many upload records and stored blobs the app has.
func (f *fixture) mediaCounts(t *testing.T) (records, blobs int) {
	t.Helper()
	ctx := context.Background()
	a, err := f.srv.Svc.GetApp(ctx, f.app.Key)
	if err != nil {
		t.Fatal(err)
	}
	records, blobs, err = f.srv.Store.Read().MediaCounts(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return records, blobs
}

func (f *fixture) wantMediaCounts(t *testing.T, want int) {
	t.Helper()
	if records, blobs := f.mediaCounts(t); records != want || blobs != want {
		t.Fatalf("app has %d media records and %d blobs, want %d of each", records, blobs, want)
	}
}

// 图片上传: jpg, bmp, gif and png; width, height and format come from the
// bytes, whatever the file is called.
func TestConformanceUploadImage(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		seen := map[string]bool{}
		for i, c := range []struct {
			format, filename string
			w, h             int
		}{
			{"jpg", "test.jpg", 72, 128},
			{"png", "test.png", 37, 23},
			{"gif", "test.gif", 5, 9},
			{"bmp", "test.bmp", 31, 17},
			{"png", "misnamed.jpg", 11, 12},
			{"jpg", "no-extension", 8, 8},
		} {
			data := testutil.ImageBytes(t, c.format, c.w, c.h)
			u := f.uploadOK(t, "image", c.filename, data)
			if u.Format != c.format || u.Width != c.w || u.Height != c.h {
				t.Errorf("#%d %s as %s: format/width/height = %s %d×%d, want %s %d×%d",
					i, c.format, c.filename, u.Format, u.Width, u.Height, c.format, c.w, c.h)
			}
			if seen[u.MediaID] {
				t.Errorf("media_id %q handed out twice", u.MediaID)
			}
			seen[u.MediaID] = true
		}
		f.wantMediaCounts(t, len(seen))
	})
}

// 文件上传 and 语音上传: any bytes. A file answers its base name as fname; a
// voice answers its extension as format, and is not decoded.
func TestConformanceUploadFileAndVoice(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		data := []byte("\x00not really audio\xffdump\r\n")
		for _, c := range []struct{ typ, filename, want string }{
			{"file", "0839d1c0-48e9-4032-9333-f3691a7d9e48.dmp", "0839d1c0-48e9-4032-9333-f3691a7d9e48.dmp"},
			{"file", "/home/test/test.mp3", "test.mp3"},
			{"file", "../../etc/passwd", "passwd"},
			{"file", `C:\Users\me\报告 final.docx`, "报告 final.docx"},
			{"file", "", "file"},
			{"voice", "test.m4a", "m4a"},
			{"voice", "Memo.MP3", "mp3"},
			{"voice", "a.b.amr", "amr"},
			{"voice", "voice", "unknown"},
			{"voice", "weird.m-4a!", "unknown"},
		} {
			u := f.uploadOK(t, c.typ, c.filename, data)
			got, field := u.Fname, "fname"
			if c.typ == "voice" {
				got, field = u.Format, "format"
			}
			if got != c.want {
				t.Errorf("uploading %s %q: %s = %q, want %q", c.typ, c.filename, field, got, c.want)
			}
		}
	})
}

// 文件下载: GET /v1/resource?mediaId= → {"url"}; the link serves the same
// bytes without Basic auth.
func TestConformanceMediaDownloadRoundTrip(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		for _, c := range []struct {
			typ, filename string
			data          []byte
			contentType   string
			disposition   string
		}{
			{"image", "photo.jpg", testutil.ImageBytes(t, "jpg", 20, 10), "image/jpeg", ""},
			{"image", "p.png", testutil.ImageBytes(t, "png", 3, 4), "image/png", ""},
			{"image", "p.gif", testutil.ImageBytes(t, "gif", 3, 4), "image/gif", ""},
			{"image", "p.bmp", testutil.ImageBytes(t, "bmp", 3, 4), "image/bmp", ""},
			{"voice", "hello.m4a", []byte("m4a bytes"), "audio/mp4", ""},
			{"file", "report.pdf", []byte("%PDF-1.4 whatever"), "application/octet-stream", `attachment; filename=report.pdf`},
			{"file", "页面.html", []byte("<script>alert(1)</script>"), "application/octet-stream", `attachment; filename*=utf-8''%E9%A1%B5%E9%9D%A2.html`},
		} {
			u := f.uploadOK(t, c.typ, c.filename, c.data)
			link := f.mediaURL(t, u.MediaID)
			if !strings.HasPrefix(link, f.srv.URL+"/") {
				t.Errorf("url %q is not on the server the client called (%s)", link, f.srv.URL)
			}
			r := download(t, link)
			wantStatus(t, r, http.StatusOK)
			if !bytes.Equal(r.Body, c.data) {
				t.Fatalf("%s %s: downloaded %d bytes that differ from the %d uploaded", c.typ, c.filename, len(r.Body), len(c.data))
			}
			if got := crc32.ChecksumIEEE(r.Body); got != u.CRC32 {
				t.Errorf("CRC-32 of the download %d != media_crc32 %d", got, u.CRC32)
			}
			for k, want := range map[string]string{
				"Content-Type":           c.contentType,
				"Content-Length":         fmt.Sprint(len(c.data)),
				"Content-Disposition":    c.disposition,
				"X-Content-Type-Options": "nosniff",
			} {
				if got := r.Header.Get(k); got != want {
					t.Errorf("%s %s: %s = %q, want %q", c.typ, c.filename, k, got, want)
				}
			}
		}

		// Behind a TLS-terminating proxy the link is https.
		u := f.uploadOK(t, "file", "x.txt", []byte("x"))
		if link := f.mediaURL(t, u.MediaID, "X-Forwarded-Proto", "https"); !strings.HasPrefix(link, "https://"+strings.TrimPrefix(f.srv.URL, "http://")+"/") {
			t.Errorf("behind a TLS proxy, url = %q", link)
		}
	})
}

// A link whose signature does not match what it names is refused.
func TestConformanceMediaDownloadRefusesTamperedLinks(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		other := f.otherApp(t)
		mine := f.uploadOK(t, "file", "mine.txt", []byte("mine"))
		secret := f.uploadOK(t, "file", "secret.txt", []byte("secret"))
		theirs := other.uploadOK(t, "file", "theirs.txt", []byte("theirs"))
		link := f.mediaURL(t, mine.MediaID)
		wantStatus(t, download(t, link), http.StatusOK)

		// The link is .../media/<appKey>.<mediaId>.<expiry>.<signature>.
		tokenParts := func(link string) (base string, parts []string) {
			base, token, ok := strings.Cut(link, "/media/")
			parts = strings.Split(token, ".")
			if !ok || len(parts) != 4 {
				t.Fatalf("unexpected link shape %q", link)
			}
			return base, parts
		}
		parts3 := func(link string) string { _, p := tokenParts(link); return p[3] }
		base, parts := tokenParts(link)
		swap := func(i int, v string) string {
			p := slices.Clone(parts)
			p[i] = v
			return base + "/media/" + strings.Join(p, ".")
		}
		flipped := []byte(parts[3])
		flipped[len(flipped)/2] ^= 0x01
		b64 := base64.RawURLEncoding.EncodeToString
		for name, bad := range map[string]string{
			"signature changed":          swap(3, string(flipped)),
			"another media of this app":  swap(1, b64([]byte(secret.MediaID))),
			"another app":                swap(0, other.app.Key),
			"another app and its media":  swap(1, b64([]byte(theirs.MediaID))),
			"expiry pushed out":          swap(2, "99999999999"),
			"signature missing":          base + "/media/" + strings.Join(parts[:3], "."),
			"not a token":                base + "/media/hello",
			"signature of another token": swap(3, parts3(f.mediaURL(t, secret.MediaID))),
		} {
			r := download(t, bad)
			if r.Status != http.StatusForbidden {
				t.Errorf("%s: %s", name, describe(r))
				continue
			}
			wantError(t, r, http.StatusForbidden, codeMediaLinkDenied)
		}
		// The genuine link still works.
		r := download(t, link)
		wantStatus(t, r, http.StatusOK)
		if string(r.Body) != "mine" {
			t.Fatalf("downloaded %q", r.Body)
		}
	})
}

// Links expire after an hour.
func TestConformanceMediaDownloadExpires(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newMediaFixture(t, b, nil)
		u := f.uploadOK(t, "image", "a.png", testutil.ImageBytes(t, "png", 2, 2))
		link := f.mediaURL(t, u.MediaID)

		f.clock.Advance(core.DefaultMediaURLTTL - time.Second)
		wantStatus(t, download(t, link), http.StatusOK)
		f.clock.Advance(time.Second)
		wantError(t, download(t, link), http.StatusForbidden, codeMediaLinkDenied)
		f.clock.Advance(24 * time.Hour)
		wantError(t, download(t, link), http.StatusForbidden, codeMediaLinkDenied)

		// A fresh link works again.
		wantStatus(t, download(t, f.mediaURL(t, u.MediaID)), http.StatusOK)
	})
}

// Refused uploads answer 400/899003 and store nothing.
func TestConformanceUploadErrors(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		png := testutil.ImageBytes(t, "png", 10, 10)
		fileCT, fileBody := multipartBody(t, formPart{"filename", "a.png", png})
		wrongFieldCT, wrongFieldBody := multipartBody(t, formPart{"file", "a.png", png}, formPart{"type", "", []byte("image")})
		for name, r := range map[string]testutil.Response{
			"type missing":           f.uploadRaw(t, "", fileCT, fileBody),
			"type unknown":           f.uploadRaw(t, "?type=video", fileCT, fileBody),
			"type in another case":   f.uploadRaw(t, "?type=IMAGE", fileCT, fileBody),
			"not multipart":          f.uploadRaw(t, "?type=image", "application/json", []byte(`{"filename":"a.png"}`)),
			"no body":                f.uploadRaw(t, "?type=file", fileCT, nil),
			"field filename missing": f.uploadRaw(t, "?type=image", wrongFieldCT, wrongFieldBody),
			"empty file":             f.upload(t, "file", "empty.txt", nil),
			"text as image":          f.upload(t, "image", "a.jpg", []byte("this is not an image at all")),
			"truncated png as image": f.upload(t, "image", "a.png", png[:16]),
			"webp-looking as image":  f.upload(t, "image", "a.webp", []byte("RIFF\x1a\x00\x00\x00WEBPVP8 ")),
		} {
			if r.Status != http.StatusBadRequest {
				t.Errorf("%s: %s", name, describe(r))
				continue
			}
			wantError(t, r, http.StatusBadRequest, codeBadParam)
		}
		f.wantMediaCounts(t, 0)

		r := send(t, "POST", f.srv.URL+"/v1/resource?type=image", nil, fileCT, fileBody)
		wantError(t, r, http.StatusUnauthorized, codeAuthFailed)
		f.wantMediaCounts(t, 0)
	})
}

// 文件大小限制 8m, or the app's uploadBytes: one byte over is 413/899003
// and stores nothing.
func TestConformanceUploadSizeLimit(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		t.Run("app limit", func(t *testing.T) {
			f := newFixture(t, b, withLimits("uploadBytes", 1024))
			f.uploadOK(t, "file", "exact.bin", bytes.Repeat([]byte{'x'}, 1024))
			f.wantMediaCounts(t, 1)

			bigImage := testutil.ImageBytes(t, "bmp", 40, 40) // 40×40×3 + header > 1024
			junkCT, junkBody := multipartBody(t,
				formPart{"junk", "", bytes.Repeat([]byte{'j'}, 200<<10)},
				formPart{"filename", "a.txt", []byte("small")})
			for name, r := range map[string]testutil.Response{
				"file one byte over":    f.upload(t, "file", "over.bin", bytes.Repeat([]byte{'x'}, 1025)),
				"voice one byte over":   f.upload(t, "voice", "over.m4a", bytes.Repeat([]byte{'x'}, 1025)),
				"image over":            f.upload(t, "image", "big.bmp", bigImage),
				"far over":              f.upload(t, "file", "far.bin", bytes.Repeat([]byte{'x'}, 200<<10)),
				"body over, file small": f.uploadRaw(t, "?type=file", junkCT, junkBody),
			} {
				if r.Status != http.StatusRequestEntityTooLarge {
					t.Errorf("%s: %s", name, describe(r))
					continue
				}
				wantError(t, r, http.StatusRequestEntityTooLarge, codeBadParam)
			}
			f.wantMediaCounts(t, 1)
		})
		t.Run("default 8 MiB", func(t *testing.T) {
			f := newFixture(t, b, nil)
			wantError(t, f.upload(t, "file", "big.bin", make([]byte, 8<<20+1)), http.StatusRequestEntityTooLarge, codeBadParam)
			f.wantMediaCounts(t, 0)
			data := make([]byte, 8<<20)
			data[len(data)-1] = 1
			u := f.uploadOK(t, "file", "big.bin", data)
			if got := download(t, f.mediaURL(t, u.MediaID)); !bytes.Equal(got.Body, data) {
				t.Fatalf("8 MiB round trip: %d bytes back", len(got.Body))
			}
		})
	})
}

// mediaId is required; an unknown one, or another app's, is not found.
func TestConformanceMediaURLErrors(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		other := f.otherApp(t)
		theirs := other.uploadOK(t, "file", "theirs.txt", []byte("theirs"))

		wantError(t, f.do(t, "GET", "/v1/resource", nil), http.StatusBadRequest, codeBadParam)
		wantError(t, f.do(t, "GET", "/v1/resource?mediaId=", nil), http.StatusBadRequest, codeBadParam)
		wantError(t, f.do(t, "GET", "/v1/resource?mediaId=file/nope", nil), http.StatusNotFound, codeMediaNotFound)
		wantError(t, f.do(t, "GET", "/v1/resource?mediaId="+url.QueryEscape(theirs.MediaID), nil), http.StatusNotFound, codeMediaNotFound)
		wantError(t, send(t, "GET", f.srv.URL+"/v1/resource?mediaId="+url.QueryEscape(theirs.MediaID), nil, "", nil),
			http.StatusUnauthorized, codeAuthFailed)
		// The owner still can.
		wantStatus(t, download(t, other.mediaURL(t, theirs.MediaID)), http.StatusOK)
	})
}

// A disabled app's links stop working; a purged app's media are gone.
func TestConformanceMediaDownloadFollowsTheApp(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		u := f.uploadOK(t, "file", "a.txt", []byte("a"))
		link := f.mediaURL(t, u.MediaID)
		platform := testutil.Bearer(f.srv.Token)

		wantStatus(t, f.srv.Do(t, "DELETE", "/platform/v1/apps/"+f.app.Key, platform, nil), http.StatusNoContent)
		wantError(t, download(t, link), http.StatusForbidden, codeAppDisabled)
		wantStatus(t, f.srv.Do(t, "DELETE", "/platform/v1/apps/"+f.app.Key+"?purge=true", platform, nil), http.StatusNoContent)
		wantError(t, download(t, link), http.StatusNotFound, codeMediaNotFound)
	})
}

// Replicas share the database and, through the platform token, the signing
// secret: a link issued by one replica downloads from another, and a
// replica with another secret refuses it.
func TestMediaLinksWorkOnEveryReplica(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		shared := testutil.Backend{Name: b.Name, NewURL: func() func(testing.TB) string {
			dbURL := b.NewURL(t)
			return func(testing.TB) string { return dbURL }
		}()}
		secret := core.WithMediaSecret(media.DeriveSecret("platform-token"))
		one := testutil.StartServer(t, shared, secret)
		two := testutil.StartServer(t, shared, secret)
		stranger := testutil.StartServer(t, shared, core.WithMediaSecret(media.DeriveSecret("another-token")))

		f := &fixture{srv: one, app: one.CreateApp(t, nil)}
		u := f.uploadOK(t, "file", "a.txt", []byte("shared"))
		link := f.mediaURL(t, u.MediaID)
		for _, srv := range []*testutil.Server{one, two} {
			r := download(t, srv.URL+strings.TrimPrefix(link, one.URL))
			wantStatus(t, r, http.StatusOK)
			if string(r.Body) != "shared" {
				t.Fatalf("replica %s served %q", srv.URL, r.Body)
			}
		}
		wantError(t, download(t, stranger.URL+strings.TrimPrefix(link, one.URL)), http.StatusForbidden, codeMediaLinkDenied)
	})
}
