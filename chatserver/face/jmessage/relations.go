package jmessage

import (
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

// blacklistAdd: PUT /v1/users/{username}/blacklist with a username array.
func (f *Face) blacklistAdd(w http.ResponseWriter, r *http.Request, app model.App) {
	withBody(w, r, http.StatusNoContent, func(names []string) error {
		return f.svc.BlacklistAdd(r.Context(), app, r.PathValue("username"), names)
	})
}

// blacklistRemove: DELETE /v1/users/{username}/blacklist.
func (f *Face) blacklistRemove(w http.ResponseWriter, r *http.Request, app model.App) {
	withBody(w, r, http.StatusNoContent, func(names []string) error {
		return f.svc.BlacklistRemove(r.Context(), app, r.PathValue("username"), names)
	})
}

// blacklist: GET /v1/users/{username}/blacklist.
func (f *Face) blacklist(w http.ResponseWriter, r *http.Request, app model.App) {
	users, err := f.svc.Blacklist(r.Context(), app, r.PathValue("username"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, renderRelated(users))
}

type addRemove[T any] struct {
	Add    []T `json:"add"`
	Remove []T `json:"remove"`
}

type noDisturbJSON struct {
	Single *addRemove[string] `json:"single"`
	Group  *addRemove[int64]  `json:"group"`
	Global *int               `json:"global"`
}

// setNoDisturb: POST /v1/users/{username}/nodisturb.
func (f *Face) setNoDisturb(w http.ResponseWriter, r *http.Request, app model.App) {
	withBody(w, r, http.StatusNoContent, func(body noDisturbJSON) error {
		c := core.NoDisturbChange{Global: body.Global}
		if body.Single != nil {
			c.SingleAdd, c.SingleRemove = body.Single.Add, body.Single.Remove
		}
		if body.Group != nil {
			c.GroupAdd, c.GroupRemove = body.Group.Add, body.Group.Remove
		}
		return f.svc.SetNoDisturb(r.Context(), app, r.PathValue("username"), c)
	})
}
