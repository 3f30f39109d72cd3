package server_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/server"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// TestShutdownClosesWebSocketSessions: http.Server.Shutdown ignores
// hijacked connections, so without the OnShutdown hook an open gateway
// session would be cut without a close frame when the process exits.
func TestShutdownClosesWebSocketSessions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "chat.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := core.New(st)
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second}
	srv.Handler = server.New(svc, server.Config{PlatformToken: "platform-token", OnShutdown: srv.RegisterOnShutdown},
		prometheus.NewRegistry())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	base := "http://" + ln.Addr().String()

	const key, secret = "shutdownapp0000000000001", "shutdownsecret0000000001"
	call := func(method, path string, auth func(*http.Request), body string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, base+path, bytes.NewBufferString(body))
		auth(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
		}
	}
	call("PUT", "/platform/v1/apps/"+key, func(r *http.Request) { r.Header.Set("Authorization", "Bearer platform-token") },
		`{"masterSecret":"`+secret+`"}`)
	call("POST", "/v1/users/", func(r *http.Request) { r.SetBasicAuth(key, secret) },
		`[{"username":"alice","password":"password"}]`)
	app, err := svc.Authenticate(ctx, key, secret)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := svc.CreateSession(ctx, app, "alice", "pc")
	if err != nil {
		t.Fatal(err)
	}
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/apps/"+key+"/ws",
		&websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()

	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for {
		_, _, err := conn.Read(ctx)
		if err == nil {
			continue // frames sent before the close
		}
		if got := websocket.CloseStatus(err); got != websocket.StatusGoingAway {
			t.Fatalf("session ended with %v (status %d), want 1001 going away", err, got)
		}
		return
	}
}
