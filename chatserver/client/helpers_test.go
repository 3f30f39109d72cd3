package client_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/client"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// recorder is an http.RoundTripper that records every request, the way an
// operator would count calls by wrapping the client's Transport.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method, path, query string
	bodyLen             int64
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, recorded{req.Method, req.URL.Path, req.URL.RawQuery, req.ContentLength})
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// take returns the requests recorded since the last take.
func (r *recorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

// env is a real chatserver plus clients whose every request is recorded.
type env struct {
	srv      *testutil.Server
	rec      *recorder
	hc       *http.Client
	platform *client.Platform
}

func newEnv(t *testing.T, b testutil.Backend) *env {
	t.Helper()
	srv := testutil.StartServer(t, b)
	rec := &recorder{next: http.DefaultTransport}
	hc := &http.Client{Transport: rec, Timeout: client.DefaultTimeout}
	p, err := client.NewPlatform(srv.URL, srv.Token, hc)
	if err != nil {
		t.Fatalf("NewPlatform: %v", err)
	}
	return &env{srv: srv, rec: rec, hc: hc, platform: p}
}

// createApp registers a fresh tenant through the client and returns its
// credentials.
func (e *env) createApp(t *testing.T, limits client.Limits) (key, secret string) {
	t.Helper()
	key, secret = testutil.NewKey(), testutil.NewKey()
	if _, created, err := e.platform.PutApp(t.Context(), key, client.AppSpec{MasterSecret: secret, Limits: limits}); err != nil || !created {
		t.Fatalf("PutApp(%s) = created %t, %v; want a new app", key, created, err)
	}
	e.rec.take()
	return key, secret
}

func (e *env) admin(t *testing.T, key, secret string) *client.Admin {
	t.Helper()
	a, err := client.NewAdmin(e.srv.URL, key, secret, e.hc)
	if err != nil {
		t.Fatalf("NewAdmin: %v", err)
	}
	return a
}

// apiError returns err as *client.Error, failing the test if it is not one.
func apiError(t *testing.T, err error) *client.Error {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *client.Error", err, err)
	}
	return e
}

// classes names which classifiers accept err, for compact assertions.
func classes(err error) string {
	var out []string
	for _, c := range []struct {
		name string
		is   func(error) bool
	}{
		{"NotFound", client.IsNotFound},
		{"Unauthorized", client.IsUnauthorized},
		{"AppDisabled", client.IsAppDisabled},
		{"Unavailable", client.IsUnavailable},
	} {
		if c.is(err) {
			out = append(out, c.name)
		}
	}
	return strings.Join(out, ",")
}

// noSecrets fails if err's text carries any of secrets.
func noSecrets(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error text leaks a credential: %v", err)
		}
	}
}
