package testutil

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/server"
	"github.com/chat-operator/chat-operator/chatserver/sms"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// Server is a running chatserver over real HTTP.
type Server struct {
	URL   string
	Token string
	Svc   *core.Service
	Store *store.Store
	// Routes are the patterns of every route the server serves.
	Routes []string
	// DatabaseURL is the store's database, for tests that read it
	// directly (Digest).
	DatabaseURL string
}

// StartServer runs a chatserver on a fresh database of backend b. It stops
// when the test ends.
func StartServer(t testing.TB, b Backend, opts ...core.Option) *Server {
	t.Helper()
	return StartServerConfig(t, b, server.Config{}, opts...)
}

// StartServerConfig is StartServer with the HTTP surface configured by cfg
// (its limits); the platform token, version and shutdown hook are set
// here.
func StartServerConfig(t testing.TB, b Backend, cfg server.Config, opts ...core.Option) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dbURL := b.NewURL(t)
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatalf("opening %s store: %v", b.Name, err)
	}
	// The tests' SMS receivers listen on loopback, which the production
	// sender refuses; a test's own WithSMSSender still wins.
	sender := sms.NewWebhook()
	sender.AllowLoopback = true
	svc := core.New(st, append([]core.Option{core.WithSMSSender(sender)}, opts...)...)
	token := rand.Text()
	var onShutdown []func()
	cfg.PlatformToken, cfg.Version = token, "test"
	cfg.OnShutdown = func(f func()) { onShutdown = append(onShutdown, f) }
	h := server.New(svc, cfg, prometheus.NewRegistry())
	ts := httptest.NewServer(h)
	t.Cleanup(func() {
		ts.Close()
		// As the real process does on SIGTERM, before the store goes.
		for _, f := range onShutdown {
			f()
		}
		st.Close()
	})
	return &Server{URL: ts.URL, Token: token, Svc: svc, Store: st, Routes: h.Routes(), DatabaseURL: dbURL}
}

// NewKey returns a random 24-character appKey or masterSecret.
func NewKey() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// App is a tenant's credentials.
type App struct {
	Key, Secret string
}

// CreateApp registers a tenant through the platform API. body, when given,
// is merged into the request (limits, features, disabled).
func (s *Server) CreateApp(t testing.TB, body map[string]any) App {
	t.Helper()
	app := App{Key: NewKey(), Secret: NewKey()}
	req := map[string]any{"masterSecret": app.Secret}
	for k, v := range body {
		req[k] = v
	}
	resp := s.Do(t, "PUT", "/platform/v1/apps/"+app.Key, Bearer(s.Token), req)
	if resp.Status != http.StatusCreated {
		t.Fatalf("creating app: status %d: %s", resp.Status, resp.Body)
	}
	return app
}

// Auth sets a request's credentials.
type Auth func(*http.Request)

// Basic is JMessage admin auth.
func Basic(key, secret string) Auth {
	return func(r *http.Request) { r.SetBasicAuth(key, secret) }
}

// Bearer is platform auth.
func Bearer(token string) Auth {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// As is Basic auth with an app's credentials.
func (a App) As() Auth { return Basic(a.Key, a.Secret) }

// Response is a finished HTTP exchange.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it is not JSON.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("response is not JSON (%v): %s", err, r.Body)
	}
}

// ErrorCode returns the JMessage error code in the body, or 0.
func (r Response) ErrorCode(t testing.TB) int {
	t.Helper()
	var e struct {
		Error struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	r.JSON(t, &e)
	return e.Error.Code
}

// Do sends a request, failing the test on a transport error. body may be
// nil, a string or []byte (sent as is), or anything else (sent as JSON).
func (s *Server) Do(t testing.TB, method, path string, auth Auth, body any) Response {
	t.Helper()
	resp, err := s.Send(method, path, auth, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

// Send is Do returning the error instead, so goroutines other than the
// test's may call it.
func (s *Server) Send(method, path string, auth Auth, body any) (Response, error) {
	return Call(context.Background(), http.DefaultClient, method, s.URL+path, auth, body)
}
