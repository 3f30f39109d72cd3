package sealtalk

import (
	"errors"
	"io"
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

const (
	// imageTarget is get_image_token's target: our own media store, not
	// a cloud bucket.
	imageTarget = "chatserver"
	// uploadPath is where a get_image_token token is spent, under the
	// tenant's /apps/{appKey}/user/.
	uploadPath = "upload_image"
	// mediaDownloadPath is the media store's public, signed download
	// route (README "### Media").
	mediaDownloadPath = "/media/"
	// multipartOverhead is what an upload may carry besides the file.
	multipartOverhead = 64 << 10
)

// getImageToken answers /user/get_image_token: {target, domain, token}.
// domain is this tenant's SealTalk base URL on the host the client
// called; the token uploads one image to {domain}/upload_image within
// core.UploadTokenTTL. POST as the seed says, GET as the SealTalk server
// serves it.
func (f *Face) getImageToken(w http.ResponseWriter, r *http.Request, c caller) {
	t, err := f.svc.IssueUploadToken(r.Context(), c.app, c.username)
	if err != nil {
		writeError(w, err)
		return
	}
	ok(w, map[string]string{
		"target": imageTarget,
		"domain": httpio.AbsoluteURL(r, "/apps/"+c.app.Key+"/user"),
		"token":  t.Token,
	})
}

// uploadImage spends an upload token: a multipart form with the fields
// "token" and "file", as in a Qiniu form upload. It answers the media id
// (key), its etag (hash) and a signed download URL.
func (f *Face) uploadImage(w http.ResponseWriter, r *http.Request, app model.App) {
	r.Body = http.MaxBytesReader(w, r.Body, core.UploadLimit(app)+multipartOverhead)
	file, header, err := r.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, core.ErrMediaTooLarge)
			return
		}
		writeError(w, core.ErrInvalid)
		return
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		writeError(w, core.ErrInvalid)
		return
	}
	m, link, err := f.svc.UploadWithToken(r.Context(), app, r.FormValue("token"), core.MediaUpload{Filename: header.Filename, Data: data})
	if err != nil {
		writeError(w, err)
		return
	}
	ok(w, map[string]any{
		"key":  m.MediaID,
		"hash": m.Hash,
		"url":  httpio.AbsoluteURL(r, mediaDownloadPath+link.Token),
	})
}
