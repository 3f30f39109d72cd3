package jmessage

import (
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

// appHandler serves a request already authenticated as app.
type appHandler func(w http.ResponseWriter, r *http.Request, app model.App)

// authed authenticates the Basic credentials, which fix the tenant for the
// whole request, then calls h.
func (f *Face) authed(h appHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, secret, ok := r.BasicAuth()
		if !ok {
			writeError(w, r, core.ErrUnauthorized)
			return
		}
		app, err := f.svc.Authenticate(r.Context(), key, secret)
		if err != nil {
			writeError(w, r, err)
			return
		}
		h(w, r, app)
	}
}
