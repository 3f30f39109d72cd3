package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// MaxChatroomPage is the largest page of a chatroom listing and of a
// chatroom member listing.
const MaxChatroomPage = 500

// MaxChatroomBatch caps the room ids of one details request.
const MaxChatroomBatch = 500

// NewChatroom is a chatroom to create.
type NewChatroom struct {
	Owner       string
	Name        *string
	Description string
	Members     []string
}

// CreateChatroom creates a room owned by Owner with the listed members.
// The owner is a member, and counts against the room's capacity, which is
// the app's chatroomMembers limit at creation.
func (s *Service) CreateChatroom(ctx context.Context, app model.App, in NewChatroom) (int64, error) {
	if in.Owner == "" {
		return 0, invalidf("owner_username is required")
	}
	if in.Name == nil || *in.Name == "" {
		return 0, invalidf("name is required")
	}
	if err := checkChatroomFields(*in.Name, in.Description); err != nil {
		return 0, err
	}
	if err := checkMembersPerCall(app, len(in.Members)); err != nil {
		return 0, err
	}
	var id int64
	err := s.store.Write(ctx, func(q *store.Q) error {
		owner, err := s.userIn(ctx, q, app, in.Owner)
		if err != nil {
			return err
		}
		members, err := s.usersIn(ctx, q, app, dedupe(in.Members))
		if err != nil {
			return err
		}
		all := dedupe(append([]int64{owner.ID}, ids(members)...))
		if max := app.Limits.ChatroomMembers; len(all) > max {
			return fmt.Errorf("%w: %d members requested, the limit is %d", ErrChatroomFull, len(all), max)
		}
		now := s.clock()
		id, err = q.InsertChatroom(ctx, model.Chatroom{AppID: app.ID, OwnerID: owner.ID, Name: *in.Name,
			Description: in.Description, MaxMembers: app.Limits.ChatroomMembers, Created: now, Modified: now})
		if err != nil {
			return fmt.Errorf("inserting chatroom: %w", err)
		}
		return q.AddChatroomMembers(ctx, app.ID, id, all, now)
	})
	if err != nil {
		return 0, err
	}
	return id, nil
}

func checkChatroomFields(name, description string) error {
	if err := checkLine("name", name, lineMax); err != nil {
		return err
	}
	return checkText("description", description, textMax)
}

func checkMembersPerCall(app model.App, n int) error {
	if max := app.Limits.ChatroomMembersPerCall; n > max {
		return invalidf("at most %d usernames per call, got %d", max, n)
	}
	return nil
}

// chatroomIn loads a room of the app through q.
func (s *Service) chatroomIn(ctx context.Context, q *store.Q, app model.App, roomID int64) (model.Chatroom, error) {
	r, err := q.ChatroomByID(ctx, app.ID, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return r, fmt.Errorf("%w: %d", ErrChatroomNotFound, roomID)
	}
	if err != nil {
		return r, fmt.Errorf("reading chatroom %d: %w", roomID, err)
	}
	return r, nil
}

// lockedChatroomIn locks a room of the app for the rest of the
// transaction, then loads it: membership changes check capacity against
// a count no concurrent writer can change.
func (s *Service) lockedChatroomIn(ctx context.Context, q *store.Q, app model.App, roomID int64) (model.Chatroom, error) {
	if err := q.LockChatroom(ctx, app.ID, roomID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return model.Chatroom{}, fmt.Errorf("locking chatroom %d: %w", roomID, err)
	}
	return s.chatroomIn(ctx, q, app, roomID)
}

// Chatrooms returns the app's rooms among ids, in the order asked; ids
// that are not the app's rooms are skipped.
func (s *Service) Chatrooms(ctx context.Context, app model.App, roomIDs []int64) ([]model.Chatroom, error) {
	if len(roomIDs) == 0 {
		return nil, invalidf("the room id array is empty")
	}
	if len(roomIDs) > MaxChatroomBatch {
		return nil, invalidf("at most %d room ids per call, got %d", MaxChatroomBatch, len(roomIDs))
	}
	for _, id := range roomIDs {
		if id <= 0 {
			return nil, invalidf("room id %d is not valid", id)
		}
	}
	roomIDs = dedupe(roomIDs)
	found, err := s.store.Read().ChatroomsByID(ctx, app.ID, roomIDs)
	if err != nil {
		return nil, fmt.Errorf("reading chatrooms: %w", err)
	}
	byID := make(map[int64]model.Chatroom, len(found))
	for _, r := range found {
		byID[r.ID] = r
	}
	out := make([]model.Chatroom, 0, len(found))
	for _, id := range roomIDs {
		if r, ok := byID[id]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// UserChatrooms lists the app's rooms a user is a member of.
func (s *Service) UserChatrooms(ctx context.Context, app model.App, username string) ([]model.Chatroom, error) {
	return readOwned(ctx, s, app, username, "chatrooms", func(q *store.Q, u model.User) ([]model.Chatroom, error) {
		return q.ChatroomsOfUser(ctx, app.ID, u.ID)
	})
}

// ListChatrooms pages through the app's rooms.
func (s *Service) ListChatrooms(ctx context.Context, app model.App, p Page) ([]model.Chatroom, int, error) {
	return listPage(p, MaxChatroomPage, "chatrooms", app, func() ([]model.Chatroom, int, error) {
		return s.store.Read().ListChatrooms(ctx, app.ID, p.Start, p.Count)
	})
}

// ChatroomPatch changes the given fields of a room; nil leaves a field
// as it is.
type ChatroomPatch struct {
	Owner, Name, Description *string
}

// UpdateChatroom applies a patch to a room. A new owner must be a user of
// the app; they join the room if they are not in it, which needs a free
// place.
func (s *Service) UpdateChatroom(ctx context.Context, app model.App, roomID int64, p ChatroomPatch) error {
	if p.Name != nil && *p.Name == "" {
		return invalidf("name must not be empty")
	}
	return s.store.Write(ctx, func(q *store.Q) error {
		r, err := s.lockedChatroomIn(ctx, q, app, roomID)
		if err != nil {
			return err
		}
		patch(map[*string]*string{&r.Name: p.Name, &r.Description: p.Description})
		if err := checkChatroomFields(r.Name, r.Description); err != nil {
			return err
		}
		if p.Owner != nil {
			owner, err := s.userIn(ctx, q, app, *p.Owner)
			if err != nil {
				return err
			}
			if err := s.joinChatroom(ctx, q, r, []int64{owner.ID}); err != nil {
				return err
			}
			r.OwnerID = owner.ID
		}
		return q.UpdateChatroom(ctx, r, s.clock())
	})
}

// DeleteChatroom removes a room and its memberships.
func (s *Service) DeleteChatroom(ctx context.Context, app model.App, roomID int64) error {
	return s.store.Write(ctx, func(q *store.Q) error {
		existed, err := q.DeleteChatroom(ctx, app.ID, roomID)
		if err != nil {
			return fmt.Errorf("deleting chatroom %d: %w", roomID, err)
		}
		if !existed {
			return fmt.Errorf("%w: %d", ErrChatroomNotFound, roomID)
		}
		return nil
	})
}

// SetChatroomMuted mutes (true) or unmutes a member of a room: a muted
// member stays in the room but cannot send to it.
func (s *Service) SetChatroomMuted(ctx context.Context, app model.App, roomID int64, username string, muted bool) error {
	return s.store.Write(ctx, func(q *store.Q) error {
		r, err := s.chatroomIn(ctx, q, app, roomID)
		if err != nil {
			return err
		}
		u, err := s.userIn(ctx, q, app, username)
		if err != nil {
			return err
		}
		in, err := q.ChatroomMembersExisting(ctx, app.ID, r.ID, []int64{u.ID})
		if err != nil {
			return err
		}
		if !in[u.ID] {
			return fmt.Errorf("%w: %s in chatroom %d", ErrNotChatroomMember, username, r.ID)
		}
		return q.SetChatroomMuted(ctx, app.ID, r.ID, u.ID, muted)
	})
}

// ChatroomMembers pages through a room's members in joining order.
func (s *Service) ChatroomMembers(ctx context.Context, app model.App, roomID int64, p Page) ([]model.ChatroomMember, int, error) {
	if err := p.check(MaxChatroomPage); err != nil {
		return nil, 0, err
	}
	q := s.store.Read()
	if _, err := s.chatroomIn(ctx, q, app, roomID); err != nil {
		return nil, 0, err
	}
	ms, total, err := q.ChatroomMembers(ctx, app.ID, roomID, p.Start, p.Count)
	if err != nil {
		return nil, 0, fmt.Errorf("reading members of chatroom %d: %w", roomID, err)
	}
	return ms, total, nil
}

// EditChatroomMembers applies membership changes to a room atomically, as
// one: every user must exist in the app its change names (another app
// needs mutual consent), and the changes name at most the app's
// chatroomMembersPerCall users. Removals skip users not in the room, and
// the owner cannot be removed; joins skip users already in it, and the
// others must fit in the room's free places, or nobody joins (899012).
func (s *Service) EditChatroomMembers(ctx context.Context, app model.App, roomID int64, changes ...MembersChange) error {
	n, err := checkChanges(changes)
	if err != nil {
		return err
	}
	if err := checkMembersPerCall(app, n); err != nil {
		return err
	}
	return s.store.Write(ctx, func(q *store.Q) error {
		r, err := s.lockedChatroomIn(ctx, q, app, roomID)
		if err != nil {
			return err
		}
		added, removed, err := s.membersIn(ctx, q, app, changes)
		if err != nil {
			return err
		}
		for _, u := range removed {
			if u.ID == r.OwnerID {
				return invalidf("%s owns chatroom %d: change the owner before removing them", u.Username, r.ID)
			}
		}
		if err := q.RemoveChatroomMembers(ctx, app.ID, r.ID, ids(removed)); err != nil {
			return err
		}
		return s.joinChatroom(ctx, q, r, ids(added))
	})
}

// joinChatroom adds the users of userIDs who are not yet members, if they
// fit. The caller holds the room's lock.
func (s *Service) joinChatroom(ctx context.Context, q *store.Q, r model.Chatroom, userIDs []int64) error {
	in, err := q.ChatroomMembersExisting(ctx, r.AppID, r.ID, userIDs)
	if err != nil {
		return err
	}
	joining := make([]int64, 0, len(userIDs))
	for _, id := range userIDs {
		if !in[id] {
			joining = append(joining, id)
		}
	}
	if len(joining) == 0 {
		return nil
	}
	size, err := q.CountChatroomMembers(ctx, r.AppID, r.ID)
	if err != nil {
		return err
	}
	if size+len(joining) > r.MaxMembers {
		return fmt.Errorf("%w: chatroom %d has %d of %d members, %d more cannot join",
			ErrChatroomFull, r.ID, size, r.MaxMembers, len(joining))
	}
	return q.AddChatroomMembers(ctx, r.AppID, r.ID, joining, s.clock())
}

// ChatroomMembership reports whether userID is a member of the app's room
// roomID and whether they are muted. ErrChatroomNotFound: the room is not
// the app's.
func (s *Service) ChatroomMembership(ctx context.Context, app model.App, roomID, userID int64) (member bool, muted bool, err error) {
	member, muted, err = s.store.Read().ChatroomMembership(ctx, app.ID, roomID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return false, false, fmt.Errorf("%w: %d", ErrChatroomNotFound, roomID)
	}
	if err != nil {
		return false, false, fmt.Errorf("reading membership in chatroom %d: %w", roomID, err)
	}
	return member, muted, nil
}

// ChatroomRecipients returns the user ids of every member of the app's
// room roomID, muted ones included. ErrChatroomNotFound: the room is not
// the app's.
func (s *Service) ChatroomRecipients(ctx context.Context, app model.App, roomID int64) ([]int64, error) {
	out, err := s.store.Read().ChatroomMemberIDs(ctx, app.ID, roomID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %d", ErrChatroomNotFound, roomID)
	}
	if err != nil {
		return nil, fmt.Errorf("reading members of chatroom %d: %w", roomID, err)
	}
	return out, nil
}
