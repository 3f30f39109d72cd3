package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Change tracking for SealTalk's /user/sync/:version. Every write that
// changes what sync reports (friends, blacklist, group info and
// membership, a user's profile) stamps the rows it touches with a version
// from the app's sync clock, and every deletion of such a row leaves a
// tombstone, in the same transaction.

// Tombstone kinds.
const (
	tombFriend    = "friend"
	tombBlacklist = "blacklist"
	tombMember    = "member"
)

// syncStamp hands out the app's next version: the wall clock in
// milliseconds, or the last version + 1 when the clock has not passed it.
// The upsert locks the app's clock row until the transaction ends, so
// versions are handed out in commit order.
func (q *Q) syncStamp(ctx context.Context, appID int64) (int64, error) {
	var stamp int64
	err := q.queryRow(ctx, `INSERT INTO sync_clock (app_id, stamp) VALUES (?, ?)
		ON CONFLICT (app_id) DO UPDATE SET stamp = CASE WHEN excluded.stamp > sync_clock.stamp
		THEN excluded.stamp ELSE sync_clock.stamp + 1 END RETURNING stamp`, appID, time.Now().UnixMilli()).Scan(&stamp)
	return stamp, err
}

// LockSyncClocks takes the sync clocks of the apps (repeats allowed), in
// ascending app id order, until the transaction ends.
//
// Lock order: a write that stamps takes its apps' clocks first, in this
// order, and only then row locks (LockGroup, inserts that lock keys).
// Without it, a cross-app friend add stamping app 1 then app 2 meets the
// opposite add stamping app 2 then app 1, and a member add holding the
// group's row meets a group delete holding the clock: deadlocks, each
// costing a second on PostgreSQL before one side is run again. Stamps
// taken later in the transaction find the clock already held.
func (q *Q) LockSyncClocks(ctx context.Context, appIDs ...int64) error {
	ids := slices.Clone(appIDs)
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		if _, err := q.syncStamp(ctx, id); err != nil {
			return fmt.Errorf("locking the sync clock of app %d: %w", id, err)
		}
	}
	return nil
}

// SyncHighWater is the app's newest committed version: every change
// stamped at or below it is visible.
func (q *Q) SyncHighWater(ctx context.Context, appID int64) (int64, error) {
	var stamp int64
	err := q.queryRow(ctx, "SELECT stamp FROM sync_clock WHERE app_id = ?", appID).Scan(&stamp)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return stamp, err
}

// StartSyncClock hands out the app's first version, so a sync before any
// tracked change still answers a version above 0 (0 means "everything").
func (q *Q) StartSyncClock(ctx context.Context, appID int64) (int64, error) {
	return q.syncStamp(ctx, appID)
}

// tombstoneSelect records tombstones for the rows a SELECT returns; its
// columns are app_id, owner_id, target_id. The SELECT must have a WHERE
// clause (SQLite's upsert-after-select rule).
func (q *Q) tombstoneSelect(ctx context.Context, kind string, stamp int64, sel string, args ...any) error {
	_, err := q.exec(ctx, "INSERT INTO sync_tombstones (app_id, kind, owner_id, target_id, deleted_at) "+
		"SELECT x.app_id, '"+kind+"', x.owner_id, x.target_id, ? FROM ("+sel+") x WHERE TRUE "+
		"ON CONFLICT (kind, owner_id, target_id) DO UPDATE SET app_id = excluded.app_id, deleted_at = excluded.deleted_at",
		append([]any{stamp}, args...)...)
	return err
}

// clearTombstone forgets a deletion when the row comes back.
func (q *Q) clearTombstone(ctx context.Context, kind string, ownerID, targetID int64) error {
	_, err := q.exec(ctx, "DELETE FROM sync_tombstones WHERE kind = ? AND owner_id = ? AND target_id = ?", kind, ownerID, targetID)
	return err
}

// SyncWindow bounds what a sync reports: changes stamped after After and
// at or before Until. With After < 0 (version 0) every live row is
// reported and no tombstone.
type SyncWindow struct {
	After, Until int64
}

// tombAfter is the lower bound for tombstones: none for a full sync.
func (w SyncWindow) tombAfter() int64 {
	if w.After < 0 {
		return math.MaxInt64
	}
	return w.After
}

// collect reads every row of a sync query into a T, through the scan
// targets targets gives for it.
func collect[T any](rows *sql.Rows, err error, targets func(*T) []any) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(targets(&v)...); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// SyncProfile is a user's profile as sync reports it.
type SyncProfile struct {
	UserID      int64
	Nickname    string
	PortraitURI string
	Stamp       int64
}

// SyncUser reads the user's own profile if it changed in the window.
func (q *Q) SyncUser(ctx context.Context, appID, userID int64, w SyncWindow) (*SyncProfile, error) {
	var p SyncProfile
	err := q.queryRow(ctx, `SELECT id, COALESCE(nickname, ''), COALESCE(avatar, ''), sync_at FROM users
		WHERE app_id = ? AND id = ? AND sync_at > ? AND sync_at <= ?`, appID, userID, w.After, w.Until).
		Scan(&p.UserID, &p.Nickname, &p.PortraitURI, &p.Stamp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// SyncBlacklistEntry is one blacklist change: Listed false is a removal.
type SyncBlacklistEntry struct {
	TargetID int64
	Listed   bool
	Stamp    int64
}

// SyncBlacklist reads the user's blacklist changes in the window.
func (q *Q) SyncBlacklist(ctx context.Context, appID, userID int64, w SyncWindow) ([]SyncBlacklistEntry, error) {
	rows, err := q.query(ctx, `SELECT target_id, TRUE, sync_at FROM blacklist
		WHERE app_id = ? AND user_id = ? AND sync_at > ? AND sync_at <= ?
		UNION ALL SELECT target_id, FALSE, deleted_at FROM sync_tombstones
		WHERE app_id = ? AND kind = 'blacklist' AND owner_id = ? AND deleted_at > ? AND deleted_at <= ?
		ORDER BY 3, 1`, appID, userID, w.After, w.Until, appID, userID, w.tombAfter(), w.Until)
	return collect(rows, err, func(e *SyncBlacklistEntry) []any {
		return []any{&e.TargetID, &e.Listed, &e.Stamp}
	})
}

// SyncFriend is one friendship change: Deleted is an unfriending.
// Changes to the friend's profile count as changes of the friendship.
type SyncFriend struct {
	FriendID    int64
	DisplayName string
	Nickname    string
	PortraitURI string
	Deleted     bool
	Stamp       int64
}

// SyncFriends reads the user's friendship changes in the window; friends
// in other apps are left out.
func (q *Q) SyncFriends(ctx context.Context, appID, userID int64, w SyncWindow) ([]SyncFriend, error) {
	rows, err := q.query(ctx, `SELECT f.friend_id, f.note_name, COALESCE(u.nickname, ''), COALESCE(u.avatar, ''), FALSE,
		CASE WHEN u.sync_at > f.sync_at AND u.sync_at <= ? THEN u.sync_at ELSE f.sync_at END
		FROM friends f JOIN users u ON u.id = f.friend_id
		WHERE f.app_id = ? AND f.user_id = ? AND u.app_id = f.app_id
		AND ((f.sync_at > ? AND f.sync_at <= ?) OR (u.sync_at > ? AND u.sync_at <= ?))
		UNION ALL SELECT target_id, '', '', '', TRUE, deleted_at FROM sync_tombstones
		WHERE app_id = ? AND kind = 'friend' AND owner_id = ? AND deleted_at > ? AND deleted_at <= ?
		ORDER BY 6, 1`, w.Until, appID, userID, w.After, w.Until, w.After, w.Until,
		appID, userID, w.tombAfter(), w.Until)
	return collect(rows, err, func(f *SyncFriend) []any {
		return []any{&f.FriendID, &f.DisplayName, &f.Nickname, &f.PortraitURI, &f.Deleted, &f.Stamp}
	})
}

// SyncGroup is one change of a group the user is (or was) in: joining,
// the group's info or owner, or (Deleted) leaving, removal or the group's
// dissolution. A deleted group carries only its id.
type SyncGroup struct {
	GroupID     int64
	Name        string
	PortraitURI string
	OwnerID     int64
	Deleted     bool
	Stamp       int64
}

// SyncGroups reads the changes of the user's groups in the window.
func (q *Q) SyncGroups(ctx context.Context, appID, userID int64, w SyncWindow) ([]SyncGroup, error) {
	rows, err := q.query(ctx, `SELECT g.id, g.name, g.avatar, COALESCE(g.owner_id, 0), FALSE,
		CASE WHEN g.sync_at > m.sync_at AND g.sync_at <= ? THEN g.sync_at ELSE m.sync_at END
		FROM group_members m JOIN chat_groups g ON g.id = m.group_id
		WHERE m.app_id = ? AND g.app_id = ? AND m.user_id = ?
		AND ((m.sync_at > ? AND m.sync_at <= ?) OR (g.sync_at > ? AND g.sync_at <= ?))
		UNION ALL SELECT owner_id, '', '', 0, TRUE, deleted_at FROM sync_tombstones
		WHERE app_id = ? AND kind = 'member' AND target_id = ? AND deleted_at > ? AND deleted_at <= ?
		ORDER BY 6, 1`, w.Until, appID, appID, userID, w.After, w.Until, w.After, w.Until,
		appID, userID, w.tombAfter(), w.Until)
	return collect(rows, err, func(g *SyncGroup) []any {
		return []any{&g.GroupID, &g.Name, &g.PortraitURI, &g.OwnerID, &g.Deleted, &g.Stamp}
	})
}

// SyncMember is one membership change in a group the user is in: a member
// joined, changed role or profile, or (Deleted) left.
type SyncMember struct {
	GroupID     int64
	MemberID    int64
	Owner       bool
	Nickname    string
	PortraitURI string
	Deleted     bool
	Stamp       int64
}

// SyncGroupMembers reads the membership changes of the groups the user is
// in now. A group the user joined in the window reports all its members.
func (q *Q) SyncGroupMembers(ctx context.Context, appID, userID int64, w SyncWindow) ([]SyncMember, error) {
	rows, err := q.query(ctx, `SELECT m.group_id, m.user_id, COALESCE(g.owner_id, 0) = m.user_id,
		COALESCE(u.nickname, ''), COALESCE(u.avatar, ''), FALSE,
		CASE WHEN u.sync_at > m.sync_at AND u.sync_at <= ? THEN u.sync_at ELSE m.sync_at END
		FROM group_members mine JOIN group_members m ON m.group_id = mine.group_id
		JOIN chat_groups g ON g.id = m.group_id JOIN users u ON u.id = m.user_id
		WHERE mine.app_id = ? AND mine.user_id = ? AND m.app_id = ? AND g.app_id = ?
		AND ((m.sync_at > ? AND m.sync_at <= ?) OR (u.sync_at > ? AND u.sync_at <= ?)
		     OR (mine.sync_at > ? AND mine.sync_at <= ?))
		UNION ALL SELECT t.owner_id, t.target_id, FALSE, '', '', TRUE, t.deleted_at
		FROM sync_tombstones t JOIN group_members mine ON mine.group_id = t.owner_id
		WHERE t.app_id = ? AND t.kind = 'member' AND mine.app_id = ? AND mine.user_id = ?
		AND t.deleted_at > ? AND t.deleted_at <= ?
		ORDER BY 7, 1, 2`, w.Until, appID, userID, appID, appID, w.After, w.Until, w.After, w.Until, w.After, w.Until,
		appID, appID, userID, w.tombAfter(), w.Until)
	return collect(rows, err, func(m *SyncMember) []any {
		return []any{&m.GroupID, &m.MemberID, &m.Owner, &m.Nickname, &m.PortraitURI, &m.Deleted, &m.Stamp}
	})
}
