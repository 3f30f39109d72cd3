package jmessage

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

// profileJSON is the profile part of a user body, shared by register and
// update.
type profileJSON struct {
	Nickname  *string         `json:"nickname"`
	Avatar    *string         `json:"avatar"`
	Birthday  *string         `json:"birthday"`
	Gender    *int            `json:"gender"`
	Signature *string         `json:"signature"`
	Region    *string         `json:"region"`
	Address   *string         `json:"address"`
	Extras    json.RawMessage `json:"extras"`
}

func (p profileJSON) input() core.ProfileInput {
	return core.ProfileInput{
		Nickname: p.Nickname, Avatar: p.Avatar, Birthday: p.Birthday, Gender: p.Gender,
		Signature: p.Signature, Region: p.Region, Address: p.Address, Extras: p.Extras,
	}
}

type registerItem struct {
	Username string `json:"username"`
	Password string `json:"password"`
	profileJSON
}

type registerResult struct {
	Username string       `json:"username"`
	Error    *errorDetail `json:"error,omitempty"`
}

// registerUsers: POST /v1/users/. Each item stands alone; an item that
// cannot be decoded is reported as 899003 and the rest still register.
func (f *Face) registerUsers(w http.ResponseWriter, r *http.Request, app model.App) {
	var raw []json.RawMessage
	if !decode(w, r, &raw) {
		return
	}
	batch := make([]core.NewUser, len(raw))
	for i, item := range raw {
		batch[i] = decodeRegisterItem(item)
	}
	results, err := f.svc.RegisterUsers(r.Context(), app, batch)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]registerResult, len(results))
	for i, res := range results {
		out[i].Username = res.Username
		if res.Err != nil {
			_, detail := classify(res.Err)
			out[i].Error = &detail
		}
	}
	writeJSON(w, http.StatusCreated, out)
}

func decodeRegisterItem(raw json.RawMessage) core.NewUser {
	var it registerItem
	if err := json.Unmarshal(raw, &it); err != nil {
		// Still name the item if its username can be read.
		var named struct {
			Username string `json:"username"`
		}
		_ = json.Unmarshal(raw, &named)
		return core.NewUser{Username: named.Username, Err: fmt.Errorf("%w: %v", core.ErrInvalid, err)}
	}
	return core.NewUser{Username: it.Username, Password: it.Password, Profile: it.profileJSON.input()}
}

// getUser: GET /v1/users/{username}.
func (f *Face) getUser(w http.ResponseWriter, r *http.Request, app model.App) {
	u, err := f.svc.User(r.Context(), app, r.PathValue("username"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, renderUser(u))
}

// updateUser: PUT /v1/users/{username}.
func (f *Face) updateUser(w http.ResponseWriter, r *http.Request, app model.App) {
	withBody(w, r, http.StatusNoContent, func(p profileJSON) error {
		return f.svc.UpdateUser(r.Context(), app, r.PathValue("username"), p.input())
	})
}

// deleteUser: DELETE /v1/users/{username}.
func (f *Face) deleteUser(w http.ResponseWriter, r *http.Request, app model.App) {
	if err := f.svc.DeleteUser(r.Context(), app, r.PathValue("username")); err != nil {
		writeError(w, r, err)
		return
	}
	done(w, http.StatusNoContent)
}

// deleteUsers: DELETE /v1/users/ with a username array. The seed answers
// 200 with no body.
func (f *Face) deleteUsers(w http.ResponseWriter, r *http.Request, app model.App) {
	withBody(w, r, http.StatusOK, func(names []string) error {
		_, err := f.svc.DeleteUsers(r.Context(), app, names)
		return err
	})
}

type userListJSON struct {
	Total int        `json:"total"`
	Start int        `json:"start"`
	Count int        `json:"count"`
	Users []userJSON `json:"users"`
}

// listUsers: GET /v1/users/?start=&count=.
func (f *Face) listUsers(w http.ResponseWriter, r *http.Request, app model.App) {
	p, err := page(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	users, total, err := f.svc.ListUsers(r.Context(), app, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, userListJSON{Total: total, Start: p.Start, Count: len(users), Users: renderUsers(users)})
}

type passwordJSON struct {
	NewPassword *string `json:"new_password"`
}

// setPassword: PUT /v1/users/{username}/password.
func (f *Face) setPassword(w http.ResponseWriter, r *http.Request, app model.App) {
	withBody(w, r, http.StatusNoContent, func(body passwordJSON) error {
		if body.NewPassword == nil {
			return fmt.Errorf("%w: new_password is required", core.ErrInvalid)
		}
		return f.svc.SetPassword(r.Context(), app, r.PathValue("username"), *body.NewPassword)
	})
}

// setForbidden: PUT /v1/users/{username}/forbidden?disable=. Clients send
// the boolean in several spellings.
func (f *Face) setForbidden(w http.ResponseWriter, r *http.Request, app model.App) {
	disable, err := boolParam(r, "disable")
	if err != nil {
		writeError(w, r, err)
		return
	}
	if err := f.svc.SetForbidden(r.Context(), app, r.PathValue("username"), disable); err != nil {
		writeError(w, r, err)
		return
	}
	done(w, http.StatusNoContent)
}

type loginStatJSON struct {
	Login  bool `json:"login"`
	Online bool `json:"online"`
}

// userStat: GET /v1/users/{username}/userstat.
func (f *Face) userStat(w http.ResponseWriter, r *http.Request, app model.App) {
	name := r.PathValue("username")
	if _, err := f.svc.User(r.Context(), app, name); err != nil {
		writeError(w, r, err)
		return
	}
	st, err := f.svc.UserStatuses(r.Context(), app, []string{name})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, loginStatJSON{Login: st[0].LoggedIn(), Online: st[0].Online()})
}

type deviceJSON struct {
	Login    bool   `json:"login"`
	Online   bool   `json:"online"`
	Platform string `json:"platform"`
}

type userStatJSON struct {
	Devices    []deviceJSON `json:"devices"`
	Username   string       `json:"username"`
	StatusCode *int         `json:"statuscode,omitempty"`
	StatusMsg  string       `json:"statusmsg,omitempty"`
}

func (f *Face) statuses(w http.ResponseWriter, r *http.Request, app model.App) ([]core.UserStatus, bool) {
	var names []string
	if !decode(w, r, &names) {
		return nil, false
	}
	st, err := f.svc.UserStatuses(r.Context(), app, names)
	if err != nil {
		writeError(w, r, err)
		return nil, false
	}
	return st, true
}

func renderStatus(st core.UserStatus) userStatJSON {
	out := userStatJSON{Username: st.Username, Devices: make([]deviceJSON, len(st.Devices))}
	for i, d := range st.Devices {
		out.Devices[i] = deviceJSON{Login: d.LoggedIn, Online: d.Online, Platform: d.Platform}
	}
	return out
}

// usersStatV1: POST /v1/users/userstat. An unknown user fails the call with
// 899002; v2 reports it per item instead.
func (f *Face) usersStatV1(w http.ResponseWriter, r *http.Request, app model.App) {
	st, ok := f.statuses(w, r, app)
	if !ok {
		return
	}
	out := make([]userStatJSON, len(st))
	for i, s := range st {
		if !s.Exists {
			writeError(w, r, fmt.Errorf("%w: %s", core.ErrUserNotFound, s.Username))
			return
		}
		out[i] = renderStatus(s)
	}
	writeJSON(w, http.StatusOK, out)
}

// usersStatV2: POST /v2/users/statuser.
func (f *Face) usersStatV2(w http.ResponseWriter, r *http.Request, app model.App) {
	st, ok := f.statuses(w, r, app)
	if !ok {
		return
	}
	out := make([]userStatJSON, len(st))
	for i, s := range st {
		out[i] = renderStatus(s)
		code := 0
		if !s.Exists {
			code = 1
			out[i].StatusMsg = "no_exist"
		}
		out[i].StatusCode = &code
	}
	writeJSON(w, http.StatusOK, out)
}
