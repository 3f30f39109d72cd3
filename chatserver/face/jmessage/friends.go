package jmessage

import (
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

// Adding, deleting and noting friends are served by onUser (relations.go).

type friendNoteJSON struct {
	Username string  `json:"username"`
	NoteName *string `json:"note_name"`
	Others   *string `json:"others"`
}

func (n friendNoteJSON) note() core.FriendNote {
	return core.FriendNote{Username: n.Username, NoteName: n.NoteName, Others: n.Others}
}

// sameAppNotes reads the plain notes body: friends of the caller's app.
func sameAppNotes(body []friendNoteJSON) ([]core.FriendNote, error) {
	notes := make([]core.FriendNote, len(body))
	for i, n := range body {
		notes[i] = n.note()
	}
	return notes, nil
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
