package sealtalk

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
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
		writeError(w, r, err)
		return
	}
	ok(w, map[string]string{
		"target": imageTarget,
		"domain": httpio.AbsoluteURL(r, "/apps/"+c.app.Key+"/user"),
		"token":  t.Token,
	})
}

// uploadImage spends an upload token: a multipart form with the fields
// "token" and "file", as in a Qiniu form upload, where the file comes
// last. It answers the media id (key), its etag (hash) and a signed
// download URL.
//
// The route is unauthenticated but for the token, so the token is checked
// before any of the file is read (from ?token= or the form's token field,
// which must come before the file, as Qiniu requires), and the file is
// read within the app's upload limit as it streams: a stranger's upload
// costs a header's worth of work.
func (f *Face) uploadImage(w http.ResponseWriter, r *http.Request, app model.App) {
	r.Body = http.MaxBytesReader(w, r.Body, core.UploadLimit(app)+multipartOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		refuseUnread(w, r, fmt.Errorf("%w: the body must be multipart/form-data with token and file", core.ErrInvalid))
		return
	}
	token := r.URL.Query().Get("token")
	for {
		part, err := mr.NextPart()
		if err != nil {
			refuseUnread(w, r, uploadReadError(err, "the form has no file part"))
			return
		}
		switch part.FormName() {
		case "token":
			v, err := io.ReadAll(io.LimitReader(part, maxTokenField+1))
			if err != nil || len(v) > maxTokenField {
				refuseUnread(w, r, core.ErrUploadTokenInvalid)
				return
			}
			token = string(v)
		case "file":
			if token == "" {
				refuseUnread(w, r, fmt.Errorf("%w: send the token in ?token= or in a token field before the file",
					core.ErrUploadTokenInvalid))
				return
			}
			if err := f.svc.CheckUploadToken(r.Context(), app, token); err != nil {
				refuseUnread(w, r, err)
				return
			}
			f.storeUpload(w, r, app, token, part)
			return
		}
		// Other fields (key, x:vars) are Qiniu's; they do not matter here.
	}
}

// maxTokenField bounds the form's token field.
const maxTokenField = 1024

// storeUpload reads the file part within the app's limit and spends the
// token on it.
func (f *Face) storeUpload(w http.ResponseWriter, r *http.Request, app model.App, token string, part *multipart.Part) {
	limit := core.UploadLimit(app)
	data, err := io.ReadAll(io.LimitReader(part, limit+1))
	if err != nil {
		refuseUnread(w, r, uploadReadError(err, "the file could not be read"))
		return
	}
	if int64(len(data)) > limit {
		refuseUnread(w, r, core.ErrMediaTooLarge)
		return
	}
	m, link, err := f.svc.UploadWithToken(r.Context(), app, token, core.MediaUpload{Filename: part.FileName(), Data: data})
	if err != nil {
		writeError(w, r, err)
		return
	}
	ok(w, map[string]any{
		"key":  m.MediaID,
		"hash": m.Hash,
		"url":  httpio.AbsoluteURL(r, mediaDownloadPath+link.Token),
	})
}

// refuseUnread answers a request (an upload, a public request over the
// address's cap) that is refused before its body was read to the end, and
// closes the connection after the answer: net/http
// would otherwise read on (up to 256 KB) for the connection's next
// request before writing the answer, and a client that keeps sending
// would wait for ever.
func refuseUnread(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Connection", "close")
	writeError(w, r, err)
}

// uploadReadError tells a body over the limit from a broken one.
func uploadReadError(err error, what string) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return core.ErrMediaTooLarge
	}
	return fmt.Errorf("%w: %s", core.ErrInvalid, what)
}
