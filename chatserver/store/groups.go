package store

import (
	"context"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// InsertGroup creates a group row and returns its id.
func (q *Q) InsertGroup(ctx context.Context, g model.Group) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `INSERT INTO chat_groups (app_id, owner_id, name, description, avatar, flag, max_members,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		g.AppID, g.OwnerID, g.Name, g.Description, g.Avatar, g.Flag, g.MaxMembers,
		g.Created.UnixMilli(), g.Modified.UnixMilli()).Scan(&id)
	return id, err
}

// AddGroupMember puts a user into a group.
func (q *Q) AddGroupMember(ctx context.Context, appID, groupID, userID int64, now time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO group_members (app_id, group_id, user_id, joined_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (group_id, user_id) DO NOTHING`, appID, groupID, userID, now.UnixMilli())
	return err
}

// GroupsExisting returns which of gids are groups of the app.
func (q *Q) GroupsExisting(ctx context.Context, appID int64, gids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(gids))
	if len(gids) == 0 {
		return out, nil
	}
	rows, err := q.query(ctx, "SELECT id FROM chat_groups WHERE app_id = ? AND id IN ("+placeholders(len(gids))+")",
		append([]any{appID}, int64Args(gids)...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

// NoDisturbGroupIDs lists the groups a user silenced.
func (q *Q) NoDisturbGroupIDs(ctx context.Context, appID, userID int64) ([]int64, error) {
	rows, err := q.query(ctx, "SELECT group_id FROM nodisturb_groups WHERE app_id = ? AND user_id = ? ORDER BY group_id", appID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
