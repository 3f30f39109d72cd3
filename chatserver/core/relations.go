package core

import (
	"context"
	"fmt"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// MaxUsernamesPerCall caps the username arrays of blacklist and no-disturb
// calls, which the seed leaves open; it matches the friends limit.
const MaxUsernamesPerCall = 500

// targets validates the users a user acts on, in the apps the sets name:
// at most max in all, all existing, and not the user themselves. They come
// back in the order named, repeats included.
func (s *Service) targets(ctx context.Context, q *store.Q, app model.App, owner model.User, sets []AppUsers, max int) ([]model.User, error) {
	if n := countNames(sets); n > max {
		return nil, invalidf("at most %d usernames per call, got %d", max, n)
	}
	users, err := s.appUsersIn(ctx, q, app, sets)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if u.ID == owner.ID {
			return nil, invalidf("%s cannot name themselves", u.Username)
		}
	}
	return users, nil
}

// editTargets runs fn in one write transaction with username and the named
// users resolved, for every call that names users (of this app or, with
// consent, of others): any failure writes nothing. fn may run more than
// once (store.Write retries lost races), so it must set what it reports
// afresh on each run.
func (s *Service) editTargets(ctx context.Context, app model.App, username string, sets []AppUsers, max int,
	fn func(q *store.Q, owner model.User, targets []model.User) error) error {
	if countNames(sets) == 0 {
		return invalidf("the username array is empty")
	}
	err := s.store.Write(ctx, func(q *store.Q) error {
		owner, err := s.userIn(ctx, q, app, username)
		if err != nil {
			return err
		}
		targets, err := s.targets(ctx, q, app, owner, sets, max)
		if err != nil {
			return err
		}
		return fn(q, owner, targets)
	})
	// Only users are referred to: a row that vanished was one of them.
	return vanishedAs(err, ErrUserNotFound)
}

// readOwned loads username, then what list returns for them.
func readOwned[T any](ctx context.Context, s *Service, app model.App, username, what string,
	list func(q *store.Q, owner model.User) (T, error)) (T, error) {
	q := s.store.Read()
	var zero T
	owner, err := s.userIn(ctx, q, app, username)
	if err != nil {
		return zero, err
	}
	out, err := list(q, owner)
	if err != nil {
		return zero, fmt.Errorf("reading %s of %s: %w", what, username, err)
	}
	return out, nil
}

func ids(users []model.User) []int64 {
	out := make([]int64, len(users))
	for i, u := range users {
		out[i] = u.ID
	}
	return out
}

// BlacklistAdd puts users, of this app or of consenting apps, on
// username's blacklist.
func (s *Service) BlacklistAdd(ctx context.Context, app model.App, username string, targets []AppUsers) error {
	return s.editBlacklist(ctx, app, username, targets, true)
}

// BlacklistRemove takes users off username's blacklist.
func (s *Service) BlacklistRemove(ctx context.Context, app model.App, username string, targets []AppUsers) error {
	return s.editBlacklist(ctx, app, username, targets, false)
}

func (s *Service) editBlacklist(ctx context.Context, app model.App, username string, sets []AppUsers, add bool) error {
	return s.editTargets(ctx, app, username, sets, MaxUsernamesPerCall, func(q *store.Q, owner model.User, targets []model.User) error {
		if add {
			return q.BlacklistAdd(ctx, app.ID, owner.ID, ids(targets), s.clock())
		}
		return q.BlacklistRemove(ctx, app.ID, owner.ID, ids(targets))
	})
}

// Blacklist lists the users on username's blacklist.
func (s *Service) Blacklist(ctx context.Context, app model.App, username string) ([]model.User, error) {
	return readOwned(ctx, s, app, username, "blacklist", func(q *store.Q, owner model.User) ([]model.User, error) {
		return q.Blacklist(ctx, app.ID, owner.ID)
	})
}

// NoDisturbChange is one no-disturb request; every part is optional.
type NoDisturbChange struct {
	// AppKey names the app of the single users and of the groups, for
	// cross-app calls; "" is the caller's app.
	AppKey                  string
	SingleAdd, SingleRemove []string
	GroupAdd, GroupRemove   []int64
	// Global is 0 (off) or 1 (on) when set.
	Global *int
}

// SetNoDisturb applies no-disturb changes atomically, in order: either
// every part of every change applies or none does.
func (s *Service) SetNoDisturb(ctx context.Context, app model.App, username string, changes []NoDisturbChange) error {
	if len(changes) == 0 {
		return invalidf("no no-disturb change given")
	}
	for _, c := range changes {
		if c.Global != nil && *c.Global != 0 && *c.Global != 1 {
			return invalidf("global must be 0 or 1")
		}
		if overlap(c.SingleAdd, c.SingleRemove) || overlap(c.GroupAdd, c.GroupRemove) {
			return invalidf("the same target is both added and removed")
		}
	}
	return s.store.Write(ctx, func(q *store.Q) error {
		owner, err := s.userIn(ctx, q, app, username)
		if err != nil {
			return err
		}
		for _, c := range changes {
			if err := s.applyNoDisturb(ctx, q, app, owner, c); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Service) applyNoDisturb(ctx context.Context, q *store.Q, app model.App, owner model.User, c NoDisturbChange) error {
	other, err := s.otherApp(ctx, q, app, c.AppKey)
	if err != nil {
		return err
	}
	if err := s.noDisturbSingle(ctx, q, app, owner, c.AppKey, c.SingleAdd, c.SingleRemove); err != nil {
		return err
	}
	if err := s.noDisturbGroups(ctx, q, other, owner, c.GroupAdd, c.GroupRemove); err != nil {
		return err
	}
	if c.Global != nil {
		return q.SetNoDisturbGlobal(ctx, owner.AppID, owner.ID, *c.Global == 1)
	}
	return nil
}

// noDisturbSingle silences (add) or unsilences users of appKey's app for
// owner.
func (s *Service) noDisturbSingle(ctx context.Context, q *store.Q, app model.App, owner model.User, appKey string, add, remove []string) error {
	if len(add) > 0 {
		users, err := s.targets(ctx, q, app, owner, []AppUsers{{AppKey: appKey, Names: add}}, MaxUsernamesPerCall)
		if err != nil {
			return err
		}
		if err := q.NoDisturbUsersAdd(ctx, owner.AppID, owner.ID, ids(users), s.clock()); err != nil {
			return err
		}
	}
	if len(remove) > 0 {
		users, err := s.targets(ctx, q, app, owner, []AppUsers{{AppKey: appKey, Names: remove}}, MaxUsernamesPerCall)
		if err != nil {
			return err
		}
		return q.NoDisturbUsersRemove(ctx, owner.AppID, owner.ID, ids(users))
	}
	return nil
}

// noDisturbGroups switches owner's notifications for groups of the app
// groupsOf: the group must exist, and switching on what is on (or off what
// is off) is an error, as the seed's 899052/899053 say.
func (s *Service) noDisturbGroups(ctx context.Context, q *store.Q, groupsOf model.App, owner model.User, add, remove []int64) error {
	all := dedupe(append(append([]int64{}, add...), remove...))
	if len(all) == 0 {
		return nil
	}
	if len(all) > MaxUsernamesPerCall {
		return invalidf("at most %d groups per call", MaxUsernamesPerCall)
	}
	exists, err := q.GroupsExisting(ctx, groupsOf.ID, all)
	if err != nil {
		return err
	}
	for _, gid := range all {
		if !exists[gid] {
			return fmt.Errorf("%w: %d", ErrSwitchGroupNotFound, gid)
		}
	}
	on, err := q.NoDisturbGroupsExisting(ctx, owner.AppID, owner.ID, all)
	if err != nil {
		return err
	}
	for _, gid := range add {
		if on[gid] {
			return fmt.Errorf("%w: group %d", ErrNoDisturbOn, gid)
		}
	}
	for _, gid := range remove {
		if !on[gid] {
			return fmt.Errorf("%w: group %d", ErrNoDisturbOff, gid)
		}
	}
	if err := q.NoDisturbGroupsAdd(ctx, owner.AppID, owner.ID, dedupe(add), s.clock()); err != nil {
		return err
	}
	return q.NoDisturbGroupsRemove(ctx, owner.AppID, owner.ID, dedupe(remove))
}

// NoDisturbState is a user's no-disturb settings.
type NoDisturbState struct {
	Users  []model.User
	Groups []int64
	Global bool
}

// NoDisturb reads a user's no-disturb settings.
func (s *Service) NoDisturb(ctx context.Context, app model.App, username string) (NoDisturbState, error) {
	q := s.store.Read()
	owner, err := s.userIn(ctx, q, app, username)
	if err != nil {
		return NoDisturbState{}, err
	}
	users, err := q.NoDisturbUsers(ctx, app.ID, owner.ID)
	if err != nil {
		return NoDisturbState{}, fmt.Errorf("reading no-disturb users of %s: %w", username, err)
	}
	groups, err := q.NoDisturbGroupIDs(ctx, app.ID, owner.ID)
	if err != nil {
		return NoDisturbState{}, fmt.Errorf("reading no-disturb groups of %s: %w", username, err)
	}
	return NoDisturbState{Users: users, Groups: groups, Global: owner.NoDisturbGlobal}, nil
}

func overlap[T comparable](a, b []T) bool {
	in := make(map[T]bool, len(a))
	for _, v := range a {
		in[v] = true
	}
	for _, v := range b {
		if in[v] {
			return true
		}
	}
	return false
}
