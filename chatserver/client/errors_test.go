package client_test

// How failures without a usable answer are classified. These need servers
// that misbehave, so they use small httptest handlers rather than
// chatserver.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/client"
)

// clientsAt returns both clients aimed at url, sharing hc.
func clientsAt(t *testing.T, url string, hc *http.Client) (*client.Platform, *client.Admin) {
	t.Helper()
	p, err := client.NewPlatform(url, "platform-token-value", hc)
	if err != nil {
		t.Fatal(err)
	}
	a, err := client.NewAdmin(url, "appkey00000000000000000", "master-secret-value", hc)
	if err != nil {
		t.Fatal(err)
	}
	return p, a
}

// bothCall runs one call of each client.
func bothCall(ctx context.Context, p *client.Platform, a *client.Admin) map[string]error {
	_, perr := p.Info(ctx)
	_, aerr := a.ListSensitiveWords(ctx)
	return map[string]error{"platform": perr, "admin": aerr}
}

func TestStoppedServerIsUnavailable(t *testing.T) {
	stopped := httptest.NewServer(http.NotFoundHandler())
	stopped.Close()
	p, a := clientsAt(t, stopped.URL, nil)
	for name, err := range bothCall(t.Context(), p, a) {
		if c := classes(err); c != "Unavailable" {
			t.Errorf("%s call to a stopped server: %v classified %q, want Unavailable", name, err, c)
			continue
		}
		if ae := apiError(t, err); ae.HTTPStatus != 0 || ae.Err == nil {
			t.Errorf("%s: %+v, want no status and the transport error", name, ae)
		}
		noSecrets(t, err, "platform-token-value", "master-secret-value")
	}
}

func TestServerErrorsAreUnavailable(t *testing.T) {
	for _, tc := range []struct {
		status  int
		body    string
		message string
	}{
		{http.StatusServiceUnavailable, "upstream connect error\n", "upstream connect error"},
		{http.StatusBadGateway, "<html><body>\n<h1>502 Bad Gateway</h1>\n</body></html>", "<html><body> <h1>502 Bad Gateway</h1> </body></html>"},
		{http.StatusInternalServerError, `{"error":{"code":899000,"message":"internal server error"}}`, "internal server error"},
		{http.StatusGatewayTimeout, "", "Gateway Timeout"},
		{http.StatusServiceUnavailable, strings.Repeat("x", 1000), strings.Repeat("x", 256) + "..."},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(tc.status)
			_, _ = w.Write([]byte(tc.body))
		}))
		p, a := clientsAt(t, srv.URL, nil)
		for name, err := range bothCall(t.Context(), p, a) {
			if c := classes(err); c != "Unavailable" {
				t.Errorf("%d to %s: %v classified %q, want Unavailable", tc.status, name, err, c)
				continue
			}
			if ae := apiError(t, err); ae.HTTPStatus != tc.status || ae.Message != tc.message {
				t.Errorf("%d to %s: %+v, want message %q", tc.status, name, ae, tc.message)
			}
		}
		srv.Close()
	}
}

func TestHungServerTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	p, a := clientsAt(t, srv.URL, &http.Client{Timeout: 100 * time.Millisecond})
	for name, err := range bothCall(t.Context(), p, a) {
		if c := classes(err); c != "Unavailable" {
			t.Errorf("%s call to a hung server: %v classified %q, want Unavailable", name, err, c)
		}
	}
}

func TestCancelledCallIsNotUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		t.Error("a cancelled call reached the server")
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	p, a := clientsAt(t, srv.URL, nil)
	for name, err := range bothCall(ctx, p, a) {
		if !errors.Is(err, context.Canceled) || classes(err) != "" {
			t.Errorf("%s call with a cancelled context: %v classified %q, want context.Canceled only", name, err, classes(err))
		}
	}
}

func TestAnswerSizeIsCapped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"version":"`))
		_, _ = w.Write([]byte(strings.Repeat("v", 5<<20)))
		_, _ = w.Write([]byte(`"}`))
	}))
	defer srv.Close()
	p, _ := clientsAt(t, srv.URL, nil)
	if _, err := p.Info(t.Context()); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Info with a 5 MiB answer = %v, want a size error", err)
	}
}

// TestRequestsAndBaseURL checks the wire form of a request: the base URL's
// path prefix is kept, credentials go in the right header, bodies are JSON.
func TestRequestsAndBaseURL(t *testing.T) {
	type seen struct{ method, uri, auth, contentType string }
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, seen{r.Method, r.RequestURI, r.Header.Get("Authorization"), r.Header.Get("Content-Type")})
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/status"):
			_, _ = w.Write([]byte(`{"status":1}`))
		case r.Method == http.MethodPut:
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"appKey":"k"}`))
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	p, a := clientsAt(t, srv.URL+"/chat/", nil)
	ctx := t.Context()
	if _, created, err := p.PutApp(ctx, "a/b", client.AppSpec{MasterSecret: "s"}); err != nil || !created {
		t.Fatalf("PutApp = %t, %v", created, err)
	}
	if on, err := a.SDKRegister(ctx); err != nil || !on {
		t.Fatalf("SDKRegister = %t, %v", on, err)
	}
	if err := a.DeleteSensitiveWord(ctx, "w"); err != nil {
		t.Fatal(err)
	}
	want := []seen{
		{"PUT", "/chat/platform/v1/apps/a%2Fb", "Bearer platform-token-value", "application/json; charset=utf-8"},
		{"GET", "/chat/v1/sdkregister/status", "Basic YXBwa2V5MDAwMDAwMDAwMDAwMDAwMDA6bWFzdGVyLXNlY3JldC12YWx1ZQ==", ""},
		{"DELETE", "/chat/v1/sensitiveword", "Basic YXBwa2V5MDAwMDAwMDAwMDAwMDAwMDA6bWFzdGVyLXNlY3JldC12YWx1ZQ==", "application/json; charset=utf-8"},
	}
	if len(got) != len(want) {
		t.Fatalf("requests = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("request %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestBadBaseURL(t *testing.T) {
	for _, u := range []string{"", "localhost:8080", "ftp://host", "http://user:hunter2@host", "http://user:hunter2@host%zz/", "http://host/?q=1", "http://host/#f", "://x"} {
		_, perr := client.NewPlatform(u, "t", nil)
		_, aerr := client.NewAdmin(u, "k", "s", nil)
		for _, err := range []error{perr, aerr} {
			if err == nil {
				t.Errorf("base URL %q accepted", u)
			} else if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error shows the URL's password: %v", err)
			}
		}
	}
}
