// Package server assembles chatserver's HTTP surface: every face on one
// ServeMux, plus health, readiness and metrics, behind shared middleware.
package server

import (
	"context"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
	"github.com/chat-operator/chat-operator/chatserver/face/jmessage"
	"github.com/chat-operator/chat-operator/chatserver/face/platform"
	"github.com/chat-operator/chat-operator/chatserver/face/sealtalk"
	"github.com/chat-operator/chat-operator/chatserver/face/ws"
)

// Config is what the HTTP surface needs besides the core.
type Config struct {
	PlatformToken string
	Version       string
	// OnShutdown, when set, receives what must run when the HTTP server
	// shuts down: http.Server.Shutdown does not touch hijacked
	// connections, so open WebSocket sessions are closed (1001 going away)
	// by this, not by Shutdown. Pass (*http.Server).RegisterOnShutdown,
	// and wait for what it received to return before closing the store:
	// Shutdown runs it on a goroutine it does not wait for, and the
	// gateway's close writes to the store (see chatserver/cmd/chatserver).
	OnShutdown func(func())
	// Gateway customises the WebSocket gateway (ws.WithMaxConnsPerUser).
	Gateway []ws.Option
	// BodyReadTimeout bounds how long a request body may take to arrive
	// (withBodyDeadline); zero means DefaultBodyReadTimeout, negative no
	// bound.
	BodyReadTimeout time.Duration
	// PublicPerAddress caps the unauthenticated requests (sign-up, login,
	// codes, uploads by token) one client address may have in flight;
	// more are answered 429. Zero means httpio.DefaultPublicPerAddress,
	// negative no cap.
	PublicPerAddress int
	// TrustedProxies are the proxies (ingress controllers, load balancers)
	// whose X-Forwarded-For names the client; see withClientAddr.
	TrustedProxies []netip.Prefix
}

// Handler is the complete HTTP surface.
type Handler struct {
	http.Handler
	routes *httpio.Routes
}

// Routes are the patterns of every route the faces registered, in
// registration order: what a test covering every route walks.
func (h *Handler) Routes() []string { return h.routes.Patterns() }

// New returns the complete handler. reg receives the HTTP metrics; pass a
// fresh registry per server so tests can run several side by side.
func New(svc *core.Service, cfg Config, reg *prometheus.Registry) *Handler {
	mux := http.NewServeMux()
	routes := httpio.NewRoutes(mux)
	jmessage.New(svc).Register(routes)
	gateway := ws.New(svc, cfg.Gateway...)
	gateway.Register(routes)
	if cfg.OnShutdown != nil {
		cfg.OnShutdown(gateway.Close)
	}
	sealtalk.New(svc, httpio.NewGate(cfg.publicPerAddress())).Register(routes)
	platform.New(svc, cfg.PlatformToken, platform.Info{
		Version: cfg.Version, Database: string(svc.Store().Kind()),
	}).Register(routes)

	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", readyz(svc))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	metrics := newHTTPMetrics(reg)
	// withClientAddr comes first: it copies the request, and instrument must
	// see the copy the mux records the route pattern on.
	return &Handler{
		Handler: recoverPanics(withClientAddr(cfg.TrustedProxies, metrics.instrument(
			withBodyDeadline(cfg.bodyReadTimeout(), refuseBadText(unmatchedInFaceFormat(mux)))))),
		routes: routes,
	}
}

func (c Config) bodyReadTimeout() time.Duration {
	if c.BodyReadTimeout == 0 {
		return DefaultBodyReadTimeout
	}
	return c.BodyReadTimeout
}

func (c Config) publicPerAddress() int {
	if c.PublicPerAddress == 0 {
		return httpio.DefaultPublicPerAddress
	}
	return c.PublicPerAddress
}

// readyz answers 200 once the database answers; migrations ran before the
// server started listening, so a reachable database is a ready one.
func readyz(svc *core.Service) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := svc.Store().Ping(ctx); err != nil {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("ok\n"))
	}
}

// unmatchedInFaceFormat answers requests no route matches (404, and 405 for
// a known path with the wrong method) in the envelope of the face the path
// belongs to, so clients can always parse an error.
func unmatchedInFaceFormat(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{header: http.Header{}}
		mux.ServeHTTP(rec, r)
		for k, v := range rec.header {
			if k != "Content-Type" && k != "X-Content-Type-Options" {
				w.Header()[k] = v
			}
		}
		writeStatusError(w, r.URL.Path, rec.status, "")
	})
}

// statusRecorder captures what the mux would answer for an unmatched
// request, without writing it.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header         { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusRecorder) WriteHeader(code int)        { s.status = code }
