package core

import (
	"context"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// GroupWithSize is a group and how many members it has.
type GroupWithSize = store.GroupWithSize

// MemberGroups is a page of the groups a user belongs to, with their sizes,
// and how many there are in all.
type MemberGroups struct {
	Groups []GroupWithSize
	Total  int
}

// GroupsOfMember pages through the app's groups username is a member of,
// oldest first. limit < 0 lists them all (offset must then be 0); a page
// is at most MaxGroupPage groups.
func (s *Service) GroupsOfMember(ctx context.Context, app model.App, username string, limit, offset int) (MemberGroups, error) {
	switch {
	case offset < 0:
		return MemberGroups{}, invalidf("offset must not be negative")
	case limit > MaxGroupPage:
		return MemberGroups{}, invalidf("limit must be at most %d", MaxGroupPage)
	case limit < 0 && offset > 0:
		return MemberGroups{}, invalidf("offset needs a limit")
	}
	return readOwned(ctx, s, app, username, "groups", func(q *store.Q, owner model.User) (MemberGroups, error) {
		gs, total, err := q.MemberGroups(ctx, app.ID, owner.ID, limit, offset)
		return MemberGroups{Groups: gs, Total: total}, err
	})
}
