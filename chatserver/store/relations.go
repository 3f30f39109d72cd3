package store

import (
	"context"
	"slices"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// userPairs are tables keyed by (user_id, target) that hold a per-user set
// of users or groups: friends, blacklist, no-disturb, group shields.
type userPairs struct {
	table  string
	target string // the column naming the other side
	// tomb, when set, is the sync tombstone kind: the table's rows carry a
	// sync_at version and removals leave tombstones (store/sync.go).
	tomb string
}

var (
	friendPairs         = userPairs{"friends", "friend_id", tombFriend}
	blacklistPairs      = userPairs{"blacklist", "target_id", tombBlacklist}
	noDisturbUserPairs  = userPairs{"nodisturb_users", "target_id", ""}
	noDisturbGroupPairs = userPairs{"nodisturb_groups", "group_id", ""}
	groupShieldPairs    = userPairs{"group_shields", "group_id", ""}
)

// existing returns which of targets are already paired with userID.
func (p userPairs) existing(ctx context.Context, q *Q, appID, userID int64, targets []int64) (map[int64]bool, error) {
	if len(targets) == 0 {
		return map[int64]bool{}, nil
	}
	return q.idSet(ctx, "SELECT "+p.target+" FROM "+p.table+" WHERE app_id = ? AND user_id = ? AND "+
		p.target+" IN ("+placeholders(len(targets))+")", append([]any{appID, userID}, int64Args(targets)...)...)
}

// add pairs userID with each target; pairs that exist are left as they are.
// Rows are inserted in target order, so two adds for one user that name
// the same targets in another order wait on each other's keys in one
// direction only, never in a cycle (the untracked tables take no clock
// that would serialise them).
func (p userPairs) add(ctx context.Context, q *Q, appID, userID int64, targets []int64, now time.Time) error {
	if len(targets) == 0 {
		return nil
	}
	targets = slices.Sorted(slices.Values(targets))
	if p.tomb != "" {
		return p.addTracked(ctx, q, appID, userID, targets, now)
	}
	for _, t := range targets {
		if _, err := q.exec(ctx, "INSERT INTO "+p.table+" (app_id, user_id, "+p.target+", created_at) VALUES (?, ?, ?, ?) "+
			"ON CONFLICT (user_id, "+p.target+") DO NOTHING", appID, userID, t, now.UnixMilli()); err != nil {
			return err
		}
	}
	return nil
}

// addTracked is add for a table sync reports: new pairs get a version and
// lose their tombstone.
func (p userPairs) addTracked(ctx context.Context, q *Q, appID, userID int64, targets []int64, now time.Time) error {
	stamp, err := q.syncStamp(ctx, appID)
	if err != nil {
		return err
	}
	for _, t := range targets {
		res, err := q.exec(ctx, "INSERT INTO "+p.table+" (app_id, user_id, "+p.target+", created_at, sync_at) VALUES (?, ?, ?, ?, ?) "+
			"ON CONFLICT (user_id, "+p.target+") DO NOTHING", appID, userID, t, now.UnixMilli(), stamp)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			continue // already paired: nothing changed
		}
		if err := q.clearTombstone(ctx, p.tomb, userID, t); err != nil {
			return err
		}
	}
	return nil
}

// remove unpairs userID from each target.
func (p userPairs) remove(ctx context.Context, q *Q, appID, userID int64, targets []int64) error {
	if len(targets) == 0 {
		return nil
	}
	if p.tomb != "" {
		stamp, err := q.syncStamp(ctx, appID)
		if err != nil {
			return err
		}
		if err := q.tombstoneSelect(ctx, p.tomb, stamp, "SELECT app_id, user_id AS owner_id, "+p.target+" AS target_id FROM "+
			p.table+" WHERE app_id = ? AND user_id = ? AND "+p.target+" IN ("+placeholders(len(targets))+")",
			append([]any{appID, userID}, int64Args(targets)...)...); err != nil {
			return err
		}
	}
	_, err := q.exec(ctx, "DELETE FROM "+p.table+" WHERE app_id = ? AND user_id = ? AND "+p.target+" IN ("+
		placeholders(len(targets))+")", append([]any{appID, userID}, int64Args(targets)...)...)
	return err
}

// users lists the users paired with userID, with each one's app key.
func (p userPairs) users(ctx context.Context, q *Q, appID, userID int64) ([]model.User, error) {
	rows, err := q.query(ctx, "SELECT "+userColumnsAs("u")+", a.app_key FROM "+p.table+" x "+
		"JOIN users u ON u.id = x."+p.target+" JOIN apps a ON a.id = u.app_id "+
		"WHERE x.app_id = ? AND x.user_id = ? ORDER BY x.created_at, u.id", appID, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.User
	for rows.Next() {
		var s userScan
		var key string
		if err := rows.Scan(s.targets(&key)...); err != nil {
			return nil, err
		}
		u := s.user()
		u.AppKey = key
		out = append(out, u)
	}
	return out, rows.Err()
}

// Blacklist operations.

func (q *Q) BlacklistAdd(ctx context.Context, appID, userID int64, targets []int64, now time.Time) error {
	return blacklistPairs.add(ctx, q, appID, userID, targets, now)
}

func (q *Q) BlacklistRemove(ctx context.Context, appID, userID int64, targets []int64) error {
	return blacklistPairs.remove(ctx, q, appID, userID, targets)
}

func (q *Q) Blacklist(ctx context.Context, appID, userID int64) ([]model.User, error) {
	return blacklistPairs.users(ctx, q, appID, userID)
}

// No-disturb operations.

func (q *Q) NoDisturbUsersAdd(ctx context.Context, appID, userID int64, targets []int64, now time.Time) error {
	return noDisturbUserPairs.add(ctx, q, appID, userID, targets, now)
}

func (q *Q) NoDisturbUsersRemove(ctx context.Context, appID, userID int64, targets []int64) error {
	return noDisturbUserPairs.remove(ctx, q, appID, userID, targets)
}

func (q *Q) NoDisturbUsers(ctx context.Context, appID, userID int64) ([]model.User, error) {
	return noDisturbUserPairs.users(ctx, q, appID, userID)
}

func (q *Q) NoDisturbGroupsExisting(ctx context.Context, appID, userID int64, gids []int64) (map[int64]bool, error) {
	return noDisturbGroupPairs.existing(ctx, q, appID, userID, gids)
}

func (q *Q) NoDisturbGroupsAdd(ctx context.Context, appID, userID int64, gids []int64, now time.Time) error {
	return noDisturbGroupPairs.add(ctx, q, appID, userID, gids, now)
}

func (q *Q) NoDisturbGroupsRemove(ctx context.Context, appID, userID int64, gids []int64) error {
	return noDisturbGroupPairs.remove(ctx, q, appID, userID, gids)
}

func (q *Q) GroupShieldsExisting(ctx context.Context, appID, userID int64, gids []int64) (map[int64]bool, error) {
	return groupShieldPairs.existing(ctx, q, appID, userID, gids)
}

func (q *Q) GroupShieldsAdd(ctx context.Context, appID, userID int64, gids []int64, now time.Time) error {
	return groupShieldPairs.add(ctx, q, appID, userID, gids, now)
}

func (q *Q) GroupShieldsRemove(ctx context.Context, appID, userID int64, gids []int64) error {
	return groupShieldPairs.remove(ctx, q, appID, userID, gids)
}
