package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Image captchas (SealTalk get_sms_img_code) and single-use upload tokens
// (SealTalk get_image_token). Both are kept in the database, so every
// replica sees them.

// InsertCaptcha stores a new captcha and drops the app's expired ones.
func (q *Q) InsertCaptcha(ctx context.Context, appID int64, idHash, answerHash, image []byte, expires, now time.Time) error {
	if _, err := q.exec(ctx, "DELETE FROM captchas WHERE app_id = ? AND expires_at <= ?", appID, now.UnixMilli()); err != nil {
		return err
	}
	_, err := q.exec(ctx, "INSERT INTO captchas (app_id, id_hash, answer_hash, image, expires_at) VALUES (?, ?, ?, ?, ?)",
		appID, idHash, answerHash, image, expires.UnixMilli())
	return err
}

// CaptchaImage reads the PNG of a live captcha.
func (q *Q) CaptchaImage(ctx context.Context, appID int64, idHash []byte, now time.Time) ([]byte, error) {
	var image []byte
	err := q.queryRow(ctx, "SELECT image FROM captchas WHERE app_id = ? AND id_hash = ? AND expires_at > ?",
		appID, idHash, now.UnixMilli()).Scan(&image)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return image, err
}

// CaptchaTry counts one try at a live captcha that has tries left and
// answers its answer hash and the tries made, this one included; the row
// stays locked until the transaction ends. ErrNotFound: no such live
// captcha.
func (q *Q) CaptchaTry(ctx context.Context, appID int64, idHash []byte, maxTries int, now time.Time) (answerHash []byte, tries int, err error) {
	err = q.queryRow(ctx, `UPDATE captchas SET tries = tries + 1
		WHERE app_id = ? AND id_hash = ? AND expires_at > ? AND tries < ? RETURNING answer_hash, tries`,
		appID, idHash, now.UnixMilli(), maxTries).Scan(&answerHash, &tries)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, ErrNotFound
	}
	return answerHash, tries, err
}

// DeleteCaptcha spends or kills a captcha.
func (q *Q) DeleteCaptcha(ctx context.Context, appID int64, idHash []byte) error {
	_, err := q.exec(ctx, "DELETE FROM captchas WHERE app_id = ? AND id_hash = ?", appID, idHash)
	return err
}

// InsertUploadToken stores a new upload token of a user and drops the
// app's expired ones.
func (q *Q) InsertUploadToken(ctx context.Context, appID, userID int64, tokenHash []byte, expires, now time.Time) error {
	if _, err := q.exec(ctx, "DELETE FROM upload_tokens WHERE app_id = ? AND expires_at <= ?", appID, now.UnixMilli()); err != nil {
		return err
	}
	_, err := q.exec(ctx, "INSERT INTO upload_tokens (app_id, token_hash, user_id, expires_at) VALUES (?, ?, ?, ?)",
		appID, tokenHash, userID, expires.UnixMilli())
	return err
}

// SpendUploadToken deletes a live upload token and answers whose it was
// and when it would have expired; ErrNotFound if it is unknown, spent or
// expired.
func (q *Q) SpendUploadToken(ctx context.Context, appID int64, tokenHash []byte, now time.Time) (userID int64, expires time.Time, err error) {
	var exp int64
	err = q.queryRow(ctx, "DELETE FROM upload_tokens WHERE app_id = ? AND token_hash = ? AND expires_at > ? RETURNING user_id, expires_at",
		appID, tokenHash, now.UnixMilli()).Scan(&userID, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, ErrNotFound
	}
	return userID, time.UnixMilli(exp), err
}

// UploadTokenLive reports whether an upload token is live (known, not
// spent, not expired), without spending it.
func (q *Q) UploadTokenLive(ctx context.Context, appID int64, tokenHash []byte, now time.Time) (bool, error) {
	var n int
	err := q.queryRow(ctx, "SELECT COUNT(*) FROM upload_tokens WHERE app_id = ? AND token_hash = ? AND expires_at > ?",
		appID, tokenHash, now.UnixMilli()).Scan(&n)
	return n > 0, err
}
