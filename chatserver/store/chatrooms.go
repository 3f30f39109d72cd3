package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// chatroomSelect reads rooms with their app key, owner name and member
// count; the owner may be gone (deleted user).
const chatroomSelect = `SELECT r.id, r.app_id, a.app_key, r.owner_id, COALESCE(u.username, ''), r.name, r.description,
	r.max_member_count, (SELECT COUNT(*) FROM chatroom_members m WHERE m.app_id = r.app_id AND m.room_id = r.id),
	r.created_at, r.updated_at
	FROM chatrooms r JOIN apps a ON a.id = r.app_id LEFT JOIN users u ON u.id = r.owner_id `

func (q *Q) scanChatrooms(ctx context.Context, query string, args ...any) ([]model.Chatroom, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Chatroom
	for rows.Next() {
		var r model.Chatroom
		var owner sql.NullInt64
		var created, updated int64
		if err := rows.Scan(&r.ID, &r.AppID, &r.AppKey, &owner, &r.OwnerName, &r.Name, &r.Description,
			&r.MaxMembers, &r.MemberCount, &created, &updated); err != nil {
			return nil, err
		}
		r.OwnerID = owner.Int64
		r.Created, r.Modified = time.UnixMilli(created), time.UnixMilli(updated)
		out = append(out, r)
	}
	return out, rows.Err()
}

// InsertChatroom creates a room row and returns its id.
func (q *Q) InsertChatroom(ctx context.Context, r model.Chatroom) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO chatrooms (app_id, owner_id, name, description, max_member_count, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.AppID, r.OwnerID, r.Name, r.Description, r.MaxMembers, r.Created.UnixMilli(), r.Modified.UnixMilli()).Scan(&id)
	return id, err
}

// ChatroomByID reads one room of the app.
func (q *Q) ChatroomByID(ctx context.Context, appID, roomID int64) (model.Chatroom, error) {
	rs, err := q.scanChatrooms(ctx, chatroomSelect+"WHERE r.app_id = ? AND r.id = ?", appID, roomID)
	if err != nil {
		return model.Chatroom{}, err
	}
	if len(rs) == 0 {
		return model.Chatroom{}, ErrNotFound
	}
	return rs[0], nil
}

// ChatroomsByID reads the app's rooms among ids, in id order; ids that are
// not the app's rooms are simply absent.
func (q *Q) ChatroomsByID(ctx context.Context, appID int64, ids []int64) ([]model.Chatroom, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return q.scanChatrooms(ctx, chatroomSelect+"WHERE r.app_id = ? AND r.id IN ("+placeholders(len(ids))+") ORDER BY r.id",
		append([]any{appID}, int64Args(ids)...)...)
}

// LockChatroom serialises membership changes of one room until the
// transaction ends, so capacity checks hold under concurrency. SQLite
// already runs one writer at a time; on PostgreSQL the room row is locked.
func (q *Q) LockChatroom(ctx context.Context, appID, roomID int64) error {
	if q.kind != Postgres {
		return nil
	}
	var id int64
	err := q.queryRow(ctx, "SELECT id FROM chatrooms WHERE app_id = ? AND id = ? FOR UPDATE", appID, roomID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// UpdateChatroom stores a room's editable fields: owner, name, description.
func (q *Q) UpdateChatroom(ctx context.Context, r model.Chatroom, now time.Time) error {
	_, err := q.exec(ctx, "UPDATE chatrooms SET owner_id = ?, name = ?, description = ?, updated_at = ? WHERE app_id = ? AND id = ?",
		userRef(r.OwnerID), r.Name, r.Description, now.UnixMilli(), r.AppID, r.ID)
	return err
}

// DeleteChatroom removes a room with its members; it reports whether the
// room existed.
func (q *Q) DeleteChatroom(ctx context.Context, appID, roomID int64) (bool, error) {
	res, err := q.exec(ctx, "DELETE FROM chatrooms WHERE app_id = ? AND id = ?", appID, roomID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ListChatrooms pages through the app's rooms, oldest first.
func (q *Q) ListChatrooms(ctx context.Context, appID int64, start, count int) ([]model.Chatroom, int, error) {
	var total int
	if err := q.queryRow(ctx, "SELECT COUNT(*) FROM chatrooms WHERE app_id = ?", appID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rs, err := q.scanChatrooms(ctx, chatroomSelect+"WHERE r.app_id = ? ORDER BY r.id LIMIT ? OFFSET ?", appID, count, start)
	return rs, total, err
}

// ChatroomsOfUser lists the app's rooms a user is a member of.
func (q *Q) ChatroomsOfUser(ctx context.Context, appID, userID int64) ([]model.Chatroom, error) {
	return q.scanChatrooms(ctx, chatroomSelect+"JOIN chatroom_members j ON j.room_id = r.id "+
		"WHERE r.app_id = ? AND j.app_id = ? AND j.user_id = ? ORDER BY r.id", appID, appID, userID)
}

// memberInsertRows bounds one multi-row INSERT, well under both engines'
// limits on bound parameters.
const memberInsertRows = 500

// AddChatroomMembers puts users into a room; users already in it keep
// their join time and mute flag.
func (q *Q) AddChatroomMembers(ctx context.Context, appID, roomID int64, userIDs []int64, now time.Time) error {
	for len(userIDs) > 0 {
		n := min(len(userIDs), memberInsertRows)
		chunk := userIDs[:n]
		userIDs = userIDs[n:]
		args := make([]any, 0, 4*n)
		for _, id := range chunk {
			args = append(args, appID, roomID, id, now.UnixMilli())
		}
		values := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?),", n), ",")
		if _, err := q.exec(ctx, "INSERT INTO chatroom_members (app_id, room_id, user_id, joined_at) VALUES "+values+
			" ON CONFLICT (room_id, user_id) DO NOTHING", args...); err != nil {
			return err
		}
	}
	return nil
}

// RemoveChatroomMembers takes users out of a room; users not in it are
// ignored.
func (q *Q) RemoveChatroomMembers(ctx context.Context, appID, roomID int64, userIDs []int64) error {
	if len(userIDs) == 0 {
		return nil
	}
	_, err := q.exec(ctx, "DELETE FROM chatroom_members WHERE app_id = ? AND room_id = ? AND user_id IN ("+placeholders(len(userIDs))+")",
		append([]any{appID, roomID}, int64Args(userIDs)...)...)
	return err
}

// CountChatroomMembers reports a room's size.
func (q *Q) CountChatroomMembers(ctx context.Context, appID, roomID int64) (int, error) {
	var n int
	err := q.queryRow(ctx, "SELECT COUNT(*) FROM chatroom_members WHERE app_id = ? AND room_id = ?", appID, roomID).Scan(&n)
	return n, err
}

// ChatroomMembersExisting returns which of userIDs are in the room.
func (q *Q) ChatroomMembersExisting(ctx context.Context, appID, roomID int64, userIDs []int64) (map[int64]bool, error) {
	if len(userIDs) == 0 {
		return map[int64]bool{}, nil
	}
	return q.idSet(ctx, "SELECT user_id FROM chatroom_members WHERE app_id = ? AND room_id = ? AND user_id IN ("+
		placeholders(len(userIDs))+")", append([]any{appID, roomID}, int64Args(userIDs)...)...)
}

// SetChatroomMuted mutes or unmutes one member.
func (q *Q) SetChatroomMuted(ctx context.Context, appID, roomID, userID int64, muted bool) error {
	_, err := q.exec(ctx, "UPDATE chatroom_members SET muted = ? WHERE app_id = ? AND room_id = ? AND user_id = ?",
		muted, appID, roomID, userID)
	return err
}

// ChatroomMembers pages through a room's members in joining order, with
// their profiles and app keys.
func (q *Q) ChatroomMembers(ctx context.Context, appID, roomID int64, start, count int) ([]model.ChatroomMember, int, error) {
	total, err := q.CountChatroomMembers(ctx, appID, roomID)
	if err != nil {
		return nil, 0, err
	}
	rows, err := q.query(ctx, "SELECT "+userColumnsAs("u")+", a.app_key, m.muted, m.joined_at FROM chatroom_members m "+
		"JOIN users u ON u.id = m.user_id JOIN apps a ON a.id = u.app_id "+
		"WHERE m.app_id = ? AND m.room_id = ? ORDER BY m.joined_at, m.user_id LIMIT ? OFFSET ?", appID, roomID, count, start)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []model.ChatroomMember
	for rows.Next() {
		var s userScan
		var m model.ChatroomMember
		var joined int64
		if err := rows.Scan(s.targets(&s.u.AppKey, &m.Muted, &joined)...); err != nil {
			return nil, 0, err
		}
		m.User, m.Joined = s.user(), time.UnixMilli(joined)
		out = append(out, m)
	}
	return out, total, rows.Err()
}

// ChatroomMembership reports whether a user is in one of the app's rooms
// and, if so, whether they are muted. ErrNotFound: no such room in the app.
func (q *Q) ChatroomMembership(ctx context.Context, appID, roomID, userID int64) (member, muted bool, err error) {
	var m sql.NullBool
	err = q.queryRow(ctx, `SELECT m.muted FROM chatrooms r
		LEFT JOIN chatroom_members m ON m.app_id = r.app_id AND m.room_id = r.id AND m.user_id = ?
		WHERE r.app_id = ? AND r.id = ?`, userID, appID, roomID).Scan(&m)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, ErrNotFound
	}
	if err != nil {
		return false, false, err
	}
	return m.Valid, m.Bool, nil
}

// ChatroomMemberIDs returns the user ids of every member of one of the
// app's rooms, in one query. ErrNotFound: no such room in the app.
func (q *Q) ChatroomMemberIDs(ctx context.Context, appID, roomID int64) ([]int64, error) {
	rows, err := q.query(ctx, `SELECT m.user_id FROM chatrooms r
		LEFT JOIN chatroom_members m ON m.app_id = r.app_id AND m.room_id = r.id
		WHERE r.app_id = ? AND r.id = ?`, appID, roomID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := false
	out := []int64{}
	for rows.Next() {
		found = true
		var id sql.NullInt64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if id.Valid {
			out = append(out, id.Int64)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !found {
		return nil, ErrNotFound
	}
	return out, nil
}
