package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Kind names a storage engine.
type Kind string

const (
	SQLite   Kind = "sqlite"
	Postgres Kind = "postgres"
)

// Store is a migrated database. It is safe for concurrent use.
type Store struct {
	kind Kind
	// read and write are the same pool on PostgreSQL. On SQLite, writeMu
	// admits one write transaction at a time: SQLite allows one writer, and
	// queueing in Go is far cheaper than retrying SQLITE_BUSY. The write
	// pool keeps a second connection so statements can be prepared while a
	// transaction runs.
	read    *sql.DB
	write   *sql.DB
	writeMu *sync.Mutex
	// readStmts and writeStmts cache prepared statements on SQLite only.
	readStmts, writeStmts *stmtCache
	messages              *messageBatcher
}

// Open connects to databaseURL ("sqlite:<path>" or "postgres://...") and runs
// the embedded migrations.
func Open(ctx context.Context, databaseURL string) (*Store, error) {
	return open(ctx, databaseURL, math.MaxInt)
}

// open is Open with the migrations up to version only (tests build the
// databases older versions left with it).
func open(ctx context.Context, databaseURL string, version int) (*Store, error) {
	s, err := connect(databaseURL)
	if err != nil {
		return nil, err
	}
	s.messages = &messageBatcher{store: s, reqs: make(chan *appendReq, maxMessageBatch), stop: make(chan struct{})}
	if err := s.migrate(ctx, version); err != nil {
		s.Close()
		return nil, fmt.Errorf("migrating %s database: %w", s.kind, err)
	}
	return s, nil
}

func connect(databaseURL string) (*Store, error) {
	switch {
	case strings.HasPrefix(databaseURL, "sqlite:"):
		return connectSQLite(strings.TrimPrefix(databaseURL, "sqlite:"))
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		return connectPostgres(databaseURL)
	default:
		return nil, fmt.Errorf("unsupported database URL %q: want sqlite:<path> or postgres://", redact(databaseURL))
	}
}

func connectSQLite(path string) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite database URL has no path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("creating sqlite directory: %w", err)
		}
	}
	// WAL lets readers run beside the writer. synchronous=FULL syncs the WAL
	// on every commit, so a committed message survives power loss too; group
	// commit (msgbatch.go) keeps that affordable under load.
	params := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(1)", "busy_timeout(10000)"} {
		params.Add("_pragma", p)
	}
	params.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + params.Encode()
	write, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(2)
	write.SetMaxIdleConns(2)
	read, err := sql.Open("sqlite", dsn)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("opening sqlite %s: %w", path, err)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	return &Store{kind: SQLite, read: read, write: write, readStmts: newStmtCache(read), writeStmts: newStmtCache(write),
		writeMu: &sync.Mutex{}}, nil
}

func connectPostgres(dsn string) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening postgres %s: %w", redact(dsn), err)
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	return &Store{kind: Postgres, read: db, write: db}, nil
}

// Kind reports the engine behind the store.
func (s *Store) Kind() Kind { return s.kind }

// Close releases every connection.
func (s *Store) Close() error {
	s.messages.stopOnce.Do(func() { close(s.messages.stop) })
	s.messages.done.Wait()
	for _, c := range []*stmtCache{s.readStmts, s.writeStmts} {
		if c != nil {
			c.close()
		}
	}
	err := s.read.Close()
	if s.write != s.read {
		err = errors.Join(err, s.write.Close())
	}
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.read.PingContext(ctx)
}

// Read returns a query handle outside any transaction, for reads.
func (s *Store) Read() *Q {
	return &Q{ex: s.read, kind: s.kind, stmts: s.readStmts}
}

// Write runs fn in one transaction and commits if fn returns nil. Every
// write goes through here, so a failed request leaves nothing behind.
//
// A transaction that loses a race (a deadlock or serialization failure,
// or a foreign-key violation because a row it refers to was deleted
// meanwhile) is rolled back and fn runs again from the start, a bounded
// number of times (retry.go). fn must therefore be safe to run more than
// once: whatever it sets outside the transaction it must set afresh on
// each run. A foreign-key violation that persists is returned as
// ErrNotFound.
func (s *Store) Write(ctx context.Context, fn func(q *Q) error) error {
	return retryWrite(ctx, func() error { return s.writeOnce(ctx, fn) })
}

// writeOnce is one run of Write: one transaction.
func (s *Store) writeOnce(ctx context.Context, fn func(q *Q) error) error {
	if s.writeMu != nil {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning transaction: %w", err)
	}
	if err := fn(&Q{ex: tx, kind: s.kind, stmts: s.writeStmts, tx: tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing transaction: %w", err)
	}
	return nil
}

// statement runs fn outside an explicit transaction; fn must issue a
// single write statement, which is its own transaction on both engines.
func (s *Store) statement(fn func(q *Q) error) error {
	if s.writeMu != nil {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	return fn(&Q{ex: s.write, kind: s.kind, stmts: s.writeStmts})
}

// redact drops the password from a DSN so it can appear in errors and logs.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	return u.Redacted()
}
