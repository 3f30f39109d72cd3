package store

import (
	"context"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// FriendsExisting returns which of candidates are already userID's friends.
func (q *Q) FriendsExisting(ctx context.Context, appID, userID int64, candidates []int64) (map[int64]bool, error) {
	return friendPairs.existing(ctx, q, appID, userID, candidates)
}

// FriendAdd records one direction of a friendship; appID is the owner's app.
func (q *Q) FriendAdd(ctx context.Context, appID, userID, friendID int64, now time.Time) error {
	return friendPairs.add(ctx, q, appID, userID, []int64{friendID}, now)
}

// FriendRemove drops one direction of a friendship.
func (q *Q) FriendRemove(ctx context.Context, appID, userID, friendID int64) error {
	return friendPairs.remove(ctx, q, appID, userID, []int64{friendID})
}

// FriendSetNotes stores the owner's notes on a friend; found is false when
// they are not friends.
// A nil note keeps its value.
// The change gets a sync version.
func (q *Q) FriendSetNotes(ctx context.Context, appID, userID, friendID int64, noteName, others *string) (found bool, err error) {
	stamp, err := q.syncStamp(ctx, appID)
	if err != nil {
		return false, err
	}
	res, err := q.exec(ctx, "UPDATE friends SET note_name = COALESCE(?, note_name), others = COALESCE(?, others), sync_at = ? "+
		"WHERE app_id = ? AND user_id = ? AND friend_id = ?",
		nullString(noteName), nullString(others), stamp, appID, userID, friendID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Friends lists userID's friends with the owner's notes on each.
func (q *Q) Friends(ctx context.Context, appID, userID int64) ([]model.Friend, error) {
	rows, err := q.query(ctx, "SELECT "+userColumnsAs("u")+", a.app_key, f.note_name, f.others FROM friends f "+
		"JOIN users u ON u.id = f.friend_id JOIN apps a ON a.id = u.app_id "+
		"WHERE f.app_id = ? AND f.user_id = ? ORDER BY f.created_at, u.id", appID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.Friend
	for rows.Next() {
		var s userScan
		var f model.Friend
		var key string
		if err := rows.Scan(s.targets(&key, &f.NoteName, &f.Others)...); err != nil {
			return nil, err
		}
		f.User = s.user()
		f.User.AppKey = key
		out = append(out, f)
	}
	return out, rows.Err()
}
