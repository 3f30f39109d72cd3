package server_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/server"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// trickle opens a connection, sends a request's headers announcing a body
// of declared bytes and only the first part of it, and leaves it so.
func trickle(t *testing.T, base, method, path string, header http.Header, declared int, first string) net.Conn {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", method, path, u.Host, declared)
	for k, vs := range header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	b.WriteString(first)
	if _, err := io.WriteString(conn, b.String()); err != nil {
		t.Fatal(err)
	}
	return conn
}

// answered tells whether the server has written anything on conn.
func answered(conn net.Conn) bool {
	_ = conn.SetReadDeadline(time.Now().Add(time.Millisecond))
	defer conn.SetReadDeadline(time.Time{})
	var b [1]byte
	n, _ := conn.Read(b[:])
	return n > 0
}

// answer reads the response on conn, failing when none comes within
// patience.
func answer(t *testing.T, conn net.Conn, patience time.Duration) (*http.Response, []byte) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(patience))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer within %s while the body was held back: %v", patience, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// A client that sends its headers and then holds its body back must not
// keep a connection for ever: the body has a read deadline, and the
// request is answered 400 in the face's envelope when it runs out. On a
// server without one, no answer ever comes.
func TestAHeldBackBodyIsCutOff(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		srv := testutil.StartServerConfig(t, b, server.Config{BodyReadTimeout: 500 * time.Millisecond})
		app := srv.CreateApp(t, nil)
		admin := http.Header{}
		req, _ := http.NewRequest("GET", "/", nil)
		app.As()(req)
		admin.Set("Authorization", req.Header.Get("Authorization"))

		t.Run("admin API", func(t *testing.T) {
			conn := trickle(t, srv.URL, "POST", "/v1/users/", admin, 1000, `[{"username":"al`)
			resp, body := answer(t, conn, 15*time.Second)
			if resp.StatusCode != 400 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			var e struct {
				Error struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == 0 || !strings.Contains(e.Error.Message, "in time") {
				t.Fatalf("not a JMessage error naming the slow body: %s", body)
			}
		})
		t.Run("SealTalk login", func(t *testing.T) {
			conn := trickle(t, srv.URL, "POST", "/apps/"+app.Key+"/user/login", nil, 1000, `{"region":"86",`)
			resp, body := answer(t, conn, 15*time.Second)
			var e struct {
				Code int `json:"code"`
			}
			if resp.StatusCode != 400 || json.Unmarshal(body, &e) != nil || e.Code != 400 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
		})
		// Nothing was written by the cut-off request.
		r := srv.Do(t, "GET", "/v1/users/?start=0&count=10", app.As(), nil)
		var list struct {
			Total int `json:"total"`
		}
		r.JSON(t, &list)
		if r.Status != 200 || list.Total != 0 {
			t.Fatalf("users after the cut-off batch: %d %s", r.Status, r.Body)
		}
	})
}

// A body that arrives in time is read whole, however slow the handler is
// afterwards: the deadline covers the body only.
func TestABodyInTimeIsServed(t *testing.T) {
	srv := testutil.StartServerConfig(t, testutil.Backends(t)[0], server.Config{BodyReadTimeout: 500 * time.Millisecond})
	app := srv.CreateApp(t, nil)
	body := `[{"username":"alice","password":"password1"}]`
	admin := http.Header{}
	req, _ := http.NewRequest("GET", "/", nil)
	app.As()(req)
	admin.Set("Authorization", req.Header.Get("Authorization"))
	conn := trickle(t, srv.URL, "POST", "/v1/users/", admin, len(body), body[:10])
	time.Sleep(200 * time.Millisecond)
	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatal(err)
	}
	resp, out := answer(t, conn, 15*time.Second)
	if resp.StatusCode != 201 {
		t.Fatalf("status %d: %s", resp.StatusCode, out)
	}
	// The connection is kept and serves a second request past the
	// deadline of the first.
	time.Sleep(700 * time.Millisecond)
	fmt.Fprintf(conn, "GET /v1/users/alice HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n\r\n", admin.Get("Authorization"))
	resp, out = answer(t, conn, 15*time.Second)
	if resp.StatusCode != 200 || !strings.Contains(string(out), "alice") {
		t.Fatalf("second request on the connection: %d %s", resp.StatusCode, out)
	}
}

// Unauthenticated endpoints take small bodies only: a stranger must not
// make the server buffer megabytes. Authenticated ones keep the larger
// limit.
func TestUnauthenticatedBodiesAreSmall(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		big := `{"region":"86","phone":"13800000000","password":"` + strings.Repeat("x", 100<<10) + `"}`
		for _, route := range []string{"login", "register", "send_code", "verify_code", "check_phone_available", "reset_password"} {
			r := srv.Do(t, "POST", "/apps/"+app.Key+"/user/"+route, nil, big)
			var e struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			}
			r.JSON(t, &e)
			if r.Status != 413 || e.Code != 413 || !strings.Contains(e.Message, "65536") {
				t.Errorf("%s with a 100 KiB body: %d %s", route, r.Status, r.Body)
			}
		}
		// The admin API, behind Basic auth, reads a 100 KiB batch.
		users := make([]map[string]string, 0, 500)
		for i := range 500 {
			users = append(users, map[string]string{"username": fmt.Sprintf("user%04d", i), "password": strings.Repeat("p", 150)})
		}
		r := srv.Do(t, "POST", "/v1/users/", app.As(), users)
		if r.Status != 201 {
			t.Fatalf("a %d-user batch on the admin API: %d %.200s", len(users), r.Status, r.Body)
		}
	})
}

// One address may hold only so many unauthenticated requests at once; the
// next is answered 429 in the face's envelope, while another address and
// authenticated requests from the same address go on, and a slot comes
// back when its request is answered.
//
// The addresses come from X-Forwarded-For, with every peer trusted as a
// proxy, so that two addresses can be told apart on loopback.
func TestUnauthenticatedRequestsPerAddressAreCapped(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		srv := testutil.StartServerConfig(t, b, server.Config{
			PublicPerAddress: 2, BodyReadTimeout: time.Minute,
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")},
		})
		app := srv.CreateApp(t, nil)
		const client, neighbour = "203.0.113.9", "198.51.100.3"
		from := func(addr string, auth testutil.Auth) testutil.Auth {
			return func(r *http.Request) {
				r.Header.Set("X-Forwarded-For", addr)
				if auth != nil {
					auth(r)
				}
			}
		}
		// check_phone_available counts no attempts, unlike login, whose
		// own per-address limit would answer 429 too.
		login := "/apps/" + app.Key + "/user/check_phone_available"
		header := http.Header{"X-Forwarded-For": {client}}
		hold := func() net.Conn { return trickle(t, srv.URL, "POST", login, header, 1000, `{"region":`) }
		held := []net.Conn{hold(), hold()}
		body := map[string]any{"region": "86", "phone": "13800000000"}
		var r testutil.Response
		// The held requests take their slots as soon as the server
		// reads their headers; poll until it has. A probe may come in
		// before a held request does and have that one refused: then it
		// is held again.
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if r = srv.Do(t, "POST", login, from(client, nil), body); r.Status != 200 {
				break
			}
			for i, c := range held {
				if answered(c) {
					held[i] = hold()
				}
			}
		}
		var e struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		r.JSON(t, &e)
		if r.Status != 429 || e.Code != 429 || !strings.Contains(e.Message, "in flight") {
			t.Fatalf("a third unauthenticated request while two are held: %d %s", r.Status, r.Body)
		}
		// One more that holds its body back hears its 429 at once, not
		// once it has sent the body it will never need.
		if resp, b := answer(t, hold(), 15*time.Second); resp.StatusCode != 429 {
			t.Fatalf("a held-back request over the cap: %d %s", resp.StatusCode, b)
		}
		if r := srv.Do(t, "POST", login, from(neighbour, nil), body); r.Status != 200 {
			t.Fatalf("another address while the first is at its cap: %d %s", r.Status, r.Body)
		}
		if r := srv.Do(t, "GET", "/v1/users/?start=0&count=1", from(client, app.As()), nil); r.Status != 200 {
			t.Fatalf("an authenticated request from the same address: %d %s", r.Status, r.Body)
		}
		// Finishing one held request frees its slot.
		if _, err := io.WriteString(held[0], `"86"}`+strings.Repeat(" ", 1000-len(`{"region":"86"}`))); err != nil {
			t.Fatal(err)
		}
		answer(t, held[0], 15*time.Second)
		if r := srv.Do(t, "POST", login, from(client, nil), body); r.Status == 429 {
			t.Fatalf("with one slot free again: %d %s", r.Status, r.Body)
		}
	})
}
