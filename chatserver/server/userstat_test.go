package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

type deviceStat struct {
	Login    bool   `json:"login"`
	Online   bool   `json:"online"`
	Platform string `json:"platform"`
}

// userstat (JMessage admin API) reports what end users really do: the
// platforms they logged in on, "login" while a session is live, and
// "online" while a gateway WebSocket is open.
func TestUserStatReportsSessionsAndGatewayConnections(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		ctx := context.Background()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		if r := srv.Do(t, "POST", "/v1/users/", app.As(), []map[string]string{{"username": "alice", "password": "password"}}); r.Status != http.StatusCreated {
			t.Fatalf("registering: %d %s", r.Status, r.Body)
		}
		stat := func() []deviceStat {
			r := srv.Do(t, "POST", "/v1/users/userstat", app.As(), []string{"alice"})
			var out []struct {
				Devices  []deviceStat `json:"devices"`
				Username string       `json:"username"`
			}
			if r.Status != http.StatusOK || json.Unmarshal(r.Body, &out) != nil || len(out) != 1 || out[0].Devices == nil {
				t.Fatalf("userstat: %d %s", r.Status, r.Body)
			}
			return out[0].Devices
		}
		single := func() (login, online bool) {
			r := srv.Do(t, "GET", "/v1/users/alice/userstat", app.As(), nil)
			var out struct{ Login, Online bool }
			if r.Status != http.StatusOK || json.Unmarshal(r.Body, &out) != nil {
				t.Fatalf("userstat: %d %s", r.Status, r.Body)
			}
			return out.Login, out.Online
		}
		if d := stat(); len(d) != 0 {
			t.Fatalf("never logged in: devices %+v, want []", d)
		}

		a, err := srv.Svc.Authenticate(ctx, app.Key, app.Secret)
		if err != nil {
			t.Fatal(err)
		}
		token, _, err := srv.Svc.CreateSession(ctx, a, "alice", "a")
		if err != nil {
			t.Fatal(err)
		}
		if d := stat(); len(d) != 1 || d[0] != (deviceStat{Login: true, Platform: "a"}) {
			t.Fatalf("logged in: %+v", d)
		}

		wsURL := "ws" + strings.TrimPrefix(srv.URL, "http") + "/apps/" + app.Key + "/ws?token=" + token
		conn, _, err := websocket.Dial(ctx, wsURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The dial returns with the upgrade; the server records the
		// connection right after, so poll.
		eventually := func(what string, done func([]deviceStat) bool) {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for d := stat(); !done(d); d = stat() {
				if time.Now().After(deadline) {
					t.Fatalf("%s: devices %+v after 10 s", what, d)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		eventually("connected", func(d []deviceStat) bool {
			return len(d) == 1 && d[0] == (deviceStat{Login: true, Online: true, Platform: "a"})
		})
		if login, online := single(); !login || !online {
			t.Fatalf("GET userstat connected: login %v online %v", login, online)
		}

		// The server notices the close on its reader.
		_ = conn.Close(websocket.StatusNormalClosure, "bye")
		eventually("closed", func(d []deviceStat) bool {
			return len(d) == 1 && d[0] == (deviceStat{Login: true, Platform: "a"})
		})
		if err := srv.Svc.RevokeSession(ctx, a, token); err != nil {
			t.Fatal(err)
		}
		if d := stat(); len(d) != 1 || d[0] != (deviceStat{Platform: "a"}) {
			t.Fatalf("logged out: %+v", d)
		}
	})
}
