package store

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/chat-operator/chat-operator/chatserver/text"
)

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Q runs queries, either inside a transaction (Store.Write) or not
// (Store.Read). Queries use '?' placeholders on both engines.
type Q struct {
	ex   execer
	kind Kind
	// stmts, when set, supplies prepared statements; tx binds them to the
	// transaction's connection.
	stmts *stmtCache
	tx    *sql.Tx
}

// prepared returns a prepared statement for query, or nil to run it as
// text.
func (q *Q) prepared(ctx context.Context, query string) *sql.Stmt {
	if q.stmts == nil {
		return nil
	}
	st := q.stmts.get(ctx, query)
	if st != nil && q.tx != nil {
		// Closed with the transaction; the connection keeps its own
		// prepared copy for the next one.
		return q.tx.StmtContext(ctx, st)
	}
	return st
}

func (q *Q) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := checkText(args); err != nil {
		return nil, err
	}
	query = q.rebind(query)
	var res sql.Result
	var err error
	if st := q.prepared(ctx, query); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = q.ex.ExecContext(ctx, query, args...)
	}
	return res, refusedValue(err)
}

func (q *Q) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := checkText(args); err != nil {
		return nil, err
	}
	query = q.rebind(query)
	var rows *sql.Rows
	var err error
	if st := q.prepared(ctx, query); st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = q.ex.QueryContext(ctx, query, args...)
	}
	return rows, refusedValue(err)
}

// row is a *sql.Row, or the error that kept the query from running (its
// Scan returns it).
type row struct {
	*sql.Row
	err error
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	return refusedValue(r.Row.Scan(dest...))
}

func (q *Q) queryRow(ctx context.Context, query string, args ...any) row {
	if err := checkText(args); err != nil {
		return row{err: err}
	}
	query = q.rebind(query)
	if st := q.prepared(ctx, query); st != nil {
		return row{Row: st.QueryRowContext(ctx, args...)}
	}
	return row{Row: q.ex.QueryRowContext(ctx, query, args...)}
}

// checkText refuses a query whose text arguments break the text rule:
// PostgreSQL would fail the statement (SQLSTATE 22021), SQLite would
// store bytes that break every reader, and the two stores must answer
// alike. Blobs ([]byte) are not text and pass.
func checkText(args []any) error {
	for i, a := range args {
		var s string
		switch v := a.(type) {
		case string:
			s = v
		case sql.NullString:
			s = v.String
		case nil, int, int64, bool, []byte, float64:
			continue
		default:
			// Named string types (ids, kinds) are text too.
			if rv := reflect.ValueOf(a); rv.Kind() == reflect.String {
				s = rv.String()
			}
		}
		if !text.Valid(s) {
			return fmt.Errorf("%w: query argument %d", text.ErrInvalid, i+1)
		}
	}
	return nil
}

// rebind turns '?' placeholders into PostgreSQL's $1, $2, ... Queries never
// contain a literal '?', so no quoting rules are needed.
func (q *Q) rebind(query string) string {
	if q.kind != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// placeholders returns "?,?,?" for n values, for IN lists.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}

// int64Args and stringArgs spread a slice into query arguments.
func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func stringArgs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// int64s runs a query whose single column is an id and returns the ids.
func (q *Q) int64s(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// idSet is int64s as a set, for "which of these exist" checks.
func (q *Q) idSet(ctx context.Context, query string, args ...any) (map[int64]bool, error) {
	ids, err := q.int64s(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}
