package store

import (
	"context"
	"time"
)

// AttemptKey names what authentication attempts are counted against: an
// account or a client address, within one scope of one app.
type AttemptKey struct {
	AppID          int64
	Scope, Subject string
}

// TakeAttempt counts one attempt against k and answers the attempts in
// k's window, this one included. A window that opened at or before
// windowOpen has closed: the count restarts at 1 in a window opening now.
// One statement, so concurrent attempts are each counted once.
func (q *Q) TakeAttempt(ctx context.Context, k AttemptKey, now, windowOpen time.Time) (int, error) {
	var n int
	err := q.queryRow(ctx, `INSERT INTO auth_attempts (app_id, scope, subject, attempts, window_start)
		VALUES (?, ?, ?, 1, ?)
		ON CONFLICT (app_id, scope, subject) DO UPDATE SET
		attempts = CASE WHEN auth_attempts.window_start <= ? THEN 1 ELSE auth_attempts.attempts + 1 END,
		window_start = CASE WHEN auth_attempts.window_start <= ? THEN excluded.window_start ELSE auth_attempts.window_start END
		RETURNING attempts`,
		k.AppID, k.Scope, k.Subject, now.UnixMilli(), windowOpen.UnixMilli(), windowOpen.UnixMilli()).Scan(&n)
	return n, err
}

// ForgetAttempts clears k's count (a successful login clears the
// account's failures).
func (q *Q) ForgetAttempts(ctx context.Context, k AttemptKey) error {
	_, err := q.exec(ctx, "DELETE FROM auth_attempts WHERE app_id = ? AND scope = ? AND subject = ?",
		k.AppID, k.Scope, k.Subject)
	return err
}

// ReturnAttempt gives one counted attempt back to k (a successful login
// is not held against the client's address).
func (q *Q) ReturnAttempt(ctx context.Context, k AttemptKey) error {
	_, err := q.exec(ctx, `UPDATE auth_attempts SET attempts = attempts - 1
		WHERE app_id = ? AND scope = ? AND subject = ? AND attempts > 0`, k.AppID, k.Scope, k.Subject)
	return err
}

// PruneAttempts drops up to limit of the app's rows whose window opened at
// or before windowOpen: they count as zero already.
func (q *Q) PruneAttempts(ctx context.Context, appID int64, windowOpen time.Time, limit int) error {
	_, err := q.exec(ctx, `DELETE FROM auth_attempts WHERE app_id = ? AND (scope, subject) IN
		(SELECT scope, subject FROM auth_attempts WHERE app_id = ? AND window_start <= ? LIMIT ?)`,
		appID, appID, windowOpen.UnixMilli(), limit)
	return err
}
