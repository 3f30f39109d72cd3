package main

import (
	"io"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
	"github.com/chat-operator/chat-operator/chatserver/face/ws"
	"github.com/chat-operator/chat-operator/chatserver/server"
)

// The limits each have a flag and an environment twin, the flag winning;
// 0 turns a limit off and a negative value is refused.
func TestLimitFlags(t *testing.T) {
	t.Parallel()
	type limit struct {
		env  string
		read func(config) any
	}
	conns := limit{"CHAT_MAX_CONNS_PER_USER", func(c config) any { return c.maxConnsPerUser }}
	body := limit{"CHAT_BODY_READ_TIMEOUT", func(c config) any { return c.bodyReadTimeout }}
	public := limit{"CHAT_PUBLIC_PER_ADDRESS", func(c config) any { return c.publicPerAddress }}
	for _, c := range []struct {
		limit   limit
		args    []string
		env     string
		want    any
		wantErr bool
	}{
		{conns, nil, "", ws.DefaultMaxConnsPerUser, false},
		{conns, []string{"--max-conns-per-user", "4"}, "", 4, false},
		{conns, nil, "8", 8, false},
		{conns, []string{"--max-conns-per-user=2"}, "8", 2, false},
		{conns, []string{"--max-conns-per-user", "0"}, "", 0, false}, // no cap
		{conns, []string{"--max-conns-per-user", "-1"}, "", nil, true},

		{body, nil, "", server.DefaultBodyReadTimeout, false},
		{body, []string{"--body-read-timeout", "30s"}, "", 30 * time.Second, false},
		{body, nil, "5m", 5 * time.Minute, false},
		{body, []string{"--body-read-timeout=10s"}, "5m", 10 * time.Second, false},
		{body, []string{"--body-read-timeout", "0"}, "", time.Duration(0), false}, // no bound
		{body, []string{"--body-read-timeout", "-1s"}, "", nil, true},

		{public, nil, "", httpio.DefaultPublicPerAddress, false},
		{public, []string{"--public-per-address", "4"}, "", 4, false},
		{public, nil, "100", 100, false},
		{public, []string{"--public-per-address=2"}, "100", 2, false},
		{public, []string{"--public-per-address", "0"}, "", 0, false}, // no cap
		{public, []string{"--public-per-address", "-3"}, "", nil, true},
	} {
		cfg, err := parseConfig(c.args, func(k string) string {
			if k == c.limit.env {
				return c.env
			}
			return ""
		}, io.Discard)
		if c.wantErr {
			if err == nil {
				t.Errorf("parseConfig(%v, %s=%q) = %v, want an error", c.args, c.limit.env, c.env, c.limit.read(cfg))
			}
			continue
		}
		if got := c.limit.read(cfg); err != nil || got != c.want {
			t.Errorf("parseConfig(%v, %s=%q): %v, %v; want %v", c.args, c.limit.env, c.env, got, err, c.want)
		}
	}
}

// The command line's 0 reaches the server as its "none", not its default.
func TestOrNone(t *testing.T) {
	t.Parallel()
	if got := orNone(0); got != -1 {
		t.Errorf("orNone(0) = %d, want -1", got)
	}
	if got := orNone(5 * time.Second); got != 5*time.Second {
		t.Errorf("orNone(5s) = %v", got)
	}
}

// The shutdown and pruning timings have environment twins too, the flag
// winning; a prune interval must be positive.
func TestTimingFlags(t *testing.T) {
	t.Parallel()
	type timing struct {
		env  string
		read func(config) time.Duration
	}
	shutdown := timing{"CHAT_SHUTDOWN_TIMEOUT", func(c config) time.Duration { return c.shutdownTimeout }}
	prune := timing{"CHAT_PRUNE_INTERVAL", func(c config) time.Duration { return c.pruneInterval }}
	for _, c := range []struct {
		timing  timing
		args    []string
		env     string
		want    time.Duration
		wantErr bool
	}{
		{shutdown, nil, "", 20 * time.Second, false},
		{shutdown, []string{"--shutdown-timeout", "5s"}, "", 5 * time.Second, false},
		{shutdown, nil, "45s", 45 * time.Second, false},
		{shutdown, []string{"--shutdown-timeout=3s"}, "45s", 3 * time.Second, false},
		{shutdown, nil, "soon", 20 * time.Second, false}, // not a duration: the default

		{prune, nil, "", core.DefaultPruneInterval, false},
		{prune, []string{"--prune-interval", "1m"}, "", time.Minute, false},
		{prune, nil, "30s", 30 * time.Second, false},
		{prune, []string{"--prune-interval=2m"}, "30s", 2 * time.Minute, false},
		{prune, []string{"--prune-interval", "0"}, "", 0, true},
		{prune, nil, "-1m", 0, true},
	} {
		cfg, err := parseConfig(c.args, func(k string) string {
			if k == c.timing.env {
				return c.env
			}
			return ""
		}, io.Discard)
		if c.wantErr {
			if err == nil {
				t.Errorf("parseConfig(%v, %s=%q) = %v, want an error", c.args, c.timing.env, c.env, c.timing.read(cfg))
			}
			continue
		}
		if got := c.timing.read(cfg); err != nil || got != c.want {
			t.Errorf("parseConfig(%v, %s=%q): %v, %v; want %v", c.args, c.timing.env, c.env, got, err, c.want)
		}
	}
}
