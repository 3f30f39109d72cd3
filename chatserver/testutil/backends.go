// Package testutil starts real chatservers for tests: a real store (SQLite
// in a temp dir, or a fresh schema in the PostgreSQL that
// hack/with-postgres.sh provides) behind the real HTTP handler.
package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver, for schema setup
)

const (
	// EnvPostgresDSN names the PostgreSQL server tests may use.
	EnvPostgresDSN = "CHAT_TEST_POSTGRES_DSN"
	// EnvRequirePostgres, when "1", turns a missing DSN into a failure:
	// `make test` sets it so the PostgreSQL half can never be skipped.
	EnvRequirePostgres = "CHAT_TEST_REQUIRE_POSTGRES"
)

// Backend is a store engine to test against.
type Backend struct {
	Name string
	// NewURL returns a database URL for a fresh, empty database.
	NewURL func(t testing.TB) string
}

// Backends lists SQLite and, when available, PostgreSQL.
func Backends(t testing.TB) []Backend {
	t.Helper()
	out := []Backend{{Name: "sqlite", NewURL: sqliteURL}}
	dsn := os.Getenv(EnvPostgresDSN)
	switch {
	case dsn != "":
		out = append(out, Backend{Name: "postgres", NewURL: func(t testing.TB) string { return postgresSchemaURL(t, dsn) }})
	case os.Getenv(EnvRequirePostgres) == "1":
		t.Fatalf("%s is not set but %s=1: run the tests through hack/with-postgres.sh (make test does)", EnvPostgresDSN, EnvRequirePostgres)
	default:
		t.Logf("%s not set: PostgreSQL cases are skipped (make test runs them)", EnvPostgresDSN)
	}
	return out
}

// ForEachBackend runs fn as a subtest per backend.
func ForEachBackend(t *testing.T, fn func(t *testing.T, b Backend)) {
	t.Helper()
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) { fn(t, b) })
	}
}

func sqliteURL(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "chat.db")
}

// postgresSchemaURL creates a schema of its own for the test and returns a
// DSN whose search_path points at it, so tests share one server without
// seeing each other's tables.
func postgresSchemaURL(t testing.TB, dsn string) string {
	t.Helper()
	schema := "t_" + strings.ToLower(rand.Text())
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("opening postgres: %v", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("parsing %s: %v", EnvPostgresDSN, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return fmt.Sprint(u)
}
