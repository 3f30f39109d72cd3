package store

import (
	"context"
	"database/sql"
	"errors"
)

// InsertPhoneUser records the phone a user registered with; ErrConflict
// if the phone is taken in the app.
func (q *Q) InsertPhoneUser(ctx context.Context, appID, userID int64, region, phone string) error {
	_, err := q.exec(ctx, "INSERT INTO phone_users (app_id, user_id, region, phone) VALUES (?, ?, ?, ?)",
		appID, userID, region, phone)
	if isUniqueViolation(err) {
		return ErrConflict
	}
	return err
}

// PhoneUserID finds the user registered with a phone in the app.
func (q *Q) PhoneUserID(ctx context.Context, appID int64, region, phone string) (int64, error) {
	var id int64
	err := q.queryRow(ctx, "SELECT user_id FROM phone_users WHERE app_id = ? AND region = ? AND phone = ?",
		appID, region, phone).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return id, err
}

// RenameUser changes a user's username; ErrConflict if it is taken.
func (q *Q) RenameUser(ctx context.Context, appID, userID int64, username string) error {
	_, err := q.exec(ctx, "UPDATE users SET username = ? WHERE app_id = ? AND id = ?", username, appID, userID)
	if isUniqueViolation(err) {
		return ErrConflict
	}
	return err
}
