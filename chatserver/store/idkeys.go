package store

import (
	"context"
	"fmt"
)

// assignIDKeys draws an IDKey for every app that has none (migration
// 0015: the apps that existed before keyed ids). It runs in Go because
// neither engine has a portable source of secure random bytes in SQL.
func assignIDKeys(ctx context.Context, _ *Store, q *Q) error {
	rows, err := q.query(ctx, "SELECT id FROM apps WHERE length(id_key) = 0")
	if err != nil {
		return fmt.Errorf("listing apps without an id key: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := q.exec(ctx, "UPDATE apps SET id_key = ? WHERE id = ?", newIDKey(), id); err != nil {
			return fmt.Errorf("setting the id key of app %d: %w", id, err)
		}
	}
	return nil
}
