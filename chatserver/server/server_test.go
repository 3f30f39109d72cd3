package server_test

// Black-box tests of the process-level endpoints (issue #2 §2): health,
// readiness, Prometheus metrics, and the JSON error envelope for requests
// no route serves.

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

func noAuth(*http.Request) {}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		for _, path := range []string{"/healthz", "/readyz"} {
			t.Run(path, func(t *testing.T) {
				r := srv.Do(t, "GET", path, noAuth, nil)
				if r.Status != http.StatusOK {
					t.Errorf("GET %s: %d, want 200: %s", path, r.Status, r.Body)
				}
			})
		}
	})
}

// TestReadinessFollowsTheDatabase: /readyz means the database is
// reachable, /healthz only that the process is alive.
func TestReadinessFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		if r := srv.Do(t, "GET", "/readyz", noAuth, nil); r.Status != http.StatusOK {
			t.Fatalf("readyz with the database up: %d: %s", r.Status, r.Body)
		}
		srv.Store.Close()
		if r := srv.Do(t, "GET", "/readyz", noAuth, nil); r.Status != http.StatusServiceUnavailable {
			t.Errorf("readyz with the database gone: %d, want 503: %s", r.Status, r.Body)
		}
		if r := srv.Do(t, "GET", "/healthz", noAuth, nil); r.Status != http.StatusOK {
			t.Errorf("healthz with the database gone: %d, want 200: %s", r.Status, r.Body)
		}
	})
}

// metricLines returns the exposition lines of one metric family (samples
// only, no comments).
func metricLines(body, family string) []string {
	var out []string
	for line := range strings.SplitSeq(body, "\n") {
		if strings.HasPrefix(line, family+"{") || strings.HasPrefix(line, family+" ") {
			out = append(out, line)
		}
	}
	return out
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		r := srv.Do(t, "POST", "/v1/users/", app.As(), []map[string]string{{"username": "alice", "password": "secret123"}})
		if r.Status != http.StatusCreated {
			t.Fatalf("register: %d: %s", r.Status, r.Body)
		}
		for range 3 {
			if r := srv.Do(t, "GET", "/v1/users/alice", app.As(), nil); r.Status != http.StatusOK {
				t.Fatalf("GET alice: %d: %s", r.Status, r.Body)
			}
		}
		// A 404 on the same route, and requests no route serves.
		srv.Do(t, "GET", "/v1/users/nobody1", app.As(), nil)
		srv.Do(t, "GET", "/v1/zzunroutedzz/abc", app.As(), nil)
		srv.Do(t, "GET", "/zzunroutedrootzz", noAuth, nil)

		r = srv.Do(t, "GET", "/metrics", noAuth, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("GET /metrics: %d: %s", r.Status, r.Body)
		}
		body := string(r.Body)

		counts := metricLines(body, "chatserver_http_requests_total")
		if len(counts) == 0 {
			t.Fatalf("no chatserver_http_requests_total samples in:\n%s", body)
		}
		const route = `route="GET /v1/users/{username}"`
		found := false
		for _, l := range counts {
			if strings.Contains(l, route) {
				found = true
			}
		}
		if !found {
			t.Errorf("no chatserver_http_requests_total sample with %s:\n%s", route, strings.Join(counts, "\n"))
		}
		if !strings.Contains(body, "chatserver_http_request_duration_seconds") {
			t.Errorf("no chatserver_http_request_duration_seconds in /metrics")
		}
		durations := metricLines(body, "chatserver_http_request_duration_seconds_count")
		found = false
		for _, l := range durations {
			if strings.Contains(l, route) {
				found = true
			}
		}
		if !found {
			t.Errorf("no chatserver_http_request_duration_seconds sample with %s:\n%s", route, strings.Join(durations, "\n"))
		}

		// Labels are route patterns, never raw paths: no username, no
		// unrouted path may become a label value.
		for _, raw := range []string{"alice", "nobody1", "zzunroutedzz", "zzunroutedrootzz"} {
			for _, l := range append(counts, durations...) {
				if strings.Contains(l, raw) {
					t.Errorf("metric label carries the raw path %q: %s", raw, l)
				}
			}
		}
	})
}

func TestUnroutedRequestsGetJMessageErrors(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		cases := []struct {
			method, path string
			status       int
		}{
			{"GET", "/v1/nonexistent", http.StatusNotFound},
			{"POST", "/v1/nonexistent/deeper", http.StatusNotFound},
			{"GET", "/v1/users/alice/nonexistent", http.StatusNotFound},
			{"PATCH", "/v1/users/alice", http.StatusMethodNotAllowed},
			{"POST", "/v1/users/alice", http.StatusMethodNotAllowed},
			{"PATCH", "/v1/users/", http.StatusMethodNotAllowed},
			{"POST", "/v1/sensitiveword/status", http.StatusMethodNotAllowed},
			{"DELETE", "/v1/sdkregister/status", http.StatusMethodNotAllowed},
		}
		for _, c := range cases {
			t.Run(c.method+" "+c.path, func(t *testing.T) {
				r := srv.Do(t, c.method, c.path, app.As(), `{}`)
				if r.Status != c.status {
					t.Errorf("status = %d, want %d: %s", r.Status, c.status, r.Body)
				}
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type = %q, want application/json", ct)
				}
				var e struct {
					Error *struct {
						Code    *int   `json:"code"`
						Message string `json:"message"`
					} `json:"error"`
				}
				if err := json.Unmarshal(r.Body, &e); err != nil {
					t.Fatalf("body is not JSON (%v): %q", err, r.Body)
				}
				if e.Error == nil || e.Error.Code == nil || *e.Error.Code == 0 || e.Error.Message == "" {
					t.Errorf("body is not a JMessage error envelope {\"error\":{\"code\",\"message\"}}: %s", r.Body)
				}
			})
		}
	})
}
