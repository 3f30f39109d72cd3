package core

import (
	"context"
	"fmt"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// The sync sections' rows, as the store reads them.
type (
	SyncProfile        = store.SyncProfile
	SyncBlacklistEntry = store.SyncBlacklistEntry
	SyncFriend         = store.SyncFriend
	SyncGroup          = store.SyncGroup
	SyncMember         = store.SyncMember
)

// Changes is what changed for a user since a version: their own profile
// (nil if unchanged), blacklist, friends, groups and the members of their
// groups, each with the version of the change. Version is the new
// high-water mark to ask from next time.
type Changes struct {
	Version      int64
	User         *SyncProfile
	Blacklist    []SyncBlacklistEntry
	Friends      []SyncFriend
	Groups       []SyncGroup
	GroupMembers []SyncMember
}

// ChangesSince reports what changed for username after version (a
// millisecond version handed out earlier; 0 asks for everything, without
// deletions). Versions come from the app's sync clock (store/sync.go): the
// answer covers every change up to the clock's committed value, which is
// the Version it returns, so nothing committed later is skipped next time.
func (s *Service) ChangesSince(ctx context.Context, app model.App, username string, version int64) (Changes, error) {
	if version < 0 {
		return Changes{}, invalidf("version must be a non-negative integer")
	}
	q := s.store.Read()
	owner, err := s.userIn(ctx, q, app, username)
	if err != nil {
		return Changes{}, err
	}
	high, err := q.SyncHighWater(ctx, app.ID)
	if err != nil {
		return Changes{}, fmt.Errorf("reading the sync clock of app %s: %w", app.Key, err)
	}
	if high == 0 {
		err := s.store.Write(ctx, func(q *store.Q) (err error) {
			high, err = q.StartSyncClock(ctx, app.ID)
			return err
		})
		if err != nil {
			return Changes{}, fmt.Errorf("starting the sync clock of app %s: %w", app.Key, err)
		}
	}
	out := Changes{Version: max(high, version)}
	w := store.SyncWindow{After: version, Until: high}
	if version == 0 {
		w.After = -1 // every live row, rows older than tracking included
	}
	if out.User, err = q.SyncUser(ctx, app.ID, owner.ID, w); err != nil {
		return Changes{}, fmt.Errorf("syncing the profile of %s: %w", username, err)
	}
	if out.Blacklist, err = q.SyncBlacklist(ctx, app.ID, owner.ID, w); err != nil {
		return Changes{}, fmt.Errorf("syncing the blacklist of %s: %w", username, err)
	}
	if out.Friends, err = q.SyncFriends(ctx, app.ID, owner.ID, w); err != nil {
		return Changes{}, fmt.Errorf("syncing the friends of %s: %w", username, err)
	}
	if out.Groups, err = q.SyncGroups(ctx, app.ID, owner.ID, w); err != nil {
		return Changes{}, fmt.Errorf("syncing the groups of %s: %w", username, err)
	}
	if out.GroupMembers, err = q.SyncGroupMembers(ctx, app.ID, owner.ID, w); err != nil {
		return Changes{}, fmt.Errorf("syncing the group members of %s: %w", username, err)
	}
	return out, nil
}
