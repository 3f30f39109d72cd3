package testutil

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the sqlite driver, for Digest
)

// volatileTables change on requests that write nothing a caller asked
// for: counted auth attempts (every refused login counts, by design),
// the gateway's leases and presence, and the schema's own bookkeeping.
var volatileTables = []string{"auth_attempts", "gateway_replicas", "gateway_connections", "schema_migrations"}

// Digests opens the server's database and returns a function hashing
// every row of every table but the volatile ones: equal digests before
// and after a request mean the request wrote nothing. The database is
// closed when the test ends.
func (s *Server) Digests(t testing.TB) func() string {
	t.Helper()
	driver, dsn := "pgx", s.DatabaseURL
	if path, ok := strings.CutPrefix(s.DatabaseURL, "sqlite:"); ok {
		driver, dsn = "sqlite", "file:"+path+"?mode=ro"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("opening the database for digests: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	listTables := `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	if driver == "sqlite" {
		listTables = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	}
	return func() string {
		t.Helper()
		ctx := context.Background()
		tables, err := column(ctx, db, listTables)
		if err != nil {
			t.Fatalf("listing tables: %v", err)
		}
		slices.Sort(tables)
		h := sha256.New()
		for _, table := range tables {
			if slices.Contains(volatileTables, table) {
				continue
			}
			rows, err := tableRows(ctx, db, table)
			if err != nil {
				t.Fatalf("reading %s: %v", table, err)
			}
			fmt.Fprintf(h, "%s:%d\n", table, len(rows))
			for _, r := range rows {
				fmt.Fprintln(h, r)
			}
		}
		return hex.EncodeToString(h.Sum(nil))
	}
}

func column(ctx context.Context, db *sql.DB, query string) ([]string, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// tableRows renders every row of table, sorted, so the digest does not
// depend on the order the database returns them in.
func tableRows(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("%q", vals))
	}
	slices.Sort(out)
	return out, rows.Err()
}
