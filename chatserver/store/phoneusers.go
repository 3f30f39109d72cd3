package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/chat-operator/chat-operator/chatserver/model"
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

// UserByID finds a user of the app by internal id.
func (q *Q) UserByID(ctx context.Context, appID, userID int64) (model.User, error) {
	var s userScan
	err := q.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE app_id = ? AND id = ?", appID, userID).
		Scan(s.targets()...)
	if errors.Is(err, sql.ErrNoRows) {
		return model.User{}, ErrNotFound
	}
	if err != nil {
		return model.User{}, err
	}
	return s.user(), nil
}

// PhoneRecord is what phone_users holds about a user; Privacy is the
// settings as stored (see Privacy).
type PhoneRecord struct {
	Region, Phone, STAccount, Privacy string
}

// PhonesOf returns the phone records of the users among ids that have one.
func (q *Q) PhonesOf(ctx context.Context, appID int64, ids []int64) (map[int64]PhoneRecord, error) {
	out := make(map[int64]PhoneRecord, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.query(ctx, "SELECT user_id, region, phone, COALESCE(st_account, ''), privacy FROM phone_users WHERE app_id = ? AND user_id IN ("+
		placeholders(len(ids))+")", append([]any{appID}, int64Args(ids)...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var r PhoneRecord
		if err := rows.Scan(&id, &r.Region, &r.Phone, &r.STAccount, &r.Privacy); err != nil {
			return nil, err
		}
		out[id] = r
	}
	return out, rows.Err()
}

// SetSTAccount sets a phone user's SealTalk account; ErrConflict if
// another user of the app has it, ErrNotFound if the user has no phone
// record.
func (q *Q) SetSTAccount(ctx context.Context, appID, userID int64, account string) error {
	res, err := q.exec(ctx, "UPDATE phone_users SET st_account = ? WHERE app_id = ? AND user_id = ?", account, appID, userID)
	if isUniqueViolation(err) {
		return ErrConflict
	}
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	return err
}

// SetPoke sets whether a phone user receives pokes; ErrNotFound if the
// user has no phone record.
func (q *Q) SetPoke(ctx context.Context, appID, userID int64, on bool) error {
	v := 0
	if on {
		v = 1
	}
	res, err := q.exec(ctx, "UPDATE phone_users SET poke = ? WHERE app_id = ? AND user_id = ?", v, appID, userID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	return err
}

// Poke tells whether a phone user receives pokes.
func (q *Q) Poke(ctx context.Context, appID, userID int64) (bool, error) {
	var v int
	err := q.queryRow(ctx, "SELECT poke FROM phone_users WHERE app_id = ? AND user_id = ?", appID, userID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return false, ErrNotFound
	}
	return v == 1, err
}

// Privacy returns a phone user's privacy settings as stored (a JSON
// object, "" when never set).
func (q *Q) Privacy(ctx context.Context, appID, userID int64) (string, error) {
	var v string
	err := q.queryRow(ctx, "SELECT privacy FROM phone_users WHERE app_id = ? AND user_id = ?", appID, userID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return v, err
}

// SetPrivacy stores a phone user's privacy settings.
func (q *Q) SetPrivacy(ctx context.Context, appID, userID int64, privacy string) error {
	res, err := q.exec(ctx, "UPDATE phone_users SET privacy = ? WHERE app_id = ? AND user_id = ?", privacy, appID, userID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	return err
}
