package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"

	"github.com/chat-operator/chat-operator/chatserver/text"
)

// repairText rewrites stored text that breaks the text rule (see package
// text): each invalid UTF-8 sequence and each NUL becomes U+FFFD, which
// keeps JSON documents JSON. Only SQLite can hold such text; PostgreSQL
// refuses it on write, so there it does nothing. A value whose repaired
// form collides with a unique key is left alone and logged: repairing it
// would lose a row.
func repairText(ctx context.Context, s *Store, q *Q) error {
	if s.kind != SQLite {
		return nil
	}
	tables, err := q.textColumns(ctx)
	if err != nil {
		return fmt.Errorf("listing text columns: %w", err)
	}
	for table, cols := range tables {
		n, err := q.repairTable(ctx, table, cols)
		if err != nil {
			return fmt.Errorf("repairing text in %s: %w", table, err)
		}
		if n > 0 {
			slog.InfoContext(ctx, "Repaired stored text that was not valid UTF-8", "table", table, "values", n)
		}
	}
	return nil
}

// textColumns lists the TEXT columns of every table of the schema, by
// table, on SQLite.
func (q *Q) textColumns(ctx context.Context) (map[string][]string, error) {
	rows, err := q.ex.QueryContext(ctx, `SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND upper(p.type) = 'TEXT' ORDER BY m.name, p.cid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[string][]string)
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			return nil, err
		}
		out[table] = append(out[table], col)
	}
	return out, rows.Err()
}

// repairTable rewrites the bad values of one table's text columns and
// returns how many it rewrote. Rows are found by rowid (every table of
// the schema has one except WITHOUT ROWID ones, which are found by their
// own values instead).
func (q *Q) repairTable(ctx context.Context, table string, cols []string) (int, error) {
	var withoutRowid int
	if err := q.ex.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?
		AND sql LIKE '%WITHOUT ROWID%'`, table).Scan(&withoutRowid); err != nil {
		return 0, err
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = `"` + c + `"`
	}
	key := "rowid"
	if withoutRowid > 0 {
		key = "NULL"
	}
	rows, err := q.ex.QueryContext(ctx, "SELECT "+key+", "+strings.Join(quoted, ", ")+` FROM "`+table+`"`)
	if err != nil {
		return 0, err
	}
	type fix struct {
		rowid sql.NullInt64
		col   string
		old   string
		new   string
	}
	var fixes []fix
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		dest := make([]any, len(cols)+1)
		var rowid sql.NullInt64
		dest[0] = &rowid
		for i := range vals {
			dest[i+1] = &vals[i]
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return 0, err
		}
		for i, v := range vals {
			if v.Valid && !text.Valid(v.String) {
				fixes = append(fixes, fix{rowid: rowid, col: quoted[i], old: v.String, new: repaired(v.String)})
			}
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return 0, err
	}
	rows.Close()
	repairedValues := 0
	for _, f := range fixes {
		where, arg := "rowid = ?", any(f.rowid.Int64)
		if !f.rowid.Valid {
			where, arg = f.col+" = ?", f.old
		}
		// A savepoint per value: a unique collision undoes that value only.
		if _, err := q.ex.ExecContext(ctx, "SAVEPOINT repair_value"); err != nil {
			return 0, err
		}
		_, err := q.ex.ExecContext(ctx, `UPDATE "`+table+`" SET `+f.col+" = ? WHERE "+where, f.new, arg)
		if err != nil && isUniqueViolation(err) {
			slog.WarnContext(ctx, "Leaving stored text unrepaired: its repaired form is taken", "table", table,
				"column", strings.Trim(f.col, `"`))
			if _, err := q.ex.ExecContext(ctx, "ROLLBACK TO repair_value"); err != nil {
				return 0, err
			}
		} else if err != nil {
			return 0, err
		} else {
			repairedValues++
		}
		if _, err := q.ex.ExecContext(ctx, "RELEASE repair_value"); err != nil {
			return 0, err
		}
	}
	return repairedValues, nil
}

// repaired is s with every invalid UTF-8 sequence and every NUL replaced
// by U+FFFD.
func repaired(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}
