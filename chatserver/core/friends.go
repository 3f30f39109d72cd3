package core

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// Friendship is mutual: adding makes both users friends of each other and
// deleting ends it for both. Notes are per side. A friend may be a user of
// another app when both apps consent; each side's row carries its own app.

// AddFriends befriends username with each named user.
// Both users hear of it (friend.added).
func (s *Service) AddFriends(ctx context.Context, app model.App, username string, targets []AppUsers) error {
	var owner model.User
	var added []model.User
	err := s.editTargets(ctx, app, username, targets, app.Limits.FriendsPerCall, func(q *store.Q, o model.User, friends []model.User) error {
		owner = o
		friends = uniqueUsers(friends)
		// Locked before the read: an opposite add of the same pair that
		// committed meanwhile is seen, and answered as already friends.
		if err := q.LockFriendships(ctx, owner, friends); err != nil {
			return err
		}
		existing, err := q.FriendsExisting(ctx, app.ID, owner.ID, ids(friends))
		if err != nil {
			return err
		}
		for _, f := range friends {
			if existing[f.ID] {
				return fmt.Errorf("%w: %s and %s", ErrAlreadyFriends, username, f.Username)
			}
		}
		if err := q.FriendshipsAdd(ctx, owner, friends, s.clock()); err != nil {
			return err
		}
		added = friends
		return nil
	})
	if err != nil {
		return err
	}
	s.publishFriendEvent(ctx, app, EventFriendAdded, owner, added, true)
	return nil
}

// RemoveFriends ends username's friendship with each named user; names
// that are not friends are skipped. Both users of each ended friendship
// hear of it (friend.removed).
func (s *Service) RemoveFriends(ctx context.Context, app model.App, username string, targets []AppUsers) error {
	var owner model.User
	var removed []model.User
	err := s.editTargets(ctx, app, username, targets, app.Limits.FriendsPerCall, func(q *store.Q, o model.User, friends []model.User) error {
		owner, removed = o, nil // a retried run starts over
		friends = uniqueUsers(friends)
		if err := q.LockFriendships(ctx, owner, friends); err != nil {
			return err
		}
		existing, err := q.FriendsExisting(ctx, app.ID, owner.ID, ids(friends))
		if err != nil {
			return err
		}
		if err := q.FriendshipsRemove(ctx, owner, friends); err != nil {
			return err
		}
		for _, f := range friends {
			if existing[f.ID] {
				removed = append(removed, f)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.publishFriendEvent(ctx, app, EventFriendRemoved, owner, removed, true)
	return nil
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
	var owner model.User
	var updated []model.User
	err := s.editTargets(ctx, app, username, friends, app.Limits.FriendsPerCall, func(q *store.Q, o model.User, friends []model.User) error {
		owner, updated = o, uniqueUsers(friends)
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
	if err != nil {
		return err
	}
	// Notes are one side's own: only that user's devices hear of them.
	s.publishFriendEvent(ctx, app, EventFriendUpdated, owner, updated, false)
	return nil
}

// Friends lists username's friends with username's notes on them.
func (s *Service) Friends(ctx context.Context, app model.App, username string) ([]model.Friend, error) {
	return readOwned(ctx, s, app, username, "friends", func(q *store.Q, owner model.User) ([]model.Friend, error) {
		return q.Friends(ctx, app.ID, owner.ID)
	})
}

// FriendRef names a friend in a friend event.
type FriendRef struct {
	Username string `json:"username"`
	AppKey   string `json:"appkey"`
}

// FriendPayload is a friend event: the friends it concerns, as seen by
// the recipient.
type FriendPayload struct {
	Friends []FriendRef `json:"friends"`
}

// publishFriendEvent tells owner's devices of a change to their friendships
// with friends and, when both is set, each friend's devices of the change
// to their friendship with owner. The events are stored in each log.
func (s *Service) publishFriendEvent(ctx context.Context, app model.App, kind EventKind, owner model.User, friends []model.User,
	both bool) {
	if len(friends) == 0 {
		return
	}
	keys := map[int64]string{app.ID: app.Key}
	var others []int64
	for _, f := range friends {
		if _, ok := keys[f.AppID]; !ok {
			others = append(others, f.AppID)
			keys[f.AppID] = ""
		}
	}
	if len(others) > 0 {
		found, err := s.store.Read().AppKeysByID(ctx, others)
		if err != nil {
			slog.ErrorContext(ctx, "Reading app keys for a friend event failed", "kind", kind, "err", err)
		}
		for id, k := range found {
			keys[id] = k
		}
	}
	mine := FriendPayload{Friends: make([]FriendRef, len(friends))}
	for i, f := range friends {
		mine.Friends[i] = FriendRef{Username: f.Username, AppKey: keys[f.AppID]}
	}
	ownerPayload, _ := json.Marshal(mine)
	rs := []Recipient{{UserID: owner.ID, AppID: owner.AppID, Offline: true, Payload: ownerPayload}}
	if both {
		theirs, _ := json.Marshal(FriendPayload{Friends: []FriendRef{{Username: owner.Username, AppKey: app.Key}}})
		for _, f := range friends {
			rs = append(rs, Recipient{UserID: f.ID, AppID: f.AppID, Offline: true, Payload: theirs})
		}
	}
	s.events.Publish(ctx, Event{Kind: kind, AppID: app.ID, AppKey: app.Key, Recipients: rs, At: s.clock()})
}
