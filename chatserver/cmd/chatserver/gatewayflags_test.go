package main

import (
	"io"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/face/ws"
)

func TestMaxConnsPerUserFlag(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args    []string
		env     string
		want    int
		wantErr bool
	}{
		{nil, "", ws.DefaultMaxConnsPerUser, false},
		{[]string{"--max-conns-per-user", "4"}, "", 4, false},
		{nil, "8", 8, false},
		{[]string{"--max-conns-per-user=2"}, "8", 2, false},
		{[]string{"--max-conns-per-user", "0"}, "", 0, false}, // no cap
		{[]string{"--max-conns-per-user", "-1"}, "", 0, true},
	} {
		cfg, err := parseConfig(c.args, func(k string) string {
			if k == "CHAT_MAX_CONNS_PER_USER" {
				return c.env
			}
			return ""
		}, io.Discard)
		if c.wantErr {
			if err == nil {
				t.Errorf("parseConfig(%v, env %q) = %d, want an error", c.args, c.env, cfg.maxConnsPerUser)
			}
			continue
		}
		if err != nil || cfg.maxConnsPerUser != c.want {
			t.Errorf("parseConfig(%v, env %q): maxConnsPerUser %d, %v; want %d", c.args, c.env, cfg.maxConnsPerUser, err, c.want)
		}
	}
}
