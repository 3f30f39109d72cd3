package jmessage

import (
	"net/http"
	"strconv"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
)

// Face serves the admin API on top of the core.
type Face struct {
	svc *core.Service
}

// New builds the face.
func New(svc *core.Service) *Face { return &Face{svc: svc} }

// Register adds every admin route to mux.
func (f *Face) Register(mux httpio.Mux) {
	handle := func(pattern string, h appHandler) { mux.Handle(pattern, f.authed(h)) }
	both := slashBoth(handle)

	both("POST", "/v1/users", f.registerUsers)
	both("GET", "/v1/users", f.listUsers)
	both("DELETE", "/v1/users", f.deleteUsers)
	handle("GET /v1/users/{username}", f.getUser)
	handle("PUT /v1/users/{username}", f.updateUser)
	handle("DELETE /v1/users/{username}", f.deleteUser)
	handle("GET /v1/users/{username}/userstat", f.userStat)
	handle("POST /v1/users/userstat", f.usersStatV1)
	handle("POST /v2/users/statuser", f.usersStatV2)
	handle("PUT /v1/users/{username}/password", f.setPassword)
	handle("PUT /v1/users/{username}/forbidden", f.setForbidden)

	handle("PUT /v1/users/{username}/blacklist", onUser(f.svc.BlacklistAdd, http.StatusNoContent, sameApp))
	handle("DELETE /v1/users/{username}/blacklist", onUser(f.svc.BlacklistRemove, http.StatusNoContent, sameApp))
	handle("GET /v1/users/{username}/blacklist", f.blacklist)
	handle("POST /v1/users/{username}/nodisturb", onUser(f.svc.SetNoDisturb, http.StatusNoContent, oneNoDisturb))

	handle("POST /v1/users/{username}/friends", onUser(f.svc.AddFriends, http.StatusCreated, sameApp))
	handle("DELETE /v1/users/{username}/friends", onUser(f.svc.RemoveFriends, http.StatusNoContent, sameApp))
	handle("PUT /v1/users/{username}/friends", onUser(f.svc.UpdateFriendNotes, http.StatusNoContent, sameAppNotes))
	handle("GET /v1/users/{username}/friends", f.friends)

	handle("POST /v1/sensitiveword", f.addWords)
	handle("PUT /v1/sensitiveword", f.replaceWord)
	handle("DELETE /v1/sensitiveword", f.deleteWord)
	handle("GET /v1/sensitiveword", f.listWords)
	handle("PUT /v1/sensitiveword/status", f.setWordFilter)
	handle("GET /v1/sensitiveword/status", f.wordFilter)

	f.registerGroups(handle)
	f.registerMessages(handle)
	f.registerChatrooms(handle)
	f.registerMedia(mux, handle)
	f.registerCross(handle)

	handle("PUT /v1/sdkregister/status", f.setSDKRegister)
	handle("GET /v1/sdkregister/status", f.sdkRegister)
	handle("GET /v1/registration/policy", f.registrationPolicy)
	handle("PUT /v1/registration/policy", f.setRegistrationPolicy)
}

// slashBoth returns a registrar that serves a path with and without the
// trailing slash the seed writes, since clients differ.
func slashBoth(handle func(string, appHandler)) func(method, path string, h appHandler) {
	return func(method, path string, h appHandler) {
		handle(method+" "+path, h)
		handle(method+" "+path+"/{$}", h)
	}
}

// decode reads a JSON body into v, answering the error itself; it reports
// whether the handler should go on.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := httpio.DecodeJSON(w, r, v); err != nil {
		writeError(w, r, err)
		return false
	}
	return true
}

// withBody decodes the JSON body into a T, runs call with it, and answers
// status with no body, or call's error.
func withBody[T any](w http.ResponseWriter, r *http.Request, status int, call func(body T) error) {
	var body T
	if !decode(w, r, &body) {
		return
	}
	if err := call(body); err != nil {
		writeError(w, r, err)
		return
	}
	done(w, status)
}

// page reads start and count; count is required, start defaults to 0.
func page(r *http.Request) (core.Page, error) {
	q := r.URL.Query()
	var p core.Page
	var err error
	if s := q.Get("start"); s != "" {
		if p.Start, err = strconv.Atoi(s); err != nil {
			return p, invalidParam("start", s)
		}
	}
	c := q.Get("count")
	if c == "" {
		return p, invalidParam("count", c)
	}
	if p.Count, err = strconv.Atoi(c); err != nil {
		return p, invalidParam("count", c)
	}
	return p, nil
}

// flag01 reads a query parameter that must be 0 or 1.
func flag01(r *http.Request, name string) (bool, error) {
	switch v := r.URL.Query().Get(name); v {
	case "0":
		return false, nil
	case "1":
		return true, nil
	default:
		return false, invalidParam(name, v)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) { httpio.WriteJSON(w, status, v) }

// done answers a successful write with no body.
func done(w http.ResponseWriter, status int) { httpio.WriteEmpty(w, status) }
