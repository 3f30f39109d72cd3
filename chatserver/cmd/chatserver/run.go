package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/ws"
	"github.com/chat-operator/chat-operator/chatserver/media"
	"github.com/chat-operator/chat-operator/chatserver/server"
	"github.com/chat-operator/chat-operator/chatserver/sms"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	slog.SetDefault(log)

	token, tokenPath, err := platformToken(cfg.platformToken, cfg.dataDir)
	if err != nil {
		return err
	}
	if tokenPath != "" {
		log.Info("Using generated platform token", "path", tokenPath)
	}

	st, err := store.Open(ctx, cfg.database)
	if err != nil {
		return fmt.Errorf("opening database: %w", err)
	}
	defer st.Close()
	log.Info("Database ready", "kind", st.Kind(), "schemaVersion", store.LatestSchemaVersion())

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every replica shares the platform token, so a media-link secret
	// derived from it lets a link issued by one replica work on any other.
	sender := sms.NewWebhook()
	sender.AllowLoopback = cfg.smsAllowLoopback
	svc := core.New(st, core.WithMediaSecret(media.DeriveSecret(token)), core.WithSMSSender(sender))
	stopPruning := svc.StartPruning(core.PruneOptions{Retention: cfg.eventRetention, Interval: cfg.pruneInterval})
	defer stopPruning()

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.listen, err)
	}
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Shutdown runs its hooks on goroutines it does not wait for; the
	// gateway's (close the sessions, take this replica's presence rows
	// off) writes to the store, so run waits for them before the deferred
	// st.Close.
	var hooks sync.WaitGroup
	onShutdown := func(f func()) {
		hooks.Add(1)
		srv.RegisterOnShutdown(func() {
			defer hooks.Done()
			f()
		})
	}
	srv.Handler = server.New(svc, server.Config{
		PlatformToken: token, Version: version, OnShutdown: onShutdown,
		TrustedProxies: cfg.trustedProxies,
		Gateway:        []ws.Option{ws.WithMaxConnsPerUser(cfg.maxConnsPerUser)},
		// The server reads zero as its default and a negative value as
		// none; on the command line 0 says none.
		BodyReadTimeout:  orNone(cfg.bodyReadTimeout),
		PublicPerAddress: orNone(cfg.publicPerAddress),
	}, reg)
	log.Info("Serving", "addr", ln.Addr().String(), "version", version)
	if tokenPath != "" {
		printQuickstart(stderr, ln.Addr().String(), tokenPath)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Info("Shutting down", "timeout", cfg.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if !waitOrDone(sctx, &hooks) {
		log.Warn("Shutdown hooks did not finish in time; closing the database under them")
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutting down: %w", err)
	}
	return nil
}

// waitOrDone waits for wg, or until ctx ends; it reports whether wg was
// done.
func waitOrDone(ctx context.Context, wg *sync.WaitGroup) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-ctx.Done():
		return false
	}
}

// printQuickstart tells a first-time user how to create a tenant and call
// it. It names the token file rather than printing the token.
func printQuickstart(w io.Writer, addr, tokenPath string) {
	host := addr
	if strings.HasPrefix(host, "[::]") || strings.HasPrefix(host, "0.0.0.0") || strings.HasPrefix(host, ":") {
		_, port, _ := net.SplitHostPort(addr)
		host = "localhost:" + port
	}
	fmt.Fprintf(w, `
chatserver is running. Create a tenant (appKey and masterSecret: 24 letters or digits each):

  curl -sS -X PUT http://%[1]s/platform/v1/apps/demoapp00000000000000001 \
    -H "Authorization: Bearer $(cat %[2]s)" \
    -d '{"masterSecret":"demosecret00000000000001"}'

Then call its JMessage admin API:

  curl -sS -u demoapp00000000000000001:demosecret00000000000001 \
    -X POST http://%[1]s/v1/users/ -d '[{"username":"alice","password":"secret123"}]'
  curl -sS -u demoapp00000000000000001:demosecret00000000000001 http://%[1]s/v1/users/alice

`, host, tokenPath)
}
