package sealtalk

import (
	"net/http"
	"slices"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

type phoneRequest struct {
	Region flexString `json:"region"`
	Phone  flexString `json:"phone"`
}

// sendCode serves send_code and send_code_yp. When the policy sets
// phoneVerification.captchaRequired, the request also carries a solved
// get_sms_img_code captcha: verify_id and verify_code (or verifyId and
// verifyCode, RongCloud's SMS API names).
func (f *Face) sendCode(w http.ResponseWriter, r *http.Request, app model.App) {
	var in struct {
		phoneRequest
		VerifyID        string     `json:"verify_id"`
		VerifyCode      flexString `json:"verify_code"`
		VerifyIDCamel   string     `json:"verifyId"`
		VerifyCodeCamel flexString `json:"verifyCode"`
	}
	if !decode(w, r, &in) {
		return
	}
	id, answer := in.VerifyID, string(in.VerifyCode)
	if id == "" && answer == "" {
		id, answer = in.VerifyIDCamel, string(in.VerifyCodeCamel)
	}
	if err := f.svc.CheckCodeCaptcha(r.Context(), app, id, answer); err != nil {
		writeError(w, r, err)
		return
	}
	region, phone := phoneOf(in.Region, in.Phone)
	if err := f.svc.SendCode(r.Context(), app, region, phone, core.PhoneVerificationPurpose); err != nil {
		writeError(w, r, err)
		return
	}
	ok(w, nil)
}

func (f *Face) verifyCode(w http.ResponseWriter, r *http.Request, app model.App) {
	var in struct {
		phoneRequest
		Code flexString `json:"code"`
	}
	if !decode(w, r, &in) {
		return
	}
	region, phone := phoneOf(in.Region, in.Phone)
	token, err := f.svc.VerifyCode(r.Context(), app, region, phone, core.PhoneVerificationPurpose, string(in.Code))
	if err != nil {
		writeError(w, r, err)
		return
	}
	ok(w, map[string]any{"verification_token": token})
}

type locale struct {
	En string `json:"en"`
	Zh string `json:"zh"`
}

// regions is the region list SealTalk clients show, filtered by the
// policy's allowedRegions.
var regions = []struct {
	Region string `json:"region"`
	Locale locale `json:"locale"`
}{
	{"1", locale{"United States / Canada", "美国 / 加拿大"}},
	{"7", locale{"Kazakhstan / Russia", "哈萨克 / 俄罗斯"}},
	{"33", locale{"France", "法国"}},
	{"44", locale{"United Kingdom", "英国"}},
	{"49", locale{"Germany", "德国"}},
	{"61", locale{"Australia", "澳大利亚"}},
	{"65", locale{"Singapore", "新加坡"}},
	{"81", locale{"Japan", "日本"}},
	{"82", locale{"South Korea", "韩国"}},
	{"86", locale{"China", "中国"}},
	{"852", locale{"Hong Kong", "香港"}},
	{"853", locale{"Macau", "澳门"}},
	{"886", locale{"Taiwan", "台湾"}},
}

func (f *Face) regionList(w http.ResponseWriter, r *http.Request, app model.App) {
	p, err := f.svc.RegistrationPolicy(r.Context(), app)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := regions[:0:0]
	for _, reg := range regions {
		if len(p.AllowedRegions) == 0 || slices.Contains(p.AllowedRegions, reg.Region) {
			out = append(out, reg)
		}
	}
	ok(w, out)
}

func (f *Face) checkPhoneAvailable(w http.ResponseWriter, r *http.Request, app model.App) {
	var in phoneRequest
	if !decode(w, r, &in) {
		return
	}
	region, phone := phoneOf(in.Region, in.Phone)
	free, err := f.svc.PhoneAvailable(r.Context(), app, region, phone)
	if err != nil {
		writeError(w, r, err)
		return
	}
	ok(w, free)
}

func (f *Face) register(w http.ResponseWriter, r *http.Request, app model.App) {
	var in struct {
		Nickname          string `json:"nickname"`
		Password          string `json:"password"`
		VerificationToken string `json:"verification_token"`
	}
	if !decode(w, r, &in) {
		return
	}
	u, err := f.svc.RegisterPhoneUser(r.Context(), app, core.PhoneRegistration{
		Nickname: in.Nickname, Password: in.Password, VerificationToken: in.VerificationToken,
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	ok(w, map[string]any{"id": u.Username})
}

func (f *Face) login(w http.ResponseWriter, r *http.Request, app model.App) {
	var in struct {
		phoneRequest
		Password string `json:"password"`
	}
	if !decode(w, r, &in) {
		return
	}
	region, phone := phoneOf(in.Region, in.Phone)
	token, u, err := f.svc.LoginByPhone(r.Context(), app, region, phone, in.Password, device)
	if err != nil {
		writeError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: CookieName, Value: token, Path: "/apps/" + app.Key + "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: int(core.DefaultSessionTTL.Seconds()),
	})
	ok(w, map[string]any{"id": u.Username, "token": token})
}

func (f *Face) logout(w http.ResponseWriter, r *http.Request, c caller) {
	if err := f.svc.RevokeSession(r.Context(), c.app, c.token); err != nil {
		writeError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/apps/" + c.app.Key + "/", MaxAge: -1})
	ok(w, nil)
}

// getToken answers a fresh gateway token for the caller (the seed's
// RongCloud token): a new session on the same device.
func (f *Face) getToken(w http.ResponseWriter, r *http.Request, c caller) {
	token, _, err := f.svc.CreateSession(r.Context(), c.app, c.username, device)
	if err != nil {
		writeError(w, r, err)
		return
	}
	ok(w, map[string]any{"id": c.username, "token": token})
}
