package sealtalk

import (
	"net/http"
	"strings"

	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

// captchaPath is where a captcha's PNG is served, under the tenant's
// /apps/{appKey}/user/: sms_img_code/{verifyId}.png.
const captchaPath = "sms_img_code/"

// smsImgCode answers /user/get_sms_img_code: a new image captcha,
// {url, verifyId}. url serves the PNG (no login needed: the id is the
// grant). POST as the seed says, GET as the SealTalk server serves it.
func (f *Face) smsImgCode(w http.ResponseWriter, r *http.Request, app model.App) {
	c, err := f.svc.NewCaptcha(r.Context(), app)
	if err != nil {
		writeError(w, r, err)
		return
	}
	ok(w, map[string]string{
		"url":      httpio.AbsoluteURL(r, "/apps/"+app.Key+"/user/"+captchaPath+c.ID+".png"),
		"verifyId": c.ID,
	})
}

// smsImgCodeImage serves a live captcha's PNG.
func (f *Face) smsImgCodeImage(w http.ResponseWriter, r *http.Request, app model.App) {
	id, _ := strings.CutSuffix(r.PathValue("file"), ".png")
	png, err := f.svc.CaptchaImage(r.Context(), app, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(png)
}
