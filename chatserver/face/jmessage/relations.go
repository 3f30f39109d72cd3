package jmessage

import (
	"context"
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

// userCall is a core call through which {username} acts on what a body
// names: users (of this app or of consenting apps), no-disturb changes,
// friend notes.
type userCall[T any] func(ctx context.Context, app model.App, username string, items []T) error

// onUser serves call: read turns the body, decoded as B, into call's items.
// A plain endpoint and its cross-app twin differ only in read.
func onUser[B, T any](call userCall[T], status int, read func(B) ([]T, error)) appHandler {
	return func(w http.ResponseWriter, r *http.Request, app model.App) {
		withBody(w, r, status, func(body B) error {
			items, err := read(body)
			if err != nil {
				return err
			}
			return call(r.Context(), app, r.PathValue("username"), items)
		})
	}
}

// sameApp reads a plain username array: users of the caller's app.
func sameApp(names []string) ([]core.AppUsers, error) { return core.SameApp(names), nil }

// blacklist: GET /v1/users/{username}/blacklist (and the cross-app path:
// every entry carries its appkey).
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

// noDisturbJSON is the body of POST /v1/users/{username}/nodisturb.
type noDisturbJSON struct {
	Single *addRemove[string] `json:"single"`
	Group  *addRemove[int64]  `json:"group"`
	Global *int               `json:"global"`
}

func (body noDisturbJSON) change() core.NoDisturbChange {
	c := core.NoDisturbChange{Global: body.Global}
	if body.Single != nil {
		c.SingleAdd, c.SingleRemove = body.Single.Add, body.Single.Remove
	}
	if body.Group != nil {
		c.GroupAdd, c.GroupRemove = body.Group.Add, body.Group.Remove
	}
	return c
}

// oneNoDisturb reads the plain no-disturb body: one change, in the
// caller's app.
func oneNoDisturb(body noDisturbJSON) ([]core.NoDisturbChange, error) {
	return []core.NoDisturbChange{body.change()}, nil
}
