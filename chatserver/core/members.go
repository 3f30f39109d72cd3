package core

import (
	"context"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// MembersChange adds and removes members of a group or chatroom in one
// step.
type MembersChange struct {
	Add, Remove []string
	// AppKey names the app of the users, for cross-app calls; "" is the
	// caller's app.
	AppKey string
}

// checkChanges validates membership changes before anything is read: at
// least one, each adding or removing someone. It returns how many
// usernames they name in all.
func checkChanges(changes []MembersChange) (int, error) {
	if len(changes) == 0 {
		return 0, invalidf("no user to add or remove")
	}
	n := 0
	for _, c := range changes {
		if len(c.Add) == 0 && len(c.Remove) == 0 {
			return 0, invalidf("no user to add or remove")
		}
		n += len(c.Add) + len(c.Remove)
	}
	return n, nil
}

// membersIn resolves the users changes add and remove, each in the app its
// change names, each user once. A user both added and removed is invalid.
func (s *Service) membersIn(ctx context.Context, q *store.Q, app model.App, changes []MembersChange) (added, removed []model.User, err error) {
	adds := make([]AppUsers, len(changes))
	removes := make([]AppUsers, len(changes))
	for i, c := range changes {
		adds[i] = AppUsers{AppKey: c.AppKey, Names: c.Add}
		removes[i] = AppUsers{AppKey: c.AppKey, Names: c.Remove}
	}
	if added, err = s.appUsersIn(ctx, q, app, adds); err != nil {
		return nil, nil, err
	}
	if removed, err = s.appUsersIn(ctx, q, app, removes); err != nil {
		return nil, nil, err
	}
	added, removed = uniqueUsers(added), uniqueUsers(removed)
	if overlap(ids(added), ids(removed)) {
		return nil, nil, invalidf("the same user is both added and removed")
	}
	return added, removed, nil
}
