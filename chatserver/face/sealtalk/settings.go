package sealtalk

import (
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

func (f *Face) setSTAccount(w http.ResponseWriter, r *http.Request, c caller) {
	var in struct {
		STAccount string `json:"stAccount"`
	}
	if !decode(w, r, &in) {
		return
	}
	if err := f.svc.SetSTAccount(r.Context(), c.app, c.username, in.STAccount); err != nil {
		writeError(w, r, err)
		return
	}
	ok(w, nil)
}

func (f *Face) setPoke(w http.ResponseWriter, r *http.Request, c caller) {
	var in struct {
		PokeStatus *int `json:"pokeStatus"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.PokeStatus == nil || *in.PokeStatus != 0 && *in.PokeStatus != 1 {
		writeError(w, r, core.ErrInvalid)
		return
	}
	if err := f.svc.SetPoke(r.Context(), c.app, c.username, *in.PokeStatus == 1); err != nil {
		writeError(w, r, err)
		return
	}
	ok(w, nil)
}

// getPoke answers {"code":200,"result":{"pokeStatus":0|1}}: the seed shows
// the bare object, SealTalk clients read it from result.
func (f *Face) getPoke(w http.ResponseWriter, r *http.Request, c caller) {
	on, err := f.svc.Poke(r.Context(), c.app, c.username)
	if err != nil {
		writeError(w, r, err)
		return
	}
	status := 0
	if on {
		status = 1
	}
	ok(w, map[string]int{"pokeStatus": status})
}

func (f *Face) setPrivacy(w http.ResponseWriter, r *http.Request, c caller) {
	var in struct {
		PhoneVerify    *int `json:"phoneVerify"`
		STSearchVerify *int `json:"stSearchVerify"`
		FriVerify      *int `json:"friVerify"`
		GroupVerify    *int `json:"groupVerify"`
	}
	if !decode(w, r, &in) {
		return
	}
	err := f.svc.SetUserPrivacy(r.Context(), c.app, c.username, core.PrivacyPatch{
		PhoneVerify: in.PhoneVerify, STSearchVerify: in.STSearchVerify, FriVerify: in.FriVerify, GroupVerify: in.GroupVerify,
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	ok(w, nil)
}

// getPrivacy answers the settings in result (the seed shows the bare
// object; SealTalk clients read the envelope).
func (f *Face) getPrivacy(w http.ResponseWriter, r *http.Request, c caller) {
	p, err := f.svc.UserPrivacy(r.Context(), c.app, c.username)
	if err != nil {
		writeError(w, r, err)
		return
	}
	ok(w, p)
}

// find answers /user/find/:region/:phone; POST as the seed says, GET as
// clients send.
func (f *Face) find(w http.ResponseWriter, r *http.Request, c caller) {
	region, phone := phoneOf(flexString(r.PathValue("region")), flexString(r.PathValue("phone")))
	u, err := f.svc.FindByPhone(r.Context(), c.app, region, phone)
	if err != nil {
		writeError(w, r, err)
		return
	}
	ok(w, map[string]string{"id": core.ExternalID(c.app, u.ID), "nickname": deref(u.Profile.Nickname), "portraitUri": deref(u.Profile.Avatar)})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// findUser answers /user/find_user?st_account= (or ?region=&phone=), the
// SealTalk server's search, which seed 001 does not list: the user by
// SealTalk account, unless their stSearchVerify is 0 (then 404, like an
// unknown account), or by phone under phoneVerify like find.
func (f *Face) findUser(w http.ResponseWriter, r *http.Request, c caller) {
	q := r.URL.Query()
	var u model.User
	var err error
	switch account, phone := q.Get("st_account"), q.Get("phone"); {
	case account != "":
		u, err = f.svc.FindBySTAccount(r.Context(), c.app, account)
	case phone != "":
		region, phone := phoneOf(flexString(q.Get("region")), flexString(phone))
		u, err = f.svc.FindByPhone(r.Context(), c.app, region, phone)
	default:
		err = core.ErrInvalid
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	v, found := f.viewWithPhone(w, r, c, u)
	if !found {
		return
	}
	ok(w, map[string]string{"id": v.ID, "nickname": v.Nickname, "gender": v.Gender, "portraitUri": v.PortraitURI, "stAccount": v.STAccount})
}
