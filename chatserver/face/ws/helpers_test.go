package ws_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chat-operator/chat-operator/chatserver/face/ws"
	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/realtime"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// waitFor bounds every wait for a frame.
const waitFor = 10 * time.Second

// fixture is one tenant on a real chatserver with registered users.
type fixture struct {
	srv *testutil.Server
	app testutil.App
}

func newFixture(t testing.TB, b testutil.Backend, users ...string) *fixture {
	t.Helper()
	srv := testutil.StartServer(t, b)
	f := &fixture{srv: srv, app: srv.CreateApp(t, nil)}
	f.register(t, users...)
	return f
}

func (f *fixture) register(t testing.TB, names ...string) {
	t.Helper()
	items := make([]map[string]any, len(names))
	for i, n := range names {
		items[i] = map[string]any{"username": n, "password": "secret-" + n}
	}
	if r := f.srv.Do(t, "POST", "/v1/users/", f.app.As(), items); r.Status != http.StatusCreated {
		t.Fatalf("registering %v: status %d: %s", names, r.Status, r.Body)
	}
}

// login issues a session token for a user, as any dialect's login does.
func (f *fixture) login(t testing.TB, username string) string {
	t.Helper()
	ctx := context.Background()
	app, err := f.srv.Svc.GetApp(ctx, f.app.Key)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := f.srv.Svc.CreateSession(ctx, app, username, "web")
	if err != nil {
		t.Fatalf("logging %s in: %v", username, err)
	}
	return token
}

// adminSend sends a message through POST /v1/messages and returns its id.
func (f *fixture) adminSend(t testing.TB, from, to, text string, extra map[string]any) int64 {
	t.Helper()
	body := map[string]any{
		"version": 1, "target_type": "single", "from_type": "user", "msg_type": "text",
		"target_id": to, "from_id": from, "msg_body": map[string]any{"text": text},
	}
	for k, v := range extra {
		body[k] = v
	}
	r := f.srv.Do(t, "POST", "/v1/messages", f.app.As(), body)
	if r.Status != http.StatusCreated {
		t.Fatalf("sending %s→%s: status %d: %s", from, to, r.Status, r.Body)
	}
	var out struct {
		MsgID int64 `json:"msg_id"`
	}
	r.JSON(t, &out)
	return out.MsgID
}

// frame is any server frame.
type frame struct {
	Type        string          `json:"type"`
	Seq         int64           `json:"seq"`
	Event       string          `json:"event"`
	MsgID       int64           `json:"msg_id"`
	FromID      string          `json:"from_id"`
	TargetID    string          `json:"target_id"`
	MsgBody     json.RawMessage `json:"msg_body"`
	ClientMsgID string          `json:"client_msg_id"`
	Duplicate   bool            `json:"duplicate"`
	Code        string          `json:"code"`
	Message     string          `json:"message"`
	Reason      string          `json:"reason"`
	FromSeq     int64           `json:"from_seq"`
	ToSeq       int64           `json:"to_seq"`
	Friends     []struct {
		Username string `json:"username"`
		AppKey   string `json:"appkey"`
	} `json:"friends"`
}

func (fr frame) text(t testing.TB) string {
	t.Helper()
	var b struct {
		Text string `json:"text"`
	}
	if err := json.Unmarshal(fr.MsgBody, &b); err != nil {
		t.Fatalf("msg_body %s: %v", fr.MsgBody, err)
	}
	return b.Text
}

// client is one WebSocket session; a goroutine reads its frames.
type client struct {
	conn   *websocket.Conn
	frames chan frame
	// closed receives the error that ended reading.
	closed chan error
}

// dial connects with query (e.g. "since=3"); it fails the test unless the
// upgrade succeeds.
func (f *fixture) dial(t testing.TB, token, query string) *client {
	t.Helper()
	c, status, err := f.tryDial(token, query, true)
	if err != nil {
		t.Fatalf("dialling the gateway: status %d: %v", status, err)
	}
	t.Cleanup(func() { _ = c.conn.CloseNow() })
	return c
}

// tryDial dials; read starts the reading goroutine.
func (f *fixture) tryDial(token, query string, read bool) (*client, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	u := "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/apps/" + f.app.Key + "/ws"
	if query != "" {
		u += "?" + query
	}
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer " + token}},
	})
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	if err != nil {
		return nil, status, err
	}
	conn.SetReadLimit(8 << 20)
	c := &client{conn: conn, frames: make(chan frame, 4096), closed: make(chan error, 1)}
	if read {
		go c.readLoop()
	}
	return c, status, nil
}

func (c *client) readLoop() {
	for {
		_, data, err := c.conn.Read(context.Background())
		if err != nil {
			c.closed <- err
			close(c.frames)
			return
		}
		var fr frame
		if err := json.Unmarshal(data, &fr); err != nil {
			c.closed <- fmt.Errorf("frame is not JSON: %s", data)
			close(c.frames)
			return
		}
		c.frames <- fr
	}
}

// next returns the next frame, failing the test after waitFor.
func (c *client) next(t testing.TB) frame {
	t.Helper()
	select {
	case fr, ok := <-c.frames:
		if !ok {
			t.Fatalf("connection closed: %v", <-c.closed)
		}
		return fr
	case <-time.After(waitFor):
		t.Fatal("no frame arrived in time")
	}
	return frame{}
}

// nextOf skips frames of other types (pong) until one of typ arrives.
func (c *client) nextOf(t testing.TB, typ string) frame {
	t.Helper()
	for {
		if fr := c.next(t); fr.Type == typ {
			return fr
		} else if fr.Type == "error" {
			t.Fatalf("error frame while waiting for %s: %s %s", typ, fr.Code, fr.Message)
		}
	}
}

// quiet asserts no frame arrives for d.
func (c *client) quiet(t testing.TB, d time.Duration) {
	t.Helper()
	select {
	case fr, ok := <-c.frames:
		if ok {
			t.Fatalf("unexpected frame %+v", fr)
		}
	case <-time.After(d):
	}
}

// send writes a client frame.
func (c *client) send(t testing.TB, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		t.Fatalf("writing frame: %v", err)
	}
}

// sync waits for a pong, so every frame sent before it was handled.
func (c *client) sync(t testing.TB) {
	t.Helper()
	c.send(t, map[string]string{"type": "ping"})
	c.nextOf(t, "pong")
}

// closeStatus is the close code of err, or -1.
func closeStatus(err error) (websocket.StatusCode, string) {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code, ce.Reason
	}
	return -1, ""
}

// wantForcedLogout asserts that the next frame (pongs skipped) is a
// forced_logout event with reason, and that the connection then closes
// with code and closeReason.
func (c *client) wantForcedLogout(t testing.TB, reason string, code websocket.StatusCode, closeReason string) {
	t.Helper()
	if ev := c.nextOf(t, "event"); ev.Event != "forced_logout" || ev.Reason != reason {
		t.Fatalf("got %+v, want a forced_logout event with reason %q", ev, reason)
	}
	c.wantClosed(t, code, closeReason)
}

// wantClosed asserts that the connection closes, frames left unread
// aside, with code and reason.
func (c *client) wantClosed(t testing.TB, code websocket.StatusCode, reason string) {
	t.Helper()
	timeout := time.After(waitFor)
	for {
		select {
		case _, ok := <-c.frames:
			if ok {
				continue
			}
			if got, why := closeStatus(<-c.closed); got != code || why != reason {
				t.Fatalf("closed with %d %q, want %d %q", got, why, code, reason)
			}
			return
		case <-timeout:
			t.Fatalf("the connection stayed open, want a close with %d %q", code, reason)
		}
	}
}

// appOf reads the fixture's app as the core has it.
func (f *fixture) appOf(t testing.TB) model.App {
	t.Helper()
	app, err := f.srv.Svc.GetApp(context.Background(), f.app.Key)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// lastSeq is the newest seq in a user's log.
func (f *fixture) lastSeq(t testing.TB, app model.App, userID int64) int64 {
	t.Helper()
	seq, err := f.srv.Svc.LastUserEventSeq(context.Background(), app.ID, userID)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

// userID is the id of the user holding token.
func (f *fixture) userID(t testing.TB, app model.App, token string) int64 {
	t.Helper()
	_, s, err := f.srv.Svc.SessionByToken(context.Background(), app.Key, token)
	if err != nil {
		t.Fatal(err)
	}
	return s.UserID
}

// gatewayWith serves a second gateway on f's service, built with opts,
// and closes it (before the store) when the test ends. No events flow
// through it here, so its hub's second recording of them is moot.
func gatewayWith(t *testing.T, f *fixture, opts ...ws.Option) *fixture {
	t.Helper()
	mux := http.NewServeMux()
	g := ws.New(f.srv.Svc, append([]ws.Option{ws.WithHub(realtime.NewHub(f.srv.Svc))}, opts...)...)
	g.Register(mux)
	ts := httptest.NewServer(mux)
	t.Cleanup(func() {
		ts.Close()
		g.Close()
	})
	return &fixture{srv: &testutil.Server{URL: ts.URL, Svc: f.srv.Svc, Store: f.srv.Store}, app: f.app}
}
