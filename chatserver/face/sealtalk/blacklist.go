package sealtalk

import (
	"context"
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

type blacklistEdit func(ctx context.Context, app model.App, username string, targets []core.AppUsers) error

// userView is a user as the blacklist shows them.
type userView struct {
	ID          string `json:"id"`
	Nickname    string `json:"nickname"`
	PortraitURI string `json:"portraitUri"`
	Gender      string `json:"gender"`
	STAccount   string `json:"stAccount"`
	Phone       string `json:"phone"`
	UpdatedAt   string `json:"updatedAt"`
	UpdatedTime int64  `json:"updatedTime"`
}

// viewOf is up as seen in app; up's phone is already what the viewer may
// see (core.WithPhones).
func viewOf(app model.App, up core.UserPhone) userView {
	u := up.User
	v := userView{
		ID: core.ExternalID(app, u.ID), STAccount: up.STAccount, Phone: up.Phone,
		UpdatedAt:   u.Modified.UTC().Format("2006-01-02T15:04:05.000Z"),
		UpdatedTime: u.Modified.UnixMilli(),
	}
	if u.Profile.Nickname != nil {
		v.Nickname = *u.Profile.Nickname
	}
	if u.Profile.Avatar != nil {
		v.PortraitURI = *u.Profile.Avatar
	}
	if g := u.Profile.Gender; g != nil {
		v.Gender = map[int]string{1: "male", 2: "female"}[*g]
	}
	return v
}

func (f *Face) blacklist(w http.ResponseWriter, r *http.Request, c caller) {
	users, err := f.svc.Blacklist(r.Context(), c.app, c.username)
	if err != nil {
		writeError(w, r, err)
		return
	}
	withPhones, err := f.svc.WithPhones(r.Context(), c.app, c.session.UserID, users)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]map[string]userView, len(withPhones))
	for i, up := range withPhones {
		out[i] = map[string]userView{"user": viewOf(c.app, up)}
	}
	ok(w, out)
}

func (f *Face) addToBlacklist(w http.ResponseWriter, r *http.Request, c caller) {
	f.editBlacklist(w, r, c, f.svc.BlacklistAdd)
}

func (f *Face) removeFromBlacklist(w http.ResponseWriter, r *http.Request, c caller) {
	f.editBlacklist(w, r, c, f.svc.BlacklistRemove)
}

func (f *Face) editBlacklist(w http.ResponseWriter, r *http.Request, c caller, edit blacklistEdit) {
	var in struct {
		FriendID string `json:"friendId"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.FriendID == "" {
		writeError(w, r, core.ErrInvalid)
		return
	}
	target, err := f.svc.UserByExternalID(r.Context(), c.app, in.FriendID)
	if err == nil {
		err = edit(r.Context(), c.app, c.username, core.SameApp([]string{target.Username}))
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	ok(w, nil)
}
