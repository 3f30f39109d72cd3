package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var (
	// ErrNotFound means the row asked for does not exist in this tenant.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a unique key is already taken.
	ErrConflict = errors.New("already exists")
	// ErrInvalidValue means the database refused a value the request
	// carried (PostgreSQL's data exceptions, SQLSTATE class 22: a number
	// out of a column's range, bytes that are not text). It is the
	// caller's input, not the server's failure.
	ErrInvalidValue = errors.New("value refused by the database")
)

// refusedValue wraps a data exception as ErrInvalidValue, keeping the
// original for logs; other errors pass unchanged.
func refusedValue(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "22") && !errors.Is(err, ErrInvalidValue) {
		return fmt.Errorf("%w: %w", ErrInvalidValue, err)
	}
	return err
}

// isUniqueViolation reports whether err is a unique or primary key
// violation on either engine.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		c := sqErr.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}
