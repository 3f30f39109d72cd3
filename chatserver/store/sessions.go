package store

import (
	"context"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

const sessionColumns = "s.id, s.app_id, s.user_id, u.username, s.device, s.created_at, s.expires_at"

func (q *Q) scanSessions(ctx context.Context, query string, args ...any) ([]model.Session, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Session
	for rows.Next() {
		var (
			s                model.Session
			created, expires int64
		)
		if err := rows.Scan(&s.ID, &s.AppID, &s.UserID, &s.Username, &s.Device, &created, &expires); err != nil {
			return nil, err
		}
		s.Created, s.Expires = time.UnixMilli(created), time.UnixMilli(expires)
		out = append(out, s)
	}
	return out, rows.Err()
}

// InsertSession stores a session under the hash of its token and returns
// its id. Call it inside a Write: it also records the device.
func (q *Q) InsertSession(ctx context.Context, s model.Session, tokenHash []byte) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO sessions (app_id, user_id, token_hash, device, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		s.AppID, s.UserID, tokenHash, s.Device, s.Created.UnixMilli(), s.Expires.UnixMilli()).Scan(&id)
	if isUniqueViolation(err) {
		return 0, ErrConflict
	}
	if err != nil {
		return 0, err
	}
	// The device joins the user's userstat list with the session that
	// first logs in on it.
	return id, q.NoteDevice(ctx, s.AppID, s.UserID, s.Device, s.Created)
}

// SessionByTokenHash finds the app's session with that token hash that has
// not expired at now.
func (q *Q) SessionByTokenHash(ctx context.Context, appID int64, tokenHash []byte, now time.Time) (model.Session, error) {
	ss, err := q.scanSessions(ctx, "SELECT "+sessionColumns+` FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.app_id = ? AND s.expires_at > ?`, tokenHash, appID, now.UnixMilli())
	if err != nil {
		return model.Session{}, err
	}
	if len(ss) == 0 {
		return model.Session{}, ErrNotFound
	}
	return ss[0], nil
}

// SessionsOf lists a user's sessions that have not expired at now, oldest
// first.
func (q *Q) SessionsOf(ctx context.Context, appID, userID int64, now time.Time) ([]model.Session, error) {
	return q.scanSessions(ctx, "SELECT "+sessionColumns+` FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.app_id = ? AND s.user_id = ? AND s.expires_at > ? ORDER BY s.id`, appID, userID, now.UnixMilli())
}

// DeleteSession removes the app's session with that token hash; ErrNotFound
// if there is none.
func (q *Q) DeleteSession(ctx context.Context, appID int64, tokenHash []byte) error {
	res, err := q.exec(ctx, "DELETE FROM sessions WHERE app_id = ? AND token_hash = ?", appID, tokenHash)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteUserSessions removes every session of a user and returns how many
// there were.
func (q *Q) DeleteUserSessions(ctx context.Context, appID, userID int64) (int64, error) {
	res, err := q.exec(ctx, "DELETE FROM sessions WHERE app_id = ? AND user_id = ?", appID, userID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// DeleteExpiredSessions removes a user's sessions that expired by now, so
// the table does not grow with logins that were never logged out.
func (q *Q) DeleteExpiredSessions(ctx context.Context, appID, userID int64, now time.Time) error {
	_, err := q.exec(ctx, "DELETE FROM sessions WHERE app_id = ? AND user_id = ? AND expires_at <= ?",
		appID, userID, now.UnixMilli())
	return err
}
