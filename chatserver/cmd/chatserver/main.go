// Command chatserver is the bundled multi-tenant IM server. One process
// serves every tenant: the JMessage compatible admin API, the SealTalk
// compatible user API, the WebSocket gateway, media downloads, the
// platform API the operator drives, and health, readiness and metrics
// endpoints. It is configured by flags, each with a CHAT_* environment
// twin (see config.go), and stores its data in SQLite or PostgreSQL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chatserver:", err)
		os.Exit(1)
	}
}
