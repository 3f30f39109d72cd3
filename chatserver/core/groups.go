package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// MaxGroupPage is the largest page of a group listing.
const MaxGroupPage = 500

// Group flags.
const (
	GroupPrivate = 1
	GroupPublic  = 2
)

// NewGroup is a group to create.
type NewGroup struct {
	Owner       string
	Name        *string
	Members     []string
	Avatar      string
	Description string
	Flag        int
}

// CreateGroup creates a group owned by Owner with the listed members. The
// owner counts as a member, so the app's group size includes them.
func (s *Service) CreateGroup(ctx context.Context, app model.App, in NewGroup) (model.Group, []string, error) {
	if in.Name == nil || *in.Name == "" {
		return model.Group{}, nil, invalidf("name is required")
	}
	if err := checkGroupFields(*in.Name, in.Description, in.Avatar); err != nil {
		return model.Group{}, nil, err
	}
	switch in.Flag {
	case 0:
		in.Flag = GroupPrivate
	case GroupPrivate, GroupPublic:
	default:
		return model.Group{}, nil, invalidf("flag must be 1 (private) or 2 (public)")
	}
	if in.Owner == "" {
		return model.Group{}, nil, invalidf("owner_username is required")
	}
	var g model.Group
	var names []string
	err := s.store.Write(ctx, func(q *store.Q) error {
		names = nil // a retried run starts over
		owner, err := s.userIn(ctx, q, app, in.Owner)
		if err != nil {
			return err
		}
		members, err := s.usersIn(ctx, q, app, dedupe(in.Members))
		if err != nil {
			return err
		}
		members = slicesWithout(members, owner.ID)
		if 1+len(members) > app.Limits.GroupMembers {
			return fmt.Errorf("%w: %d members requested, the limit is %d", ErrGroupFull, 1+len(members), app.Limits.GroupMembers)
		}
		now := s.clock()
		g = model.Group{AppID: app.ID, AppKey: app.Key, OwnerID: owner.ID, OwnerName: owner.Username, OwnerAppKey: app.Key,
			Name: *in.Name, Description: in.Description, Avatar: in.Avatar, Flag: in.Flag,
			MaxMembers: app.Limits.GroupMembers, Created: now, Modified: now}
		if g.ID, err = q.InsertGroup(ctx, g); err != nil {
			return fmt.Errorf("inserting group: %w", err)
		}
		for _, u := range append([]model.User{owner}, members...) {
			if err := q.AddGroupMember(ctx, app.ID, g.ID, u.ID, now); err != nil {
				return err
			}
			names = append(names, u.Username)
		}
		return nil
	})
	if err != nil {
		return model.Group{}, nil, vanishedAs(err, ErrUserNotFound)
	}
	return g, names[1:], nil
}

func checkGroupFields(name, desc, avatar string) error {
	if err := checkLine("name", name, lineMax); err != nil {
		return err
	}
	if err := checkText("desc", desc, textMax); err != nil {
		return err
	}
	return checkText("avatar", avatar, textMax)
}

func slicesWithout(users []model.User, id int64) []model.User {
	out := users[:0:0]
	for _, u := range users {
		if u.ID != id {
			out = append(out, u)
		}
	}
	return out
}

// groupIn loads a group of the app through q.
func (s *Service) groupIn(ctx context.Context, q *store.Q, app model.App, gid int64) (model.Group, error) {
	g, err := q.GroupByID(ctx, app.ID, gid)
	if errors.Is(err, store.ErrNotFound) {
		return g, fmt.Errorf("%w: %d", ErrGroupNotFound, gid)
	}
	if err != nil {
		return g, fmt.Errorf("reading group %d: %w", gid, err)
	}
	return g, nil
}

// Group returns one group of the app.
func (s *Service) Group(ctx context.Context, app model.App, gid int64) (model.Group, error) {
	return s.groupIn(ctx, s.store.Read(), app, gid)
}

// GroupPatch changes the given fields of a group.
type GroupPatch struct {
	Name, Description, Avatar *string
}

// UpdateGroup applies a patch to a group.
func (s *Service) UpdateGroup(ctx context.Context, app model.App, gid int64, p GroupPatch) error {
	if p.Name != nil && *p.Name == "" {
		return invalidf("name must not be empty")
	}
	return s.store.Write(ctx, func(q *store.Q) error {
		g, err := s.groupIn(ctx, q, app, gid)
		if err != nil {
			return err
		}
		patch(map[*string]*string{&g.Name: p.Name, &g.Description: p.Description, &g.Avatar: p.Avatar})
		if err := checkGroupFields(g.Name, g.Description, g.Avatar); err != nil {
			return err
		}
		return q.UpdateGroup(ctx, g, s.clock())
	})
}

// DeleteGroup dissolves a group; its members are told.
func (s *Service) DeleteGroup(ctx context.Context, app model.App, gid int64) error {
	var g model.Group
	var members []model.GroupMember
	err := s.store.Write(ctx, func(q *store.Q) error {
		// EditGroupMembers' lock order: the clock, then the group's row,
		// then the reads, so no member added meanwhile escapes the delete.
		if err := q.LockSyncClocks(ctx, app.ID); err != nil {
			return err
		}
		if err := q.LockGroup(ctx, app.ID, gid); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		var err error
		if g, err = s.groupIn(ctx, q, app, gid); err != nil {
			return err
		}
		if members, err = q.GroupMembers(ctx, app.ID, gid, g.OwnerID); err != nil {
			return err
		}
		return q.DeleteGroup(ctx, app.ID, gid)
	})
	if err != nil {
		return err
	}
	s.publishGroupEvent(ctx, app, EventGroupDissolved, g, memberUsers(members), nil)
	return nil
}

// EditGroupMembers applies membership changes atomically, as one: every
// user must exist in the app its change names (another app needs mutual
// consent), added users must not be members (899011) and removed ones must
// (899014), and the group must have room (899012). The owner can be
// removed only with every other member; a group left with no members is
// deleted.
func (s *Service) EditGroupMembers(ctx context.Context, app model.App, gid int64, changes ...MembersChange) error {
	if _, err := checkChanges(changes); err != nil {
		return err
	}
	var g model.Group
	var added, removed []model.User
	var after []model.GroupMember
	err := s.store.Write(ctx, func(q *store.Q) error {
		// Lock order (store.LockSyncClocks): the app's clock, which the
		// member rows are stamped from, before the group's row. A group
		// delete takes them in the same order.
		if err := q.LockSyncClocks(ctx, app.ID); err != nil {
			return err
		}
		if err := q.LockGroup(ctx, app.ID, gid); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		var err error
		if g, err = s.groupIn(ctx, q, app, gid); err != nil {
			return err
		}
		if added, removed, err = s.membersIn(ctx, q, app, changes); err != nil {
			return err
		}
		if err := s.checkMembership(ctx, q, g, added, removed); err != nil {
			return err
		}
		now := s.clock()
		for _, u := range added {
			if err := q.AddGroupMember(ctx, app.ID, gid, u.ID, now); err != nil {
				return err
			}
		}
		if err := q.RemoveGroupMembers(ctx, app.ID, gid, ids(removed)); err != nil {
			return err
		}
		if after, err = q.GroupMembers(ctx, app.ID, gid, g.OwnerID); err != nil {
			return err
		}
		if len(after) == 0 {
			return q.DeleteGroup(ctx, app.ID, gid)
		}
		return nil
	})
	if err != nil {
		// The group's row is locked, so only a user can have vanished.
		return vanishedAs(err, ErrUserNotFound)
	}
	if len(added) > 0 {
		s.publishGroupEvent(ctx, app, EventMembersAdded, g, memberUsers(after), usernames(added))
	}
	if len(removed) > 0 {
		s.publishGroupEvent(ctx, app, EventMembersRemoved, g, append(memberUsers(after), removed...), usernames(removed))
	}
	if len(after) == 0 {
		s.publishGroupEvent(ctx, app, EventGroupDissolved, g, removed, nil)
	}
	return nil
}

func (s *Service) checkMembership(ctx context.Context, q *store.Q, g model.Group, added, removed []model.User) error {
	in, err := q.GroupMembersExisting(ctx, g.AppID, g.ID, append(ids(added), ids(removed)...))
	if err != nil {
		return err
	}
	size, err := q.CountGroupMembers(ctx, g.AppID, g.ID)
	if err != nil {
		return err
	}
	after := size - len(removed) + len(added)
	for _, u := range added {
		if in[u.ID] {
			return fmt.Errorf("%w: %s in group %d", ErrAlreadyMember, u.Username, g.ID)
		}
	}
	for _, u := range removed {
		if !in[u.ID] {
			return fmt.Errorf("%w: %s in group %d", ErrNotMember, u.Username, g.ID)
		}
		if u.ID == g.OwnerID && after > 0 {
			return invalidf("%s owns group %d: transfer ownership before removing them", u.Username, g.ID)
		}
	}
	if after > g.MaxMembers {
		return fmt.Errorf("%w: group %d has %d of %d members", ErrGroupFull, g.ID, size, g.MaxMembers)
	}
	return nil
}

// GroupMembers lists a group's members; Owner marks the owner.
func (s *Service) GroupMembers(ctx context.Context, app model.App, gid int64) ([]model.GroupMember, error) {
	q := s.store.Read()
	g, err := s.groupIn(ctx, q, app, gid)
	if err != nil {
		return nil, err
	}
	members, err := q.GroupMembers(ctx, app.ID, gid, g.OwnerID)
	if err != nil {
		return nil, fmt.Errorf("reading members of group %d: %w", gid, err)
	}
	return members, nil
}

// UserGroups lists the groups a user of the app belongs to: the app's own,
// or with acrossApps those of every app, as cross-app membership allows.
func (s *Service) UserGroups(ctx context.Context, app model.App, username string, acrossApps bool) ([]model.Group, error) {
	appID := app.ID
	if acrossApps {
		appID = 0 // every app's
	}
	return readOwned(ctx, s, app, username, "groups", func(q *store.Q, u model.User) ([]model.Group, error) {
		return q.GroupsOfUser(ctx, appID, u.ID)
	})
}

// ListGroups pages through the app's groups.
func (s *Service) ListGroups(ctx context.Context, app model.App, p Page) ([]model.Group, int, error) {
	return listPage(p, MaxGroupPage, "groups", app, func() ([]model.Group, int, error) {
		return s.store.Read().ListGroups(ctx, app.ID, p.Start, p.Count)
	})
}

// SilenceMembers mutes (on) or unmutes members of a group: muted members
// cannot send to it.
func (s *Service) SilenceMembers(ctx context.Context, app model.App, gid int64, names []string, on bool) error {
	if len(names) == 0 {
		return invalidf("the username array is empty")
	}
	return s.store.Write(ctx, func(q *store.Q) error {
		g, err := s.groupIn(ctx, q, app, gid)
		if err != nil {
			return err
		}
		users, err := s.usersIn(ctx, q, app, dedupe(names))
		if err != nil {
			return err
		}
		in, err := q.GroupMembersExisting(ctx, app.ID, gid, ids(users))
		if err != nil {
			return err
		}
		for _, u := range users {
			if !in[u.ID] {
				return fmt.Errorf("%w: %s in group %d", ErrNotMember, u.Username, g.ID)
			}
		}
		return q.SetSilenced(ctx, app.ID, gid, ids(users), on)
	})
}

// TransferOwner hands a group to a member, who may be a user of another
// app (appKey) when both apps consent to cross-app operations.
func (s *Service) TransferOwner(ctx context.Context, app model.App, gid int64, username, appKey string) error {
	if username == "" {
		return invalidf("username is required")
	}
	return s.store.Write(ctx, func(q *store.Q) error {
		g, err := s.groupIn(ctx, q, app, gid)
		if err != nil {
			return err
		}
		users, err := s.otherApp(ctx, q, app, appKey)
		if err != nil {
			return err
		}
		u, err := s.userIn(ctx, q, users, username)
		if err != nil {
			return err
		}
		in, err := q.GroupMembersExisting(ctx, app.ID, gid, []int64{u.ID})
		if err != nil {
			return err
		}
		if !in[u.ID] {
			return fmt.Errorf("%w: %s in group %d", ErrNotMember, username, g.ID)
		}
		return q.SetGroupOwner(ctx, app.ID, gid, u.ID, s.clock())
	})
}

// SetGroupShields shields (add) or unshields (remove) groups for a user:
// a shielded group's messages are not delivered to them.
func (s *Service) SetGroupShields(ctx context.Context, app model.App, username string, add, remove []int64) error {
	if len(add) == 0 && len(remove) == 0 {
		return invalidf("add or remove is required")
	}
	if overlap(add, remove) {
		return invalidf("the same group is both added and removed")
	}
	return s.store.Write(ctx, func(q *store.Q) error {
		owner, err := s.userIn(ctx, q, app, username)
		if err != nil {
			return err
		}
		all := dedupe(append(append([]int64{}, add...), remove...))
		exists, err := q.GroupsExisting(ctx, app.ID, all)
		if err != nil {
			return err
		}
		for _, gid := range all {
			if !exists[gid] {
				return fmt.Errorf("%w: %d", ErrSwitchGroupNotFound, gid)
			}
		}
		if err := q.GroupShieldsAdd(ctx, app.ID, owner.ID, dedupe(add), s.clock()); err != nil {
			return err
		}
		return q.GroupShieldsRemove(ctx, app.ID, owner.ID, dedupe(remove))
	})
}

func memberUsers(ms []model.GroupMember) []model.User {
	out := make([]model.User, len(ms))
	for i, m := range ms {
		out[i] = m.User
	}
	return out
}

func usernames(us []model.User) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Username
	}
	return out
}

// publishGroupEvent tells users about a membership change; these events
// wait for offline users, and always notify.
func (s *Service) publishGroupEvent(ctx context.Context, app model.App, kind EventKind, g model.Group, to []model.User, members []string) {
	rs := make([]Recipient, len(to))
	for i, u := range to {
		rs[i] = Recipient{UserID: u.ID, AppID: u.AppID, Notify: true, Offline: true}
	}
	s.events.Publish(ctx, Event{Kind: kind, AppID: app.ID, AppKey: app.Key, Recipients: rs, Group: &g, Members: members, At: s.clock()})
}
