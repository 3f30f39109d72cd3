package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// InsertMessage stores a message and returns its id.
func (q *Q) InsertMessage(ctx context.Context, m model.Message) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO messages (app_id, target_type, from_id, from_username, target_id, target_name,
		target_app_id, msg_type, body, from_label, target_label, no_offline, no_notification, notification, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		m.AppID, m.TargetType, m.FromID, m.FromUsername, m.TargetID, m.TargetName, m.TargetAppID, m.MsgType, m.Body,
		m.FromName, m.TargetLabel, m.NoOffline, m.NoNotification, m.Notification, m.Created.UnixMilli()).Scan(&id)
	return id, err
}

// MessageByID reads one message of the app.
func (q *Q) MessageByID(ctx context.Context, appID, id int64) (model.Message, error) {
	var m model.Message
	var created int64
	err := q.queryRow(ctx, `SELECT m.id, m.app_id, m.target_type, m.from_id, m.from_username, m.target_id, m.target_name,
		m.target_app_id, a.app_key, m.msg_type, m.body, m.from_label, m.target_label, m.no_offline, m.no_notification,
		m.notification, m.retracted, m.created_at
		FROM messages m JOIN apps a ON a.id = m.target_app_id WHERE m.app_id = ? AND m.id = ?`, appID, id).
		Scan(&m.ID, &m.AppID, &m.TargetType, &m.FromID, &m.FromUsername, &m.TargetID, &m.TargetName, &m.TargetAppID,
			&m.TargetAppKey, &m.MsgType, &m.Body, &m.FromName, &m.TargetLabel, &m.NoOffline, &m.NoNotification,
			&m.Notification, &m.Retracted, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	m.Created = time.UnixMilli(created)
	return m, err
}

// MarkRetracted flags a message as retracted; it reports false if it
// already was, so two racing retracts cannot both succeed.
func (q *Q) MarkRetracted(ctx context.Context, appID, id int64) (bool, error) {
	res, err := q.exec(ctx, "UPDATE messages SET retracted = ? WHERE app_id = ? AND id = ? AND retracted = ?", true, appID, id, false)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Blacklisted reports whether owner has target on their blacklist.
func (q *Q) Blacklisted(ctx context.Context, ownerAppID, ownerID, targetID int64) (bool, error) {
	set, err := blacklistPairs.existing(ctx, q, ownerAppID, ownerID, []int64{targetID})
	return set[targetID], err
}

// NoDisturbOn reports whether owner silenced target (single no-disturb).
func (q *Q) NoDisturbOn(ctx context.Context, ownerAppID, ownerID, targetID int64) (bool, error) {
	set, err := noDisturbUserPairs.existing(ctx, q, ownerAppID, ownerID, []int64{targetID})
	return set[targetID], err
}
