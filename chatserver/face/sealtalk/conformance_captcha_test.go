package sealtalk_test

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/sms/smstest"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// newFixtureWithDB is newFixture plus a raw handle on the server's
// database, for reading what the store keeps.
func newFixtureWithDB(t *testing.T, b testutil.Backend, policy map[string]any) (*fixture, *sql.DB) {
	t.Helper()
	var url string
	captured := testutil.Backend{Name: b.Name, NewURL: func(t testing.TB) string { url = b.NewURL(t); return url }}
	srv := testutil.StartServer(t, captured)
	f := &fixture{srv: srv, app: srv.CreateApp(t, nil), sms: smstest.Start(t, "sms-token")}
	f.setPolicy(t, policy)
	var raw *sql.DB
	var err error
	if path, ok := strings.CutPrefix(url, "sqlite:"); ok {
		raw, err = sql.Open("sqlite", "file:"+path)
	} else {
		raw, err = sql.Open("pgx", url)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return f, raw
}

type imgCode struct {
	URL      string `json:"url"`
	VerifyID string `json:"verifyId"`
}

func (f *fixture) imgCode(t *testing.T, method string) imgCode {
	t.Helper()
	r := f.call(t, method, "get_sms_img_code", "", nil)
	r.want(t, 200, 200)
	var c imgCode
	r.result(t, &c)
	if c.URL == "" || c.VerifyID == "" {
		t.Fatalf("get_sms_img_code: %s", r.Result)
	}
	return c
}

// solve finds a captcha's answer from what the store keeps: only
// SHA-256(SHA-256(verifyId) || answer), so the test tries every 4-digit
// answer.
func solve(t *testing.T, raw *sql.DB, verifyID string) string {
	t.Helper()
	idHash := sha256.Sum256([]byte(verifyID))
	var want []byte
	if err := raw.QueryRow("SELECT answer_hash FROM captchas WHERE id_hash = $1", idHash[:]).Scan(&want); err != nil {
		t.Fatalf("reading the captcha: %v", err)
	}
	for i := 0; i < 10000; i++ {
		answer := fmt.Sprintf("%04d", i)
		if sum := sha256.Sum256(append(idHash[:], answer...)); bytes.Equal(sum[:], want) {
			return answer
		}
	}
	t.Fatal("no 4-digit answer matches the stored hash")
	return ""
}

func TestGetSmsImgCode(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		for _, method := range []string{"POST", "GET"} {
			c := f.imgCode(t, method)
			if !strings.HasPrefix(c.URL, f.srv.URL+"/apps/"+f.app.Key+"/user/") {
				t.Fatalf("url %q is not on this server", c.URL)
			}
			resp, err := http.Get(c.URL)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
				t.Fatalf("GET %s: %d %s", c.URL, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("the captcha is not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() < 100 || b.Dy() < 40 {
				t.Fatalf("captcha of %v", b)
			}
		}
		// An unknown captcha has no image.
		req, _ := http.NewRequest("GET", f.srv.URL+"/apps/"+f.app.Key+"/user/sms_img_code/nope.png", nil)
		f.send(t, req).want(t, 404, 404)
	})
}

func TestSendCodeCaptcha(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f, raw := newFixtureWithDB(t, b, map[string]any{"phoneVerification": map[string]any{"captchaRequired": true}})
		phone := map[string]any{"region": 86, "phone": 13912345678}
		with := func(extra map[string]any) map[string]any {
			out := map[string]any{"region": 86, "phone": 13912345678}
			for k, v := range extra {
				out[k] = v
			}
			return out
		}
		// 400: the policy asks for a captcha and none came.
		f.call(t, "POST", "send_code", "", phone).want(t, 400, 400)
		c := f.imgCode(t, "POST")
		answer := solve(t, raw, c.VerifyID)
		wrong := fmt.Sprintf("%04d", (int(answer[0]-'0')+1)%10*1000)
		// 1000: a wrong answer; no code is sent.
		f.call(t, "POST", "send_code", "", with(map[string]any{"verify_id": c.VerifyID, "verify_code": wrong})).want(t, 200, 1000)
		if n := len(f.sms.Requests()); n != 0 {
			t.Fatalf("the webhook got %d codes", n)
		}
		f.call(t, "POST", "send_code", "", with(map[string]any{"verify_id": c.VerifyID, "verify_code": answer})).want(t, 200, 200)
		if n := len(f.sms.Requests()); n != 1 {
			t.Fatalf("the webhook got %d codes, want 1", n)
		}
		// A captcha works once; its image is gone too.
		f.call(t, "POST", "send_code", "", with(map[string]any{"verify_id": c.VerifyID, "verify_code": answer})).want(t, 200, 1000)
		req, _ := http.NewRequest("GET", c.URL, nil)
		f.send(t, req).want(t, 404, 404)

		// Three wrong answers kill a captcha.
		c = f.imgCode(t, "GET")
		answer = solve(t, raw, c.VerifyID)
		wrong = fmt.Sprintf("%04d", (int(answer[0]-'0')+1)%10*1000)
		for range 3 {
			f.call(t, "POST", "send_code_yp", "", with(map[string]any{"verifyId": c.VerifyID, "verifyCode": wrong})).want(t, 200, 1000)
		}
		f.call(t, "POST", "send_code_yp", "", with(map[string]any{"verifyId": c.VerifyID, "verifyCode": answer})).want(t, 200, 1000)
		// RongCloud's names work on send_code_yp too.
		c = f.imgCode(t, "GET")
		f.call(t, "POST", "send_code_yp", "", with(map[string]any{"verifyId": c.VerifyID, "verifyCode": solve(t, raw, c.VerifyID)})).
			want(t, 200, 200)

		// The policy reports the switch; without it no captcha is asked.
		p := f.srv.Do(t, "GET", "/v1/registration/policy", f.app.As(), nil)
		if !strings.Contains(string(p.Body), `"captchaRequired":true`) {
			t.Fatalf("policy: %s", p.Body)
		}
		if r := f.srv.Do(t, "PUT", "/v1/registration/policy", f.app.As(),
			map[string]any{"phoneVerification": map[string]any{"captchaRequired": "yes"}}); r.Status != http.StatusBadRequest {
			t.Fatalf("a non-boolean captchaRequired: %d %s", r.Status, r.Body)
		}
		f.setPolicy(t, nil)
		f.call(t, "POST", "send_code", "", map[string]any{"region": 86, "phone": 13900000000}).want(t, 200, 200)
	})
}
