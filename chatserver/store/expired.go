package store

import (
	"context"
	"time"
)

// Expiring names a table whose rows die at a time: its key columns and
// the column holding that time.
type Expiring struct {
	Table, Key, Time string
}

// The tables the pruning loop empties of dead rows.
var (
	// The gateway's log and send claims, past the retention.
	OldUserEvents   = Expiring{"user_events", "app_id, user_id, seq", "created_at"}
	OldClientMsgIDs = Expiring{"client_msg_ids", "app_id, user_id, client_msg_id", "created_at"}
	// End-user secrets past their expiry.
	ExpiredSessions      = Expiring{"sessions", "id", "expires_at"}
	ExpiredVerifications = Expiring{"phone_verifications", "token_hash", "expires_at"}
	ExpiredCodes         = Expiring{"verification_codes", "app_id, region, phone, purpose", "expires_at"}
	ExpiredCaptchas      = Expiring{"captchas", "app_id, id_hash", "expires_at"}
	ExpiredUploadTokens  = Expiring{"upload_tokens", "app_id, token_hash", "expires_at"}
	// Code sends and attempt windows do not expire by themselves: they
	// are dead once older than the longest window that counts them.
	OldCodeSends    = Expiring{"code_sends", "id", "sent_at"}
	OldAuthAttempts = Expiring{"auth_attempts", "app_id, scope, subject", "window_start"}
)

// PruneBefore deletes up to limit rows of e whose time is before cutoff,
// the oldest first (a replay never finds a hole below kept events), across
// all apps, and returns how many it deleted. Small batches keep each write
// short (SQLite has one writer). The names come from the fixed list
// above, never from input.
func (q *Q) PruneBefore(ctx context.Context, e Expiring, cutoff time.Time, limit int) (int64, error) {
	res, err := q.exec(ctx, "DELETE FROM "+e.Table+" WHERE ("+e.Key+") IN (SELECT "+e.Key+" FROM "+e.Table+
		" WHERE "+e.Time+" < ? ORDER BY "+e.Time+" LIMIT ?)", cutoff.UnixMilli(), limit)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
