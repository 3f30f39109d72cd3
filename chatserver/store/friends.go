package store

import (
	"cmp"
	"context"
	"slices"
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

// FriendshipsAdd records both directions of owner's friendship with each
// of friends, each row in its owner's app; pairs that exist are left as
// they are. Lock order: it takes every app's clock first
// (LockSyncClocks), then writes the friendships in friend id order, the
// row owned by the lower user id first, so an opposite add of the same
// pairs waits behind this one instead of deadlocking with it.
func (q *Q) FriendshipsAdd(ctx context.Context, owner model.User, friends []model.User, now time.Time) error {
	if err := q.LockFriendships(ctx, owner, friends); err != nil {
		return err
	}
	for _, f := range byUserID(friends) {
		for _, side := range friendshipSides(owner, f) {
			if err := friendPairs.add(ctx, q, side[0].AppID, side[0].ID, []int64{side[1].ID}, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// FriendshipsRemove drops both directions of owner's friendship with
// each of friends, in FriendshipsAdd's lock order.
func (q *Q) FriendshipsRemove(ctx context.Context, owner model.User, friends []model.User) error {
	if err := q.LockFriendships(ctx, owner, friends); err != nil {
		return err
	}
	for _, f := range byUserID(friends) {
		for _, side := range friendshipSides(owner, f) {
			if err := friendPairs.remove(ctx, q, side[0].AppID, side[0].ID, []int64{side[1].ID}); err != nil {
				return err
			}
		}
	}
	return nil
}

// LockFriendships takes the clocks FriendshipsAdd and FriendshipsRemove
// stamp for owner's friendships with friends, in their order, until the
// transaction ends. Taken before reading the friendships, it makes the
// read see the last committed change to them: two opposite adds of one
// pair then run one after the other, and the second finds the first's.
func (q *Q) LockFriendships(ctx context.Context, owner model.User, friends []model.User) error {
	apps := []int64{owner.AppID}
	for _, f := range friends {
		apps = append(apps, f.AppID)
	}
	return q.LockSyncClocks(ctx, apps...)
}

// byUserID is users sorted by id.
func byUserID(users []model.User) []model.User {
	return slices.SortedFunc(slices.Values(users), func(a, b model.User) int { return cmp.Compare(a.ID, b.ID) })
}

// friendshipSides is the two rows of a friendship as (owner, friend),
// the lower owner id first.
func friendshipSides(a, b model.User) [2][2]model.User {
	if b.ID < a.ID {
		a, b = b, a
	}
	return [2][2]model.User{{a, b}, {b, a}}
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
