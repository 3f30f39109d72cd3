package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"
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
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 20*time.Second, "how long SIGTERM waits for requests in flight")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	if err := c.logLevel.UnmarshalText([]byte(level)); err != nil {
		return c, fmt.Errorf("--log-level: %w", err)
	}
	if c.database == "" {
		c.database = "sqlite:" + filepath.Join(c.dataDir, "chatserver.db")
	}
	if c.listen == "" {
		return c, errors.New("--listen must not be empty")
	}
	return c, nil
}
