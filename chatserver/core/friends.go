package core

import (
	"context"
	"fmt"
	"strings"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// Friendship is mutual: adding makes both users friends of each other and
// deleting ends it for both. Notes are per side. A friend may be a user of
// another app when both apps consent; each side's row carries its own app.

// AddFriends befriends username with each named user.
func (s *Service) AddFriends(ctx context.Context, app model.App, username string, targets []AppUsers) error {
	return s.editTargets(ctx, app, username, targets, app.Limits.FriendsPerCall, func(q *store.Q, owner model.User, friends []model.User) error {
		friends = uniqueUsers(friends)
		existing, err := q.FriendsExisting(ctx, app.ID, owner.ID, ids(friends))
		if err != nil {
			return err
		}
		now := s.clock()
		for _, f := range friends {
			if existing[f.ID] {
				return fmt.Errorf("%w: %s and %s", ErrAlreadyFriends, username, f.Username)
			}
			if err := q.FriendAdd(ctx, app.ID, owner.ID, f.ID, now); err != nil {
				return err
			}
			if err := q.FriendAdd(ctx, f.AppID, f.ID, owner.ID, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// RemoveFriends ends username's friendship with each named user; names
// that are not friends are skipped.
func (s *Service) RemoveFriends(ctx context.Context, app model.App, username string, targets []AppUsers) error {
	return s.editTargets(ctx, app, username, targets, app.Limits.FriendsPerCall, func(q *store.Q, owner model.User, friends []model.User) error {
		for _, f := range friends {
			if err := q.FriendRemove(ctx, app.ID, owner.ID, f.ID); err != nil {
				return err
			}
			if err := q.FriendRemove(ctx, f.AppID, f.ID, owner.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

// FriendNote is an update of username's notes on one friend; nil fields
// keep their value.
type FriendNote struct {
	Username string
	// AppKey names the friend's app, for cross-app calls; "" is the
	// caller's app.
	AppKey   string
	NoteName *string
	Others   *string
}

// UpdateFriendNotes stores username's notes on friends.
func (s *Service) UpdateFriendNotes(ctx context.Context, app model.App, username string, notes []FriendNote) error {
	if len(notes) == 0 {
		return invalidf("the note array is empty")
	}
	if max := app.Limits.FriendsPerCall; len(notes) > max {
		return invalidf("at most %d friends per call, got %d", max, len(notes))
	}
	var friends []AppUsers // one set per run of notes on the same app, in order
	for _, n := range notes {
		if n.NoteName != nil {
			if err := checkLine("note_name", *n.NoteName, lineMax); err != nil {
				return err
			}
		}
		if n.Others != nil {
			if err := checkText("others", *n.Others, textMax); err != nil {
				return err
			}
		}
		if last := len(friends) - 1; last >= 0 && strings.EqualFold(friends[last].AppKey, n.AppKey) {
			friends[last].Names = append(friends[last].Names, n.Username)
		} else {
			friends = append(friends, AppUsers{AppKey: n.AppKey, Names: []string{n.Username}})
		}
	}
	return s.editTargets(ctx, app, username, friends, app.Limits.FriendsPerCall, func(q *store.Q, owner model.User, friends []model.User) error {
		for i, n := range notes { // friends[i] is the user notes[i] names
			found, err := q.FriendSetNotes(ctx, app.ID, owner.ID, friends[i].ID, n.NoteName, n.Others)
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("%w: %s and %s", ErrNotFriends, username, n.Username)
			}
		}
		return nil
	})
}

// Friends lists username's friends with username's notes on them.
func (s *Service) Friends(ctx context.Context, app model.App, username string) ([]model.Friend, error) {
	return readOwned(ctx, s, app, username, "friends", func(q *store.Q, owner model.User) ([]model.Friend, error) {
		return q.Friends(ctx, app.ID, owner.ID)
	})
}
