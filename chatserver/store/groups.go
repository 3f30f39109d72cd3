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
