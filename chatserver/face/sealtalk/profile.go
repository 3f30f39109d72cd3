package sealtalk

import (
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

func (f *Face) resetPassword(w http.ResponseWriter, r *http.Request, app model.App) {
	var in struct {
		Password          string `json:"password"`
		VerificationToken string `json:"verification_token"`
	}
	if !decode(w, r, &in) {
		return
	}
	if err := f.svc.ResetPasswordByPhone(r.Context(), app, in.VerificationToken, in.Password); err != nil {
		writeError(w, r, err)
		return
	}
	ok(w, nil)
}

func (f *Face) changePassword(w http.ResponseWriter, r *http.Request, c caller) {
	var in struct {
		OldPassword string `json:"oldPassword"`
		NewPassword string `json:"newPassword"`
	}
	if !decode(w, r, &in) {
		return
	}
	if err := f.svc.ChangePassword(r.Context(), c.app, c.username, in.OldPassword, in.NewPassword); err != nil {
		writeError(w, r, err)
		return
	}
	ok(w, nil)
}

func (f *Face) setNickname(w http.ResponseWriter, r *http.Request, c caller) {
	var in struct {
		Nickname *string `json:"nickname"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.Nickname == nil || *in.Nickname == "" {
		writeError(w, r, core.ErrInvalid)
		return
	}
	f.updateProfile(w, r, c, core.ProfileInput{Nickname: in.Nickname})
}

func (f *Face) setPortraitURI(w http.ResponseWriter, r *http.Request, c caller) {
	var in struct {
		PortraitURI *string `json:"portraitUri"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.PortraitURI == nil {
		writeError(w, r, core.ErrInvalid)
		return
	}
	f.updateProfile(w, r, c, core.ProfileInput{Avatar: in.PortraitURI})
}

func (f *Face) updateProfile(w http.ResponseWriter, r *http.Request, c caller, in core.ProfileInput) {
	if err := f.svc.UpdateUser(r.Context(), c.app, c.username, in); err != nil {
		writeError(w, r, err)
		return
	}
	ok(w, nil)
}

func (f *Face) setGender(w http.ResponseWriter, r *http.Request, c caller) {
	var in struct {
		Gender string `json:"gender"`
	}
	if !decode(w, r, &in) {
		return
	}
	g, known := map[string]int{"male": 1, "female": 2}[in.Gender]
	if !known {
		writeError(w, r, core.ErrInvalid)
		return
	}
	f.updateProfile(w, r, c, core.ProfileInput{Gender: &g})
}

// userInfo answers /user/:id; the seed says POST, SealTalk clients GET,
// so both are served.
func (f *Face) userInfo(w http.ResponseWriter, r *http.Request, c caller) {
	u, err := f.svc.UserByExternalID(r.Context(), c.app, r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	if v, found := f.viewWithPhone(w, r, c, u); found {
		ok(w, v)
	}
}

// viewWithPhone is u's view with their SealTalk account and, unless u
// hides it from the caller (phoneVerify 0), their phone; on failure it
// answers the error itself.
func (f *Face) viewWithPhone(w http.ResponseWriter, r *http.Request, c caller, u model.User) (userView, bool) {
	withPhone, err := f.svc.WithPhones(r.Context(), c.app, c.session.UserID, []model.User{u})
	if err != nil {
		writeError(w, r, err)
		return userView{}, false
	}
	return viewOf(c.app, withPhone[0]), true
}
