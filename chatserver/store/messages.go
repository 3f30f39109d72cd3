package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

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

// SinglePair reads the sender and the recipient of a one-to-one message,
// with the two switches that decide delivery, in one round trip: whether
// the recipient blacklisted the sender, and whether they silenced them.
// A user who does not exist comes back with ID 0.
func (q *Q) SinglePair(ctx context.Context, senderAppID int64, senderName string, targetAppID int64, targetName string) (
	sender, target model.User, blocked, silenced bool, err error) {
	// Two unique-index lookups glued with UNION ALL; an OR over the two
	// (app, username) pairs makes PostgreSQL fall back to a bitmap scan.
	rows, err := q.query(ctx, "SELECT "+userColumnsAs("u")+`, 0, FALSE, FALSE FROM users u WHERE u.app_id = ? AND u.username = ?
		UNION ALL SELECT `+userColumnsAs("u")+`, 1,
		EXISTS (SELECT 1 FROM blacklist b JOIN users s ON s.id = b.target_id
			WHERE b.user_id = u.id AND s.app_id = ? AND s.username = ?),
		EXISTS (SELECT 1 FROM nodisturb_users n JOIN users s ON s.id = n.target_id
			WHERE n.user_id = u.id AND s.app_id = ? AND s.username = ?)
		FROM users u WHERE u.app_id = ? AND u.username = ?`,
		senderAppID, senderName, senderAppID, senderName, senderAppID, senderName, targetAppID, targetName)
	if err != nil {
		return sender, target, false, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var s userScan
		var side int
		var b, n bool
		if err := rows.Scan(s.targets(&side, &b, &n)...); err != nil {
			return sender, target, false, false, err
		}
		if side == 0 {
			sender = s.user()
		} else {
			target, blocked, silenced = s.user(), b, n
		}
	}
	return sender, target, blocked, silenced, rows.Err()
}
