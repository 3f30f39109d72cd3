// Package sealtalk serves the SealTalk user API (seed
// shared/seeds/001_6ddee915abf655f9.txt) under /apps/{appKey}/user/...:
// the envelope {"code":200,"result":...}, the seed's return codes and HTTP
// statuses, and auth by the rong_im_auth cookie or a Bearer token. It only
// maps the wire format to the core.
package sealtalk

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

// CookieName is the session cookie login sets, as the SealTalk server
// names it.
const CookieName = "rong_im_auth"

// device is the session device of a SealTalk login.
const device = "sealtalk"

// Face is the SealTalk user API.
type Face struct {
	svc  *core.Service
	gate *httpio.Gate
}

// New returns the face over svc. gate caps the unauthenticated requests in
// flight per client address (nil: no cap).
func New(svc *core.Service, gate *httpio.Gate) *Face { return &Face{svc: svc, gate: gate} }

// Register adds the face's routes to mux.
func (f *Face) Register(mux httpio.Mux) {
	const p = "/apps/{appKey}/user/"
	mux.HandleFunc("POST "+p+"send_code", f.public(f.sendCode))
	mux.HandleFunc("POST "+p+"send_code_yp", f.public(f.sendCode))
	mux.HandleFunc("POST "+p+"verify_code", f.public(f.verifyCode))
	mux.HandleFunc("POST "+p+"verify_code_yp", f.public(f.verifyCode))
	mux.HandleFunc("GET "+p+"regionlist", f.public(f.regionList))
	mux.HandleFunc("POST "+p+"check_phone_available", f.public(f.checkPhoneAvailable))
	mux.HandleFunc("POST "+p+"register", f.public(f.register))
	mux.HandleFunc("POST "+p+"login", f.public(f.login))
	mux.HandleFunc("POST "+p+"logout", f.authed(f.logout))
	mux.HandleFunc("POST "+p+"get_token", f.authed(f.getToken))
	mux.HandleFunc("POST "+p+"reset_password", f.public(f.resetPassword))
	mux.HandleFunc("POST "+p+"change_password", f.authed(f.changePassword))
	mux.HandleFunc("POST "+p+"set_nickname", f.authed(f.setNickname))
	mux.HandleFunc("POST "+p+"set_portrait_uri", f.authed(f.setPortraitURI))
	mux.HandleFunc("GET "+p+"blacklist", f.authed(f.blacklist))
	mux.HandleFunc("POST "+p+"add_to_blacklist", f.authed(f.addToBlacklist))
	mux.HandleFunc("POST "+p+"remove_from_blacklist", f.authed(f.removeFromBlacklist))
	mux.HandleFunc("POST "+p+"set_gender", f.authed(f.setGender))
	mux.HandleFunc("POST "+p+"set_st_account", f.authed(f.setSTAccount))
	mux.HandleFunc("POST "+p+"set_poke", f.authed(f.setPoke))
	mux.HandleFunc("GET "+p+"get_poke", f.authed(f.getPoke))
	mux.HandleFunc("POST "+p+"set_privacy", f.authed(f.setPrivacy))
	mux.HandleFunc("GET "+p+"get_privacy", f.authed(f.getPrivacy))
	mux.HandleFunc("POST "+p+"get_sms_img_code", f.public(f.smsImgCode))
	mux.HandleFunc("GET "+p+"get_sms_img_code", f.public(f.smsImgCode))
	mux.HandleFunc("GET "+p+captchaPath+"{file}", f.public(f.smsImgCodeImage))
	mux.HandleFunc("POST "+p+"get_image_token", f.authed(f.getImageToken))
	mux.HandleFunc("GET "+p+"get_image_token", f.authed(f.getImageToken))
	// upload_image bounds its body by the app's upload limit itself.
	mux.HandleFunc("POST "+p+uploadPath, f.publicWithin(0, f.uploadImage))
	mux.HandleFunc("POST "+p+"groups", f.authed(f.groups))
	mux.HandleFunc("GET "+p+"groups", f.authed(f.groups))
	mux.HandleFunc("GET "+p+"favgroups", f.authed(f.favGroups))
	mux.HandleFunc("POST "+p+"sync/{version}", f.authed(f.sync))
	mux.HandleFunc("GET "+p+"sync/{version}", f.authed(f.sync))
	mux.HandleFunc("GET "+p+"find_user", f.authed(f.findUser))
	mux.HandleFunc("GET "+p+"find/{region}/{phone}", f.authed(f.find))
	mux.HandleFunc("POST "+p+"find/{region}/{phone}", f.authed(f.find))
	mux.HandleFunc("GET "+p+"{id}", f.authed(f.userInfo))
	mux.HandleFunc("POST "+p+"{id}", f.authed(f.userInfo))
}

// caller is who an authenticated request comes from.
type caller struct {
	app      model.App
	session  model.Session
	token    string
	username string
}

// public serves a route no credential guards (sign-up, login, codes): its
// body is bounded by httpio.PublicBodyLimit, and the client's address may
// have only so many such requests in flight.
func (f *Face) public(h func(w http.ResponseWriter, r *http.Request, app model.App)) http.HandlerFunc {
	return f.publicWithin(httpio.PublicBodyLimit, h)
}

// publicWithin is public with another body limit; 0 leaves the body to
// the handler, which bounds it itself.
func (f *Face) publicWithin(limit int64, h func(w http.ResponseWriter, r *http.Request, app model.App)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		leave, err := f.gate.Enter(core.ClientAddr(r.Context()))
		if err != nil {
			// A client holding its body back must hear the 429 too.
			refuseUnread(w, r, err)
			return
		}
		defer leave()
		if limit > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		app, err := f.svc.EndUserApp(r.Context(), r.PathValue("appKey"))
		if err != nil {
			writeError(w, r, err)
			return
		}
		h(w, r, app)
	}
}

func (f *Face) authed(h func(w http.ResponseWriter, r *http.Request, c caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := sessionToken(r)
		app, sess, err := f.svc.SessionByToken(r.Context(), r.PathValue("appKey"), token)
		if err != nil {
			writeError(w, r, err)
			return
		}
		h(w, r, caller{app: app, session: sess, token: token, username: sess.Username})
	}
}

// sessionToken is the cookie's token, or the Bearer token.
func sessionToken(r *http.Request) string {
	if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
		return c.Value
	}
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}

// ok writes the success envelope; result nil leaves it out.
func ok(w http.ResponseWriter, result any) {
	body := map[string]any{"code": 200}
	if result != nil {
		body["result"] = result
	}
	httpio.WriteJSON(w, http.StatusOK, body)
}

// decode reads a JSON body into v, answering 400 on failure.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := httpio.DecodeJSON(w, r, v); err != nil {
		writeError(w, r, err)
		return false
	}
	return true
}

// flexString accepts a JSON string or number: the seed sends region and
// phone as numbers (86, 13912345678), clients often as strings.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = flexString(str)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*s = flexString(n.String())
	return nil
}

// phoneOf normalises a region ("+86" → "86").
func phoneOf(region, phone flexString) (string, string) {
	return strings.TrimPrefix(strings.TrimSpace(string(region)), "+"), strings.TrimSpace(string(phone))
}
