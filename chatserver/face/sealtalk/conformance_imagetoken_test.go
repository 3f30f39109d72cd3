package sealtalk_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

type imageToken struct {
	Target string `json:"target"`
	Domain string `json:"domain"`
	Token  string `json:"token"`
}

// upload posts a file to {domain}/upload_image with the token, as a form
// upload.
func (f *fixture) upload(t *testing.T, domain, token string, data []byte) reply {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("token", token)
	fw, _ := mw.CreateFormFile("file", "portrait.png")
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, err := http.NewRequest("POST", domain+"/upload_image", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return f.send(t, req)
}

func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGetImageToken(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		_, token := f.signUp(t, "13912345678", "P@ssw0rd")
		get := func(method string) imageToken {
			r := f.call(t, method, "get_image_token", token, nil)
			r.want(t, 200, 200)
			var out imageToken
			r.result(t, &out)
			if out.Target != "chatserver" || out.Domain != f.srv.URL+"/apps/"+f.app.Key+"/user" || out.Token == "" {
				t.Fatalf("get_image_token: %+v", out)
			}
			return out
		}
		it := get("POST")
		pic := testPNG(t)
		r := f.upload(t, it.Domain, it.Token, pic)
		r.want(t, 200, 200)
		var up struct {
			Key, Hash, URL string
		}
		r.result(t, &up)
		if up.Key == "" || up.Hash == "" || up.URL == "" {
			t.Fatalf("upload: %s", r.Result)
		}
		// The upload is in the media store.
		resp, err := http.Get(up.URL)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(got, pic) {
			t.Fatalf("GET %s: %d, %d bytes", up.URL, resp.StatusCode, len(got))
		}
		// A token uploads once.
		f.upload(t, it.Domain, it.Token, pic).want(t, 403, 403)
		f.upload(t, it.Domain, "made-up", pic).want(t, 403, 403)
		// A refused file does not spend the token.
		it = get("GET")
		f.upload(t, it.Domain, it.Token, []byte("not an image")).want(t, 400, 400)
		f.upload(t, it.Domain, it.Token, pic).want(t, 200, 200)

		f.call(t, "POST", "get_image_token", "", nil).want(t, 403, 403)
	})
}

// upload_image is unauthenticated but for its token, so a wrong token is
// refused from the form's first part: the server answers while the
// client is still sending the file, and never buffers it. On a server
// that read the whole body first, this request would hang until the
// client gave up.
func TestUploadImageRefusesAWrongTokenBeforeTheFile(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		for _, tc := range []struct{ name, query, field string }{
			{"token field", "", "nope"},
			{"token in the query", "?token=nope", ""},
			{"no token at all", "", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				pr, pw := io.Pipe()
				mw := multipart.NewWriter(pw)
				stop := make(chan struct{})
				defer close(stop)
				go func() {
					if tc.field != "" {
						_ = mw.WriteField("token", tc.field)
					}
					fw, _ := mw.CreateFormFile("file", "big.png")
					_, _ = fw.Write(bytes.Repeat([]byte{0x89}, 64<<10))
					<-stop // the rest of an 8 MB file never comes
					pw.Close()
				}()
				req, err := http.NewRequest("POST", f.srv.URL+"/apps/"+f.app.Key+"/user/upload_image"+tc.query, pr)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", mw.FormDataContentType())
				done := make(chan reply, 1)
				go func() { done <- f.send(t, req) }()
				select {
				case r := <-done:
					r.want(t, 403, 403)
				case <-time.After(20 * time.Second):
					t.Fatal("no answer while the file was still being sent: the server waits for the whole body")
				}
			})
		}
	})
}
