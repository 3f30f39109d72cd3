package sealtalk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/sms/smstest"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// fixture is one tenant on a real chatserver whose policy sends codes to
// a test SMS receiver.
type fixture struct {
	srv *testutil.Server
	app testutil.App
	sms *smstest.Receiver
}

func newFixture(t *testing.T, b testutil.Backend, policy map[string]any) *fixture {
	t.Helper()
	srv := testutil.StartServer(t, b)
	f := &fixture{srv: srv, app: srv.CreateApp(t, nil), sms: smstest.Start(t, "sms-token")}
	f.setPolicy(t, policy)
	return f
}

func (f *fixture) setPolicy(t *testing.T, policy map[string]any) {
	t.Helper()
	body := map[string]any{"sms": map[string]any{"webhookURL": f.sms.URL, "token": f.sms.Token}}
	for k, v := range policy {
		body[k] = v
	}
	if r := f.srv.Do(t, "PUT", "/v1/registration/policy", f.app.As(), body); r.Status != http.StatusOK {
		t.Fatalf("setting the policy: status %d: %s", r.Status, r.Body)
	}
}

// tenant is the fixture's app as the core holds it, with its id key.
func (f *fixture) tenant(t *testing.T) model.App {
	t.Helper()
	app, err := f.srv.Svc.GetApp(context.Background(), f.app.Key)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// reply is a SealTalk response.
type reply struct {
	Status  int
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Result  json.RawMessage `json:"result"`
	Header  http.Header
}

// call sends a SealTalk request; token, when set, is sent as the cookie.
func (f *fixture) call(t *testing.T, method, path, token string, body any) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		enc, _ := json.Marshal(body)
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, f.srv.URL+"/apps/"+f.app.Key+"/user/"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.AddCookie(&http.Cookie{Name: "rong_im_auth", Value: token})
	}
	return f.send(t, req)
}

func (f *fixture) send(t *testing.T, req *http.Request) reply {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out reply
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s %s: not JSON (%v): %s", req.Method, req.URL.Path, err, data)
	}
	out.Status, out.Header = resp.StatusCode, resp.Header
	return out
}

func (r reply) want(t *testing.T, status, code int) {
	t.Helper()
	if r.Status != status || r.Code != code {
		t.Fatalf("got status %d code %d (result %s), want %d/%d", r.Status, r.Code, r.Result, status, code)
	}
}

func (r reply) result(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Result, v); err != nil {
		t.Fatalf("result %s: %v", r.Result, err)
	}
}

// verify sends a code to the phone and verifies it, returning the token.
func (f *fixture) verify(t *testing.T, phone string) string {
	t.Helper()
	f.call(t, "POST", "send_code", "", map[string]any{"region": 86, "phone": json.Number(phone)}).want(t, 200, 200)
	r := f.call(t, "POST", "verify_code", "", map[string]any{"region": 86, "phone": json.Number(phone), "code": f.sms.LastCode()})
	r.want(t, 200, 200)
	var out struct {
		Token string `json:"verification_token"`
	}
	r.result(t, &out)
	return out.Token
}

// signUp registers and logs in a user; it returns the id and the token.
func (f *fixture) signUp(t *testing.T, phone, password string) (string, string) {
	t.Helper()
	vt := f.verify(t, phone)
	r := f.call(t, "POST", "register", "", map[string]any{"nickname": "Tom", "password": password, "verification_token": vt})
	r.want(t, 200, 200)
	var reg struct {
		ID string `json:"id"`
	}
	r.result(t, &reg)
	r = f.call(t, "POST", "login", "", map[string]any{"region": 86, "phone": json.Number(phone), "password": password})
	r.want(t, 200, 200)
	var login struct {
		ID, Token string
	}
	r.result(t, &login)
	if login.ID != reg.ID || login.Token == "" {
		t.Fatalf("login answered %+v for registered id %s", login, reg.ID)
	}
	return reg.ID, login.Token
}

// dialGateway opens /apps/{appKey}/ws with the token.
func (f *fixture) dialGateway(t *testing.T, token string) (int, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/apps/" + f.app.Key + "/ws"
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer " + token}},
	})
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	if err == nil {
		conn.Close(websocket.StatusNormalClosure, "")
	}
	return status, err
}
