package jmessage

import (
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

// addFriends: POST /v1/users/{username}/friends with a username array.
func (f *Face) addFriends(w http.ResponseWriter, r *http.Request, app model.App) {
	withBody(w, r, http.StatusCreated, func(names []string) error {
		return f.svc.AddFriends(r.Context(), app, r.PathValue("username"), names)
	})
}

// removeFriends: DELETE /v1/users/{username}/friends.
func (f *Face) removeFriends(w http.ResponseWriter, r *http.Request, app model.App) {
	withBody(w, r, http.StatusNoContent, func(names []string) error {
		return f.svc.RemoveFriends(r.Context(), app, r.PathValue("username"), names)
	})
}

type friendNoteJSON struct {
	Username string  `json:"username"`
	NoteName *string `json:"note_name"`
	Others   *string `json:"others"`
}

// updateFriends: PUT /v1/users/{username}/friends with note objects.
func (f *Face) updateFriends(w http.ResponseWriter, r *http.Request, app model.App) {
	withBody(w, r, http.StatusNoContent, func(body []friendNoteJSON) error {
		notes := make([]core.FriendNote, len(body))
		for i, n := range body {
			notes[i] = core.FriendNote{Username: n.Username, NoteName: n.NoteName, Others: n.Others}
		}
		return f.svc.UpdateFriendNotes(r.Context(), app, r.PathValue("username"), notes)
	})
}

// friends: GET /v1/users/{username}/friends.
func (f *Face) friends(w http.ResponseWriter, r *http.Request, app model.App) {
	friends, err := f.svc.Friends(r.Context(), app, r.PathValue("username"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, renderFriends(friends))
}
