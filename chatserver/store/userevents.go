package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// UserEvent is one row of a user's event log.
type UserEvent struct {
	AppID, UserID int64
	// Seq numbers the user's events from 1, with no gaps.
	Seq     int64
	Kind    string
	Payload string // a JSON object
	Created time.Time
}

// userEventRowsPerInsert caps one multi-row INSERT: 6 parameters a row
// stays far below SQLite's 32766 and PostgreSQL's 65535.
const userEventRowsPerInsert = 1000

type userKey struct{ app, user int64 }

// AppendUserEvents numbers evs per user and inserts them; it fills each
// Seq. Call it inside Store.Write.
//
// Numbering is race-free across replicas: one upsert per batch adds each
// user's count to their row in user_event_seqs and returns the new top,
// and that row stays locked until the transaction commits. A concurrent
// writer for the same user (another replica) waits on the lock and then
// numbers after it, so per user, seq order is commit order and a reader
// that sees seq N also sees every seq below it. Rows are upserted in
// (app_id, user_id) order, so two writers never wait on each other in a
// cycle.
func (q *Q) AppendUserEvents(ctx context.Context, evs []UserEvent) error {
	if len(evs) == 0 {
		return nil
	}
	counts := make(map[userKey]int64)
	for _, e := range evs {
		counts[userKey{e.AppID, e.UserID}]++
	}
	keys := make([]userKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b userKey) int {
		if a.app != b.app {
			return compareInt64(a.app, b.app)
		}
		return compareInt64(a.user, b.user)
	})
	next := make(map[userKey]int64, len(keys))
	for chunk := range slices.Chunk(keys, userEventRowsPerInsert) {
		args := make([]any, 0, 3*len(chunk))
		for _, k := range chunk {
			args = append(args, k.app, k.user, counts[k])
		}
		rows, err := q.query(ctx, "INSERT INTO user_event_seqs (app_id, user_id, seq) VALUES "+
			rowsOf(len(chunk), 3)+
			" ON CONFLICT (app_id, user_id) DO UPDATE SET seq = user_event_seqs.seq + excluded.seq"+
			" RETURNING app_id, user_id, seq", args...)
		if err != nil {
			return fmt.Errorf("numbering user events: %w", err)
		}
		for rows.Next() {
			var k userKey
			var top int64
			if err := rows.Scan(&k.app, &k.user, &top); err != nil {
				rows.Close()
				return err
			}
			next[k] = top - counts[k] + 1
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for i := range evs {
		k := userKey{evs[i].AppID, evs[i].UserID}
		seq, ok := next[k]
		if !ok {
			return fmt.Errorf("numbering user events: no sequence returned for user %d", k.user)
		}
		evs[i].Seq = seq
		next[k] = seq + 1
	}
	for chunk := range slices.Chunk(evs, userEventRowsPerInsert) {
		args := make([]any, 0, 6*len(chunk))
		for _, e := range chunk {
			args = append(args, e.AppID, e.UserID, e.Seq, e.Kind, e.Payload, e.Created.UnixMilli())
		}
		if _, err := q.exec(ctx, "INSERT INTO user_events (app_id, user_id, seq, kind, payload, created_at) VALUES "+
			rowsOf(len(chunk), 6), args...); err != nil {
			return fmt.Errorf("storing user events: %w", err)
		}
	}
	return nil
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// rowsOf returns "(?,?),(?,?)" for n rows of width values.
func rowsOf(n, width int) string {
	row := "(" + placeholders(width) + ")"
	return strings.TrimSuffix(strings.Repeat(row+",", n), ",")
}

// UserEventsAfter returns up to limit events of one user with seq > after,
// in seq order.
func (q *Q) UserEventsAfter(ctx context.Context, appID, userID, after int64, limit int) ([]UserEvent, error) {
	rows, err := q.query(ctx, `SELECT seq, kind, payload, created_at FROM user_events
		WHERE app_id = ? AND user_id = ? AND seq > ? ORDER BY seq LIMIT ?`, appID, userID, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []UserEvent
	for rows.Next() {
		e := UserEvent{AppID: appID, UserID: userID}
		var created int64
		if err := rows.Scan(&e.Seq, &e.Kind, &e.Payload, &created); err != nil {
			return nil, err
		}
		e.Created = time.UnixMilli(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

// LastUserEventSeq returns the highest seq handed out to a user, 0 if none.
func (q *Q) LastUserEventSeq(ctx context.Context, appID, userID int64) (int64, error) {
	var seq int64
	err := q.queryRow(ctx, "SELECT seq FROM user_event_seqs WHERE app_id = ? AND user_id = ?", appID, userID).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, err
}

// AckUserEvents records that a user's device has every event up to seq;
// the mark only moves forward.
func (q *Q) AckUserEvents(ctx context.Context, appID, userID int64, device string, seq int64) error {
	_, err := q.exec(ctx, `INSERT INTO user_event_acks (app_id, user_id, device, seq) VALUES (?, ?, ?, ?)
		ON CONFLICT (app_id, user_id, device) DO UPDATE SET seq = excluded.seq WHERE user_event_acks.seq < excluded.seq`,
		appID, userID, device, seq)
	return err
}

// UserEventAck returns the seq a user's device last acknowledged, 0 if none.
func (q *Q) UserEventAck(ctx context.Context, appID, userID int64, device string) (int64, error) {
	var seq int64
	err := q.queryRow(ctx, "SELECT seq FROM user_event_acks WHERE app_id = ? AND user_id = ? AND device = ?",
		appID, userID, device).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, err
}

// MarkRead moves a user's read mark in a conversation forward to msgID.
func (q *Q) MarkRead(ctx context.Context, appID, userID int64, conversation string, msgID int64, at time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO read_states (app_id, user_id, conversation, msg_id, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (app_id, user_id, conversation) DO UPDATE SET msg_id = excluded.msg_id, updated_at = excluded.updated_at
		WHERE read_states.msg_id < excluded.msg_id`, appID, userID, conversation, msgID, at.UnixMilli())
	return err
}

// ReadMark returns the last msg_id a user read in a conversation, 0 if none.
func (q *Q) ReadMark(ctx context.Context, appID, userID int64, conversation string) (int64, error) {
	var id int64
	err := q.queryRow(ctx, "SELECT msg_id FROM read_states WHERE app_id = ? AND user_id = ? AND conversation = ?",
		appID, userID, conversation).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// ReserveClientMsgID claims clientMsgID for a user's send. It reports
// whether the caller owns the send now; otherwise msgID is the message
// the first send stored, or 0 while that send is still in flight. A claim
// left unfinished for longer than stale (a crashed replica) is taken over.
func (q *Q) ReserveClientMsgID(ctx context.Context, appID, userID int64, clientMsgID string, now time.Time,
	stale time.Duration) (owned bool, msgID int64, err error) {
	res, err := q.exec(ctx, `INSERT INTO client_msg_ids (app_id, user_id, client_msg_id, msg_id, created_at)
		VALUES (?, ?, ?, 0, ?) ON CONFLICT (app_id, user_id, client_msg_id) DO NOTHING`,
		appID, userID, clientMsgID, now.UnixMilli())
	if err != nil {
		return false, 0, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, 0, nil
	}
	res, err = q.exec(ctx, `UPDATE client_msg_ids SET created_at = ?
		WHERE app_id = ? AND user_id = ? AND client_msg_id = ? AND msg_id = 0 AND created_at < ?`,
		now.UnixMilli(), appID, userID, clientMsgID, now.Add(-stale).UnixMilli())
	if err != nil {
		return false, 0, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, 0, nil
	}
	err = q.queryRow(ctx, "SELECT msg_id FROM client_msg_ids WHERE app_id = ? AND user_id = ? AND client_msg_id = ?",
		appID, userID, clientMsgID).Scan(&msgID)
	return false, msgID, err
}

// CompleteClientMsgID records the message a claimed client_msg_id produced.
func (q *Q) CompleteClientMsgID(ctx context.Context, appID, userID int64, clientMsgID string, msgID int64) error {
	_, err := q.exec(ctx, "UPDATE client_msg_ids SET msg_id = ? WHERE app_id = ? AND user_id = ? AND client_msg_id = ?",
		msgID, appID, userID, clientMsgID)
	return err
}

// ReleaseClientMsgID drops an unfinished claim after a failed send, so a
// retry may try again.
func (q *Q) ReleaseClientMsgID(ctx context.Context, appID, userID int64, clientMsgID string) error {
	_, err := q.exec(ctx, "DELETE FROM client_msg_ids WHERE app_id = ? AND user_id = ? AND client_msg_id = ? AND msg_id = 0",
		appID, userID, clientMsgID)
	return err
}

// UnreadSingle counts stored one-to-one messages from peerID to userID
// (one app) with an id above after, retracted ones excluded.
func (q *Q) UnreadSingle(ctx context.Context, appID, userID, peerID, after int64) (int64, error) {
	var n int64
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM messages WHERE app_id = ? AND target_type = 'single' AND target_id = ?
		AND target_app_id = ? AND from_id = ? AND id > ? AND retracted = FALSE AND no_offline = FALSE`,
		appID, userID, appID, peerID, after).Scan(&n)
	return n, err
}

// UnreadGroup counts stored messages of a group not sent by userID with an
// id above after, retracted ones excluded.
func (q *Q) UnreadGroup(ctx context.Context, appID, groupID, userID, after int64) (int64, error) {
	var n int64
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM messages WHERE app_id = ? AND target_type = 'group' AND target_id = ?
		AND from_id <> ? AND id > ? AND retracted = FALSE AND no_offline = FALSE`,
		appID, groupID, userID, after).Scan(&n)
	return n, err
}
