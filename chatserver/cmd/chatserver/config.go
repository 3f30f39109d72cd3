package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
	"github.com/chat-operator/chat-operator/chatserver/face/ws"
	"github.com/chat-operator/chat-operator/chatserver/server"
)

// config is the process configuration. Every flag has an environment twin,
// which the flag overrides.
type config struct {
	listen          string
	database        string
	dataDir         string
	platformToken   string
	logLevel        slog.Level
	shutdownTimeout time.Duration
	trustedProxies  []netip.Prefix
	// smsAllowLoopback lets SMS webhooks point at this host's loopback.
	smsAllowLoopback bool
	// eventRetention and pruneInterval drive core.StartPruning.
	eventRetention time.Duration
	pruneInterval  time.Duration
	// maxConnsPerUser caps a user's gateway connections; 0 means no cap.
	maxConnsPerUser int
	// bodyReadTimeout bounds how long a request body may take to arrive;
	// 0 means no bound.
	bodyReadTimeout time.Duration
	// publicPerAddress caps one address's unauthenticated requests in
	// flight; 0 means no cap.
	publicPerAddress int
}

func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var c config
	var level string
	fs := flag.NewFlagSet("chatserver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", env("CHAT_LISTEN_ADDR", ":8080"), "listen address (env CHAT_LISTEN_ADDR)")
	fs.StringVar(&c.dataDir, "data-dir", env("CHAT_DATA_DIR", "chatserver-data"),
		"directory for the SQLite database and the generated platform token (env CHAT_DATA_DIR)")
	fs.StringVar(&c.database, "database", getenv("CHAT_DATABASE_URL"),
		"sqlite:<path> or postgres://...; default sqlite:<data-dir>/chatserver.db (env CHAT_DATABASE_URL)")
	fs.StringVar(&c.platformToken, "platform-token", getenv("CHAT_PLATFORM_TOKEN"),
		"Bearer token for /platform/v1; generated into <data-dir>/platform-token when empty (env CHAT_PLATFORM_TOKEN)")
	fs.StringVar(&level, "log-level", env("CHAT_LOG_LEVEL", "info"), "debug, info, warn or error (env CHAT_LOG_LEVEL)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", envDuration(getenv, "CHAT_SHUTDOWN_TIMEOUT", 20*time.Second),
		"how long SIGTERM waits for requests in flight (env CHAT_SHUTDOWN_TIMEOUT)")
	fs.BoolVar(&c.smsAllowLoopback, "sms-allow-loopback", getenv("CHAT_SMS_ALLOW_LOOPBACK") == "true",
		"let tenants' SMS webhooks be on this host's loopback, for local development (env CHAT_SMS_ALLOW_LOOPBACK=true)")
	var proxies string
	fs.StringVar(&proxies, "trusted-proxies", getenv("CHAT_TRUSTED_PROXIES"),
		"comma-separated IPs or CIDRs of proxies whose X-Forwarded-For names the client, for the per-address login limits (env CHAT_TRUSTED_PROXIES)")
	fs.DurationVar(&c.eventRetention, "event-retention", envDuration(getenv, "CHAT_EVENT_RETENTION", core.DefaultEventRetention),
		"how long the gateway keeps users' events and client_msg_ids; a client further behind gets a gap frame (env CHAT_EVENT_RETENTION)")
	fs.DurationVar(&c.pruneInterval, "prune-interval", envDuration(getenv, "CHAT_PRUNE_INTERVAL", core.DefaultPruneInterval),
		"how often the gateway's old events are deleted (env CHAT_PRUNE_INTERVAL)")
	fs.IntVar(&c.maxConnsPerUser, "max-conns-per-user", envInt(getenv, "CHAT_MAX_CONNS_PER_USER", ws.DefaultMaxConnsPerUser),
		"most gateway connections one user may hold (on PostgreSQL across replicas); more are closed with 4008; 0 means no cap (env CHAT_MAX_CONNS_PER_USER)")
	fs.DurationVar(&c.bodyReadTimeout, "body-read-timeout", envDuration(getenv, "CHAT_BODY_READ_TIMEOUT", server.DefaultBodyReadTimeout),
		"how long a request body may take to arrive once its headers have; a slower one is answered 400; 0 means no bound (env CHAT_BODY_READ_TIMEOUT)")
	fs.IntVar(&c.publicPerAddress, "public-per-address", envInt(getenv, "CHAT_PUBLIC_PER_ADDRESS", httpio.DefaultPublicPerAddress),
		"most unauthenticated requests (sign-up, login, codes) one client address may have in flight; more are answered 429; 0 means no cap (env CHAT_PUBLIC_PER_ADDRESS)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	var err error
	if err = c.logLevel.UnmarshalText([]byte(level)); err != nil {
		return c, fmt.Errorf("--log-level: %w", err)
	}
	if c.trustedProxies, err = parsePrefixes(proxies); err != nil {
		return c, fmt.Errorf("--trusted-proxies: %w", err)
	}
	if c.database == "" {
		c.database = "sqlite:" + filepath.Join(c.dataDir, "chatserver.db")
	}
	if c.eventRetention <= 0 || c.pruneInterval <= 0 {
		return c, errors.New("--event-retention and --prune-interval must be positive")
	}
	if c.listen == "" {
		return c, errors.New("--listen must not be empty")
	}
	if c.maxConnsPerUser < 0 {
		return c, errors.New("--max-conns-per-user must not be negative (0 means no cap)")
	}
	if c.bodyReadTimeout < 0 {
		return c, errors.New("--body-read-timeout must not be negative (0 means no bound)")
	}
	if c.publicPerAddress < 0 {
		return c, errors.New("--public-per-address must not be negative (0 means no cap)")
	}
	return c, nil
}

// parsePrefixes reads a comma-separated list of CIDRs and bare addresses
// (a bare address is a one-address prefix).
func parsePrefixes(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR", item)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// envInt reads an integer from the environment; def when unset or not an
// integer.
func envInt(getenv func(string) string, name string, def int) int {
	if n, err := strconv.Atoi(getenv(name)); err == nil {
		return n
	}
	return def
}

// envDuration reads a duration from the environment; def when unset or
// not a duration.
func envDuration(getenv func(string) string, name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(getenv(name)); err == nil {
		return d
	}
	return def
}

// orNone maps the command line's 0 ("none") to the negative value
// server.Config reads as none, where its own zero means the default.
func orNone[T int | time.Duration](v T) T {
	if v == 0 {
		return -1
	}
	return v
}
