package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// groupSelect reads groups with their app key and owner; the owner may be
// gone (deleted user) or belong to another app after a cross-app transfer.
const groupSelect = `SELECT g.id, g.app_id, a.app_key, g.owner_id, COALESCE(u.username, ''), COALESCE(ua.app_key, ''),
	g.name, g.description, g.avatar, g.flag, g.max_members, g.created_at, g.updated_at
	FROM chat_groups g JOIN apps a ON a.id = g.app_id
	LEFT JOIN users u ON u.id = g.owner_id LEFT JOIN apps ua ON ua.id = u.app_id `

func (q *Q) scanGroups(ctx context.Context, query string, args ...any) ([]model.Group, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// scanGroup reads one groupSelect row, then any extra columns into extra.
func scanGroup(rows *sql.Rows, extra ...any) (model.Group, error) {
	var g model.Group
	var owner sql.NullInt64
	var created, updated int64
	if err := rows.Scan(append([]any{&g.ID, &g.AppID, &g.AppKey, &owner, &g.OwnerName, &g.OwnerAppKey, &g.Name, &g.Description,
		&g.Avatar, &g.Flag, &g.MaxMembers, &created, &updated}, extra...)...); err != nil {
		return g, err
	}
	g.OwnerID = owner.Int64
	g.Created, g.Modified = time.UnixMilli(created), time.UnixMilli(updated)
	return g, nil
}

// GroupWithSize is a group and how many members it has.
type GroupWithSize struct {
	model.Group
	Members int
}

// MemberGroups pages through the app's groups userID is a member of, with
// their sizes, oldest first; limit < 0 lists them all. total counts them
// all.
func (q *Q) MemberGroups(ctx context.Context, appID, userID int64, limit, offset int) (groups []GroupWithSize, total int, err error) {
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM group_members m JOIN chat_groups g ON g.id = m.group_id
		WHERE m.app_id = ? AND g.app_id = ? AND m.user_id = ?`, appID, appID, userID).Scan(&total); err != nil {
		return nil, 0, err
	}
	query := strings.Replace(groupSelect, "\n\tFROM chat_groups g", ", (SELECT COUNT(*) FROM group_members c WHERE c.group_id = g.id)\n\tFROM chat_groups g", 1) +
		"JOIN group_members m ON m.group_id = g.id " +
		"WHERE m.app_id = ? AND g.app_id = ? AND m.user_id = ? ORDER BY g.id"
	args := []any{appID, appID, userID}
	if limit >= 0 {
		query += " LIMIT ? OFFSET ?"
		args = append(args, limit, offset)
	} else if offset > 0 {
		return nil, 0, errors.New("an offset needs a limit")
	}
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var size int
		g, err := scanGroup(rows, &size)
		if err != nil {
			return nil, 0, err
		}
		groups = append(groups, GroupWithSize{Group: g, Members: size})
	}
	return groups, total, rows.Err()
}

// InsertGroup creates a group row and returns its id.
func (q *Q) InsertGroup(ctx context.Context, g model.Group) (int64, error) {
	stamp, err := q.syncStamp(ctx, g.AppID)
	if err != nil {
		return 0, err
	}
	var id int64
	err = q.queryRow(ctx, `INSERT INTO chat_groups (app_id, owner_id, name, description, avatar, flag, max_members,
		created_at, updated_at, sync_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		g.AppID, g.OwnerID, g.Name, g.Description, g.Avatar, g.Flag, g.MaxMembers,
		g.Created.UnixMilli(), g.Modified.UnixMilli(), stamp).Scan(&id)
	return id, err
}

// GroupByID reads one group of the app.
func (q *Q) GroupByID(ctx context.Context, appID, gid int64) (model.Group, error) {
	gs, err := q.scanGroups(ctx, groupSelect+"WHERE g.app_id = ? AND g.id = ?", appID, gid)
	if err != nil {
		return model.Group{}, err
	}
	if len(gs) == 0 {
		return model.Group{}, ErrNotFound
	}
	return gs[0], nil
}

// LockGroup serialises membership changes of one group until the
// transaction ends, so capacity checks hold under concurrency. SQLite
// already runs one writer at a time.
func (q *Q) LockGroup(ctx context.Context, appID, gid int64) error {
	if q.kind != Postgres {
		return nil
	}
	var id int64
	err := q.queryRow(ctx, "SELECT id FROM chat_groups WHERE app_id = ? AND id = ? FOR UPDATE", appID, gid).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// UpdateGroup stores a group's editable fields.
func (q *Q) UpdateGroup(ctx context.Context, g model.Group, now time.Time) error {
	stamp, err := q.syncStamp(ctx, g.AppID)
	if err != nil {
		return err
	}
	_, err = q.exec(ctx, "UPDATE chat_groups SET name = ?, description = ?, avatar = ?, updated_at = ?, sync_at = ? WHERE app_id = ? AND id = ?",
		g.Name, g.Description, g.Avatar, now.UnixMilli(), stamp, g.AppID, g.ID)
	return err
}

// SetGroupOwner hands a group to another user. The group and the
// memberships of the old and the new owner change role, for sync.
func (q *Q) SetGroupOwner(ctx context.Context, appID, gid, ownerID int64, now time.Time) error {
	stamp, err := q.syncStamp(ctx, appID)
	if err != nil {
		return err
	}
	if _, err := q.exec(ctx, `UPDATE group_members SET sync_at = ? WHERE app_id = ? AND group_id = ?
		AND (user_id = ? OR user_id = (SELECT owner_id FROM chat_groups WHERE app_id = ? AND id = ?))`,
		stamp, appID, gid, ownerID, appID, gid); err != nil {
		return err
	}
	_, err = q.exec(ctx, "UPDATE chat_groups SET owner_id = ?, updated_at = ?, sync_at = ? WHERE app_id = ? AND id = ?",
		ownerID, now.UnixMilli(), stamp, appID, gid)
	return err
}

// DeleteGroup removes a group with its members and switches; every
// membership leaves a sync tombstone.
func (q *Q) DeleteGroup(ctx context.Context, appID, gid int64) error {
	stamp, err := q.syncStamp(ctx, appID)
	if err != nil {
		return err
	}
	if err := q.tombstoneSelect(ctx, tombMember, stamp, "SELECT app_id, group_id AS owner_id, user_id AS target_id "+
		"FROM group_members WHERE app_id = ? AND group_id = ?", appID, gid); err != nil {
		return err
	}
	_, err = q.exec(ctx, "DELETE FROM chat_groups WHERE app_id = ? AND id = ?", appID, gid)
	return err
}

// ListGroups pages through the app's groups, oldest first.
func (q *Q) ListGroups(ctx context.Context, appID int64, start, count int) ([]model.Group, int, error) {
	var total int
	if err := q.queryRow(ctx, "SELECT COUNT(*) FROM chat_groups WHERE app_id = ?", appID).Scan(&total); err != nil {
		return nil, 0, err
	}
	gs, err := q.scanGroups(ctx, groupSelect+"WHERE g.app_id = ? ORDER BY g.id LIMIT ? OFFSET ?", appID, count, start)
	return gs, total, err
}

// GroupsOfUser lists the groups a user is a member of. With appID 0 it
// lists groups of every app (cross-app membership); otherwise only the
// app's.
func (q *Q) GroupsOfUser(ctx context.Context, appID, userID int64) ([]model.Group, error) {
	if appID == 0 {
		return q.scanGroups(ctx, groupSelect+"JOIN group_members m ON m.group_id = g.id WHERE m.user_id = ? ORDER BY g.id", userID)
	}
	return q.scanGroups(ctx, groupSelect+"JOIN group_members m ON m.group_id = g.id WHERE g.app_id = ? AND m.user_id = ? ORDER BY g.id",
		appID, userID)
}

// AddGroupMember puts a user into a group, with a sync version.
func (q *Q) AddGroupMember(ctx context.Context, appID, groupID, userID int64, now time.Time) error {
	stamp, err := q.syncStamp(ctx, appID)
	if err != nil {
		return err
	}
	res, err := q.exec(ctx, `INSERT INTO group_members (app_id, group_id, user_id, joined_at, sync_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (group_id, user_id) DO NOTHING`, appID, groupID, userID, now.UnixMilli(), stamp)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	return q.clearTombstone(ctx, tombMember, groupID, userID)
}

// RemoveGroupMembers takes users out of a group; each leaves a sync
// tombstone.
func (q *Q) RemoveGroupMembers(ctx context.Context, appID, gid int64, userIDs []int64) error {
	if len(userIDs) == 0 {
		return nil
	}
	stamp, err := q.syncStamp(ctx, appID)
	if err != nil {
		return err
	}
	args := append([]any{appID, gid}, int64Args(userIDs)...)
	if err := q.tombstoneSelect(ctx, tombMember, stamp, "SELECT app_id, group_id AS owner_id, user_id AS target_id "+
		"FROM group_members WHERE app_id = ? AND group_id = ? AND user_id IN ("+placeholders(len(userIDs))+")", args...); err != nil {
		return err
	}
	_, err = q.exec(ctx, "DELETE FROM group_members WHERE app_id = ? AND group_id = ? AND user_id IN ("+placeholders(len(userIDs))+")",
		append([]any{appID, gid}, int64Args(userIDs)...)...)
	return err
}

// CountGroupMembers reports a group's size.
func (q *Q) CountGroupMembers(ctx context.Context, appID, gid int64) (int, error) {
	var n int
	err := q.queryRow(ctx, "SELECT COUNT(*) FROM group_members WHERE app_id = ? AND group_id = ?", appID, gid).Scan(&n)
	return n, err
}

// GroupMembersExisting returns which of userIDs are in the group.
func (q *Q) GroupMembersExisting(ctx context.Context, appID, gid int64, userIDs []int64) (map[int64]bool, error) {
	if len(userIDs) == 0 {
		return map[int64]bool{}, nil
	}
	return q.idSet(ctx, "SELECT user_id FROM group_members WHERE app_id = ? AND group_id = ? AND user_id IN ("+
		placeholders(len(userIDs))+")", append([]any{appID, gid}, int64Args(userIDs)...)...)
}

// SetSilenced mutes or unmutes members of a group.
func (q *Q) SetSilenced(ctx context.Context, appID, gid int64, userIDs []int64, on bool) error {
	if len(userIDs) == 0 {
		return nil
	}
	_, err := q.exec(ctx, "UPDATE group_members SET silenced = ? WHERE app_id = ? AND group_id = ? AND user_id IN ("+
		placeholders(len(userIDs))+")", append([]any{on, appID, gid}, int64Args(userIDs)...)...)
	return err
}

// GroupMembers lists a group's members with their profiles and app keys,
// in joining order.
func (q *Q) GroupMembers(ctx context.Context, appID, gid int64, ownerID int64) ([]model.GroupMember, error) {
	rows, err := q.query(ctx, "SELECT "+userColumnsAs("u")+", a.app_key, m.silenced FROM group_members m "+
		"JOIN users u ON u.id = m.user_id JOIN apps a ON a.id = u.app_id "+
		"WHERE m.app_id = ? AND m.group_id = ? ORDER BY m.joined_at, u.id", appID, gid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.GroupMember
	for rows.Next() {
		var s userScan
		var m model.GroupMember
		if err := rows.Scan(s.targets(&s.u.AppKey, &m.Silenced)...); err != nil {
			return nil, err
		}
		m.User = s.user()
		m.Owner = m.User.ID == ownerID
		out = append(out, m)
	}
	return out, rows.Err()
}

// GroupFanout is one member as message delivery sees them.
type GroupFanout struct {
	UserID, AppID   int64
	Silenced        bool
	Shielded        bool
	NoDisturbGroup  bool
	NoDisturbGlobal bool
}

// GroupFanout returns every member of a group with the switches that
// decide whether and how a group message reaches them, in one query.
func (q *Q) GroupFanout(ctx context.Context, appID, gid int64) ([]GroupFanout, error) {
	rows, err := q.query(ctx, `SELECT m.user_id, u.app_id, m.silenced,
		EXISTS (SELECT 1 FROM group_shields s WHERE s.user_id = m.user_id AND s.group_id = m.group_id),
		EXISTS (SELECT 1 FROM nodisturb_groups n WHERE n.user_id = m.user_id AND n.group_id = m.group_id),
		u.nodisturb_global
		FROM group_members m JOIN users u ON u.id = m.user_id
		WHERE m.app_id = ? AND m.group_id = ?`, appID, gid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []GroupFanout
	for rows.Next() {
		var f GroupFanout
		if err := rows.Scan(&f.UserID, &f.AppID, &f.Silenced, &f.Shielded, &f.NoDisturbGroup, &f.NoDisturbGlobal); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// GroupsExisting returns which of gids are groups of the app.
func (q *Q) GroupsExisting(ctx context.Context, appID int64, gids []int64) (map[int64]bool, error) {
	if len(gids) == 0 {
		return map[int64]bool{}, nil
	}
	return q.idSet(ctx, "SELECT id FROM chat_groups WHERE app_id = ? AND id IN ("+placeholders(len(gids))+")",
		append([]any{appID}, int64Args(gids)...)...)
}

// NoDisturbGroupIDs lists the groups a user silenced.
func (q *Q) NoDisturbGroupIDs(ctx context.Context, appID, userID int64) ([]int64, error) {
	return q.int64s(ctx, "SELECT group_id FROM nodisturb_groups WHERE app_id = ? AND user_id = ? ORDER BY group_id", appID, userID)
}
