package store

import (
	"context"
	"database/sql"
	"errors"
)

// PhoneUserBySTAccount finds the user who set a SealTalk account in the
// app.
func (q *Q) PhoneUserBySTAccount(ctx context.Context, appID int64, account string) (int64, error) {
	var id int64
	err := q.queryRow(ctx, "SELECT user_id FROM phone_users WHERE app_id = ? AND st_account = ?", appID, account).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return id, err
}
