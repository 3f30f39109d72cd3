package store

import (
	"context"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// RenewReplica records that the gateway replica id is alive until until.
func (q *Q) RenewReplica(ctx context.Context, id string, until time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO gateway_replicas (id, alive_until) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET alive_until = excluded.alive_until`, id, until.UnixMilli())
	return err
}

// ReplicaExists says whether the replica's row is there (another replica
// removes it once its lease has run out).
func (q *Q) ReplicaExists(ctx context.Context, id string) (bool, error) {
	var n int
	err := q.queryRow(ctx, "SELECT COUNT(*) FROM gateway_replicas WHERE id = ?", id).Scan(&n)
	return n > 0, err
}

// SetConnections records n open connections of c's device on c's
// replica; none at all removes the row.
func (q *Q) SetConnections(ctx context.Context, c Connection, n int) error {
	if n <= 0 {
		_, err := q.exec(ctx, "DELETE FROM gateway_connections WHERE replica_id = ? AND app_id = ? AND user_id = ? AND device = ?",
			c.Replica, c.AppID, c.UserID, c.Device)
		return err
	}
	_, err := q.exec(ctx, `INSERT INTO gateway_connections (replica_id, app_id, user_id, device, conns) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (replica_id, user_id, device) DO UPDATE SET conns = excluded.conns`,
		c.Replica, c.AppID, c.UserID, c.Device, n)
	return err
}

// DropReplicas removes the replica id and, through the cascade, its
// connections; and every replica whose lease ended before deadBefore.
func (q *Q) DropReplicas(ctx context.Context, id string, deadBefore time.Time) error {
	_, err := q.exec(ctx, "DELETE FROM gateway_replicas WHERE id = ? OR alive_until < ?", id, deadBefore.UnixMilli())
	return err
}

// ConnectionsElsewhere counts a user's connections recorded by replicas
// other than replica whose lease runs past now (the gateway's cap on
// sockets per user). It reads the user's rows through their index.
func (q *Q) ConnectionsElsewhere(ctx context.Context, appID, userID int64, replica string, now time.Time) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COALESCE(SUM(c.conns), 0) FROM gateway_connections c
		JOIN gateway_replicas r ON r.id = c.replica_id
		WHERE c.user_id = ? AND c.app_id = ? AND c.replica_id <> ? AND r.alive_until > ?`,
		userID, appID, replica, now.UnixMilli()).Scan(&n)
	return n, err
}

// Connection is one device of one user holding gateway connections on a
// replica.
type Connection struct {
	Replica       string
	AppID, UserID int64
	Device        string
}

// NoteDevice records that the user logged in on the platform, which
// userstat lists from then on.
func (q *Q) NoteDevice(ctx context.Context, appID, userID int64, platform string, now time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO user_devices (app_id, user_id, platform, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, platform) DO UPDATE SET updated_at = excluded.updated_at`, appID, userID, platform, now.UnixMilli())
	return err
}

// DeviceStates answers, per user, every platform the user ever logged in
// on: logged in while a session of that device is live at now, online
// while a replica whose lease runs past now holds a connection of it.
func (q *Q) DeviceStates(ctx context.Context, appID int64, userIDs []int64, now time.Time) (map[int64][]model.Device, error) {
	out := make(map[int64][]model.Device, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	args := []any{now.UnixMilli(), now.UnixMilli(), appID}
	rows, err := q.query(ctx, `SELECT d.user_id, d.platform,
		EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = d.user_id AND s.device = d.platform AND s.expires_at > ?),
		EXISTS (SELECT 1 FROM gateway_connections c JOIN gateway_replicas r ON r.id = c.replica_id
			WHERE c.user_id = d.user_id AND c.device = d.platform AND r.alive_until > ?)
		FROM user_devices d WHERE d.app_id = ? AND d.user_id IN (`+placeholders(len(userIDs))+`)
		ORDER BY d.user_id, d.platform`, append(args, int64Args(userIDs)...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var d model.Device
		if err := rows.Scan(&id, &d.Platform, &d.LoggedIn, &d.Online); err != nil {
			return nil, err
		}
		out[id] = append(out[id], d)
	}
	return out, rows.Err()
}
