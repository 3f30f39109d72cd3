package jmessage

import (
	"context"
	"net/http"
	"strings"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

// registerCross adds the cross-app routes (跨应用). The caller acts as its
// own app on users of another, named by the appkey of every element; the
// core checks mutual consent (899043). Each route is its plain twin's core
// call with a body that names apps, and the listings are the plain ones,
// which already carry each user's appkey. The seed writes the chatroom
// path without /v1; it is served there and under /v1.
func (f *Face) registerCross(handle func(string, appHandler)) {
	both := slashBoth(handle)
	handle("POST /v1/cross/groups/{gid}/members", withGroup(onMembersChanges(f.svc.EditGroupMembers)))
	both("GET", "/v1/cross/groups/{gid}/members", withGroup(f.groupMembers))
	both("GET", "/v1/cross/users/{username}/groups", f.crossUserGroups)
	handle("PUT /v1/cross/users/{username}/blacklist", onUser(f.svc.BlacklistAdd, http.StatusNoContent, crossEach[core.AppUsers, crossUsernamesJSON]))
	handle("DELETE /v1/cross/users/{username}/blacklist", onUser(f.svc.BlacklistRemove, http.StatusNoContent, crossEach[core.AppUsers, crossUsernamesJSON]))
	handle("GET /v1/cross/users/{username}/blacklist", f.blacklist)
	handle("POST /v1/cross/users/{username}/nodisturb", onUser(f.svc.SetNoDisturb, http.StatusNoContent, crossEach[core.NoDisturbChange, crossNoDisturbJSON]))
	handle("POST /v1/cross/users/{username}/friends", onUser(f.svc.AddFriends, http.StatusCreated, crossFriends))
	handle("DELETE /v1/cross/users/{username}/friends", onUser(f.svc.RemoveFriends, http.StatusNoContent, crossFriends))
	handle("PUT /v1/cross/users/{username}/friends", onUser(f.svc.UpdateFriendNotes, http.StatusNoContent, crossEach[core.FriendNote, crossFriendNoteJSON]))
	for _, prefix := range []string{"", "/v1"} {
		handle("POST "+prefix+"/cross/chatroom/{room_id}/members", withChatroom(onMembersChanges(f.svc.EditChatroomMembers)))
	}
}

// crossElement is the appkey every element of a cross-app body names.
type crossElement struct {
	AppKey string `json:"appkey"`
}

// appKey is the element's appkey, which is required. Blanks around it, as
// in the seed's example " 4f7aef34fb361292c566a1cd", are dropped.
func (e crossElement) appKey() (string, error) {
	key := strings.TrimSpace(e.AppKey)
	if key == "" {
		return "", invalidBody("appkey is required in every element")
	}
	return key, nil
}

// crossItem is an element of a cross-app array body: what it asks for, in
// the app its appkey names.
type crossItem[T any] interface {
	appKey() (string, error)
	in(appKey string) T
}

// crossEach reads a cross-app array body into the core's items.
func crossEach[T any, E crossItem[T]](body []E) ([]T, error) {
	out := make([]T, len(body))
	for i, e := range body {
		key, err := e.appKey()
		if err != nil {
			return nil, err
		}
		out[i] = e.in(key)
	}
	return out, nil
}

// crossUsernamesJSON is an element of a cross-app blacklist body.
type crossUsernamesJSON struct {
	crossElement
	Usernames []string `json:"usernames"`
}

func (e crossUsernamesJSON) in(key string) core.AppUsers {
	return core.AppUsers{AppKey: key, Names: e.Usernames}
}

// crossNoDisturbJSON is an element of a cross-app no-disturb body: the
// plain body, for the users and groups of the app named.
type crossNoDisturbJSON struct {
	crossElement
	noDisturbJSON
}

func (e crossNoDisturbJSON) in(key string) core.NoDisturbChange {
	c := e.change()
	c.AppKey = key
	return c
}

// crossFriendNoteJSON is an element of a cross-app friend notes body.
type crossFriendNoteJSON struct {
	crossElement
	friendNoteJSON
}

func (e crossFriendNoteJSON) in(key string) core.FriendNote {
	n := e.note()
	n.AppKey = key
	return n
}

// crossMembersJSON is an element of a cross-app group or chatroom members
// body.
type crossMembersJSON struct {
	crossElement
	addRemove[string]
}

func (e crossMembersJSON) in(key string) core.MembersChange {
	return core.MembersChange{AppKey: key, Add: e.Add, Remove: e.Remove}
}

// crossFriendsJSON is a cross-app friends add or delete body: one object,
// not an array.
type crossFriendsJSON struct {
	crossElement
	Users []string `json:"users"`
}

// crossFriends reads {"appkey","users":[...]}.
func crossFriends(body crossFriendsJSON) ([]core.AppUsers, error) {
	key, err := body.appKey()
	if err != nil {
		return nil, err
	}
	return []core.AppUsers{{AppKey: key, Names: body.Users}}, nil
}

// membersEdit is a core call that changes the members of a group or a
// chatroom.
type membersEdit func(ctx context.Context, app model.App, id int64, changes ...core.MembersChange) error

// onMembersChanges serves edit with a body
// [{"appkey","add":[...],"remove":[...]}, ...], applied as one.
func onMembersChanges(edit membersEdit) func(w http.ResponseWriter, r *http.Request, app model.App, id int64) {
	return func(w http.ResponseWriter, r *http.Request, app model.App, id int64) {
		withBody(w, r, http.StatusNoContent, func(body []crossMembersJSON) error {
			changes, err := crossEach[core.MembersChange](body)
			if err != nil {
				return err
			}
			return edit(r.Context(), app, id, changes...)
		})
	}
}

// crossGroupJSON is a group in the cross-app listing: the plain group, with
// the capacity also under the key the seed's example uses here.
type crossGroupJSON struct {
	groupJSON
	MaxMemberCountSeed int `json:"max_member_count"`
}

// crossUserGroups: GET /v1/cross/users/{username}/groups, the groups of
// every app the user belongs to, each with its appkey.
func (f *Face) crossUserGroups(w http.ResponseWriter, r *http.Request, app model.App) {
	gs, err := f.svc.UserGroups(r.Context(), app, r.PathValue("username"), true)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]crossGroupJSON, len(gs))
	for i, g := range gs {
		out[i] = crossGroupJSON{groupJSON: renderGroup(g), MaxMemberCountSeed: g.MaxMembers}
	}
	writeJSON(w, http.StatusOK, out)
}
