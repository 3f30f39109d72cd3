package jmessage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
	"github.com/chat-operator/chat-operator/chatserver/media"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

const (
	// uploadField is the multipart field that carries the file
	// (curl -F "filename=@/home/test.jpg").
	uploadField = "filename"
	// multipartOverhead is what an upload body may carry besides the file:
	// boundaries, part headers and small form fields.
	multipartOverhead = 64 << 10
	// downloadPath is where signed download links point. It takes no
	// Basic auth: the token in the path is the authorisation.
	downloadPath = "/media/"
)

// registerMedia adds the resource endpoints, and the public download route
// their links point at.
func (f *Face) registerMedia(mux httpio.Mux, handle func(string, appHandler)) {
	handle("POST /v1/resource", f.uploadMedia)
	handle("GET /v1/resource", f.mediaURL)
	mux.HandleFunc("GET "+downloadPath+"{token}", f.downloadMedia)
}

// uploadMedia: POST /v1/resource?type=image|file|voice, the file in the
// multipart field "filename". The body is cut off just past the app's
// upload limit, so an oversized upload is refused without being read whole.
func (f *Face) uploadMedia(w http.ResponseWriter, r *http.Request, app model.App) {
	typ, err := core.ParseMediaType(r.URL.Query().Get("type"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	limit := core.UploadLimit(app)
	r.Body = http.MaxBytesReader(w, r.Body, limit+multipartOverhead)
	name, data, err := readUpload(r, limit)
	if err != nil {
		writeError(w, r, err)
		return
	}
	m, err := f.svc.UploadMedia(r.Context(), app, core.MediaUpload{Type: typ, Filename: name, Data: data})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, renderMedia(m))
}

// readUpload returns the first part named uploadField, reading at most one
// byte past limit of it.
func readUpload(r *http.Request, limit int64) (filename string, data []byte, err error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, invalidBody(`the body must be multipart/form-data with the file in the field "filename"`)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return "", nil, invalidBody(`the multipart field "filename" with the file is missing`)
		}
		if err != nil {
			return "", nil, uploadReadError(err, limit)
		}
		if part.FormName() != uploadField {
			continue // NextPart skips the rest of this part
		}
		data, err := io.ReadAll(io.LimitReader(part, limit+1))
		if err != nil {
			return "", nil, uploadReadError(err, limit)
		}
		if int64(len(data)) > limit {
			return "", nil, fmt.Errorf("%w: the limit is %d bytes", core.ErrMediaTooLarge, limit)
		}
		return part.FileName(), data, nil
	}
}

func uploadReadError(err error, limit int64) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return fmt.Errorf("%w: the limit is %d bytes", core.ErrMediaTooLarge, limit)
	}
	return invalidBody(fmt.Sprintf("malformed multipart body: %v", err))
}

// The seed's upload answers, one shape per type.
type (
	imageJSON struct {
		MediaID string `json:"media_id"`
		CRC32   uint32 `json:"media_crc32"`
		Width   int    `json:"width"`
		Height  int    `json:"height"`
		Format  string `json:"format"`
		Fsize   int64  `json:"fsize"`
		Hash    string `json:"hash"`
	}
	fileJSON struct {
		MediaID string `json:"media_id"`
		CRC32   uint32 `json:"media_crc32"`
		Fname   string `json:"fname"`
		Fsize   int64  `json:"fsize"`
		Hash    string `json:"hash"`
	}
	voiceJSON struct {
		MediaID string `json:"media_id"`
		CRC32   uint32 `json:"media_crc32"`
		Hash    string `json:"hash"`
		Format  string `json:"format"`
		Fsize   int64  `json:"fsize"`
	}
)

func renderMedia(m model.Media) any {
	switch m.Type {
	case model.MediaImage:
		return imageJSON{MediaID: m.MediaID, CRC32: m.CRC32, Width: m.Width, Height: m.Height, Format: m.Format, Fsize: m.Size, Hash: m.Hash}
	case model.MediaVoice:
		return voiceJSON{MediaID: m.MediaID, CRC32: m.CRC32, Hash: m.Hash, Format: m.Format, Fsize: m.Size}
	default:
		return fileJSON{MediaID: m.MediaID, CRC32: m.CRC32, Fname: m.Filename, Fsize: m.Size, Hash: m.Hash}
	}
}

// mediaURL: GET /v1/resource?mediaId= answers {"url"}, an absolute, signed
// link to the download route that expires.
func (f *Face) mediaURL(w http.ResponseWriter, r *http.Request, app model.App) {
	id := r.URL.Query().Get("mediaId")
	if id == "" {
		writeError(w, r, invalidParam("mediaId", id))
		return
	}
	link, err := f.svc.MediaLink(r.Context(), app, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"url": httpio.AbsoluteURL(r, downloadPath+link.Token)})
}

// downloadMedia: GET /media/{token}, the public download route. Uploads are
// tenant content served from our origin, so nothing is ever served as a
// type a browser would run, and files come as attachments.
func (f *Face) downloadMedia(w http.ResponseWriter, r *http.Request) {
	c, err := f.svc.FetchMedia(r.Context(), r.PathValue("token"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", media.ContentType(c.Media))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private")
	h.Set("Expires", c.Expires.UTC().Format(http.TimeFormat))
	h.Set("ETag", `"`+c.Media.Hash+`"`)
	if c.Media.Type == model.MediaFile {
		disposition := mime.FormatMediaType("attachment", map[string]string{"filename": c.Media.Filename})
		if disposition == "" {
			disposition = "attachment"
		}
		h.Set("Content-Disposition", disposition)
	}
	// ServeContent adds Content-Length, Last-Modified, ranges and
	// conditional requests.
	http.ServeContent(w, r, "", c.Media.Created, bytes.NewReader(c.Data))
}
