package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// PhoneKey names one phone of one app.
type PhoneKey struct {
	AppID         int64
	Region, Phone string
}

// LockCodePhone marks the phone as being sent a code. Inside a Write it
// serialises sends to one phone on PostgreSQL (the row stays locked until
// commit); SQLite runs one write at a time anyway.
func (q *Q) LockCodePhone(ctx context.Context, k PhoneKey, now time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO code_phones (app_id, region, phone, touched_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (app_id, region, phone) DO UPDATE SET touched_at = excluded.touched_at`,
		k.AppID, k.Region, k.Phone, now.UnixMilli())
	return err
}

// CountCodeSends counts the codes sent to the phone after since.
func (q *Q) CountCodeSends(ctx context.Context, k PhoneKey, since time.Time) (int, error) {
	var n int
	err := q.queryRow(ctx, "SELECT COUNT(*) FROM code_sends WHERE app_id = ? AND region = ? AND phone = ? AND sent_at > ?",
		k.AppID, k.Region, k.Phone, since.UnixMilli()).Scan(&n)
	return n, err
}

// InsertCodeSend records a code sent to the phone and returns its id.
func (q *Q) InsertCodeSend(ctx context.Context, k PhoneKey, at time.Time) (int64, error) {
	var id int64
	err := q.queryRow(ctx, "INSERT INTO code_sends (app_id, region, phone, sent_at) VALUES (?, ?, ?, ?) RETURNING id",
		k.AppID, k.Region, k.Phone, at.UnixMilli()).Scan(&id)
	return id, err
}

// DeleteCodeSend forgets a send, for a code that was never delivered.
func (q *Q) DeleteCodeSend(ctx context.Context, appID, id int64) error {
	_, err := q.exec(ctx, "DELETE FROM code_sends WHERE app_id = ? AND id = ?", appID, id)
	return err
}

// PruneCodeSends drops the phone's sends at or before before, which no
// limit counts any more.
func (q *Q) PruneCodeSends(ctx context.Context, k PhoneKey, before time.Time) error {
	_, err := q.exec(ctx, "DELETE FROM code_sends WHERE app_id = ? AND region = ? AND phone = ? AND sent_at <= ?",
		k.AppID, k.Region, k.Phone, before.UnixMilli())
	return err
}

// VerificationCode is the live code of a phone for one purpose. Hash is a
// salted hash; the code itself is never stored.
type VerificationCode struct {
	PhoneKey
	Purpose  string
	Hash     []byte
	Failures int
	Created  time.Time
	Expires  time.Time
}

// PutVerificationCode stores the phone's code for the purpose, replacing
// any earlier one and its count of wrong tries.
func (q *Q) PutVerificationCode(ctx context.Context, c VerificationCode) error {
	_, err := q.exec(ctx, `INSERT INTO verification_codes (app_id, region, phone, purpose, code_hash, failures, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, 0, ?, ?)
		ON CONFLICT (app_id, region, phone, purpose) DO UPDATE SET code_hash = excluded.code_hash,
		failures = 0, created_at = excluded.created_at, expires_at = excluded.expires_at`,
		c.AppID, c.Region, c.Phone, c.Purpose, c.Hash, c.Created.UnixMilli(), c.Expires.UnixMilli())
	return err
}

// TakeCodeAttempt spends one try on the phone's live code for the purpose
// and returns the code with the tries now spent. It does so in a single
// statement, so concurrent guesses cannot exceed maxTries. ErrNotFound
// when there is no code, it expired by now, or its tries are spent.
func (q *Q) TakeCodeAttempt(ctx context.Context, k PhoneKey, purpose string, now time.Time, maxTries int) (VerificationCode, error) {
	c := VerificationCode{PhoneKey: k, Purpose: purpose}
	var created, expires int64
	err := q.queryRow(ctx, `UPDATE verification_codes SET failures = failures + 1
		WHERE app_id = ? AND region = ? AND phone = ? AND purpose = ? AND expires_at > ? AND failures < ?
		RETURNING code_hash, failures, created_at, expires_at`,
		k.AppID, k.Region, k.Phone, purpose, now.UnixMilli(), maxTries).Scan(&c.Hash, &c.Failures, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	c.Created, c.Expires = time.UnixMilli(created), time.UnixMilli(expires)
	return c, err
}

// CodeExpiredAt reports whether the phone has a code for the purpose that
// expired by now (as opposed to none at all).
func (q *Q) CodeExpiredAt(ctx context.Context, k PhoneKey, purpose string, now time.Time) (bool, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM verification_codes
		WHERE app_id = ? AND region = ? AND phone = ? AND purpose = ? AND expires_at <= ?`,
		k.AppID, k.Region, k.Phone, purpose, now.UnixMilli()).Scan(&n)
	return n > 0, err
}

// DeleteVerificationCode removes the phone's code for the purpose.
func (q *Q) DeleteVerificationCode(ctx context.Context, k PhoneKey, purpose string) error {
	_, err := q.exec(ctx, "DELETE FROM verification_codes WHERE app_id = ? AND region = ? AND phone = ? AND purpose = ?",
		k.AppID, k.Region, k.Phone, purpose)
	return err
}

// PhoneVerification is what a verification token proves: the phone
// passed a code check for the purpose.
type PhoneVerification struct {
	PhoneKey
	Purpose string
	Expires time.Time
}

// InsertPhoneVerification stores a verification under its token's hash.
func (q *Q) InsertPhoneVerification(ctx context.Context, v PhoneVerification, tokenHash []byte) error {
	_, err := q.exec(ctx, `INSERT INTO phone_verifications (token_hash, app_id, region, phone, purpose, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, tokenHash, v.AppID, v.Region, v.Phone, v.Purpose, v.Expires.UnixMilli())
	return err
}

// PhoneVerificationByHash finds the app's verification with that token
// hash that has not expired by now.
func (q *Q) PhoneVerificationByHash(ctx context.Context, appID int64, tokenHash []byte, now time.Time) (PhoneVerification, error) {
	v := PhoneVerification{PhoneKey: PhoneKey{AppID: appID}}
	var expires int64
	err := q.queryRow(ctx, `SELECT region, phone, purpose, expires_at FROM phone_verifications
		WHERE app_id = ? AND token_hash = ? AND expires_at > ?`, appID, tokenHash, now.UnixMilli()).
		Scan(&v.Region, &v.Phone, &v.Purpose, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrNotFound
	}
	v.Expires = time.UnixMilli(expires)
	return v, err
}

// DeletePhoneVerification spends the phone's verification with that token
// hash; ErrNotFound if there is none that is still valid at now.
func (q *Q) DeletePhoneVerification(ctx context.Context, k PhoneKey, tokenHash []byte, now time.Time) error {
	res, err := q.exec(ctx, `DELETE FROM phone_verifications
		WHERE app_id = ? AND token_hash = ? AND region = ? AND phone = ? AND expires_at > ?`,
		k.AppID, tokenHash, k.Region, k.Phone, now.UnixMilli())
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

// PruneVerifications drops the app's verification tokens that expired by
// now and its codes that expired by codesBefore.
func (q *Q) PruneVerifications(ctx context.Context, appID int64, now, codesBefore time.Time) error {
	if _, err := q.exec(ctx, "DELETE FROM phone_verifications WHERE app_id = ? AND expires_at <= ?",
		appID, now.UnixMilli()); err != nil {
		return err
	}
	_, err := q.exec(ctx, "DELETE FROM verification_codes WHERE app_id = ? AND expires_at <= ?",
		appID, codesBefore.UnixMilli())
	return err
}
