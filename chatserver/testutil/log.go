package testutil

import (
	"log/slog"
	"os"
)

// Servers started by tests log through slog's default logger. Keep only
// warnings and errors, so benchmark figures and test output stay readable
// while failures inside handlers still show.
func init() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}
