package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/chat-operator/chat-operator/chatserver/media"
	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// DefaultMediaURLTTL is how long a download link works unless
// WithMediaURLTTL says otherwise.
const DefaultMediaURLTTL = time.Hour

const (
	// mediaSecretLen is the size of a generated signing secret.
	mediaSecretLen = 32
	// voiceFormatMax bounds a voice format taken from a file extension.
	voiceFormatMax = 10
	// defaultFilename names a file uploaded without a usable name.
	defaultFilename = "file"
)

// mediaDeps are the Service's media store and link signer.
type mediaDeps struct {
	blobs  media.Blobs
	secret []byte
	ttl    time.Duration
	signer *media.Signer
}

// WithMediaSecret sets the secret download links are signed with. Every
// replica must use the same one; without it each Service generates its
// own, which suits one process and tests.
func WithMediaSecret(secret []byte) Option {
	return func(s *Service) { s.media.secret = append([]byte(nil), secret...) }
}

// WithMediaURLTTL sets how long download links work (DefaultMediaURLTTL
// when unset).
func WithMediaURLTTL(ttl time.Duration) Option {
	return func(s *Service) { s.media.ttl = ttl }
}

// WithMediaBlobs stores upload bytes in b instead of the database.
func WithMediaBlobs(b media.Blobs) Option {
	return func(s *Service) { s.media.blobs = b }
}

func (d *mediaDeps) init(st *store.Store) {
	if d.blobs == nil {
		d.blobs = media.NewDBBlobs(st)
	}
	if len(d.secret) == 0 {
		d.secret = make([]byte, mediaSecretLen)
		_, _ = rand.Read(d.secret) // crypto/rand never fails; it aborts the process instead
	}
	if d.ttl <= 0 {
		d.ttl = DefaultMediaURLTTL
	}
	d.signer = media.NewSigner(d.secret)
}

// ParseMediaType checks an upload type: "image", "file" or "voice".
func ParseMediaType(s string) (model.MediaType, error) {
	switch t := model.MediaType(s); t {
	case model.MediaImage, model.MediaFile, model.MediaVoice:
		return t, nil
	}
	if s == "" {
		return "", invalidf("the upload type is required: image, file or voice")
	}
	return "", invalidf("upload type %q is not image, file or voice", clip(s))
}

// UploadLimit is the most bytes one upload to the app may have.
func UploadLimit(app model.App) int64 {
	return int64(app.Limits.WithDefaults().UploadBytes)
}

// MediaUpload is one file to store.
type MediaUpload struct {
	Type model.MediaType
	// Filename is the name the client sent; only its base name is kept.
	Filename string
	Data     []byte
}

// UploadMedia checks and stores one file. Images must be jpg, png, gif or
// bmp, judged by their bytes; their size comes from the header. A refused
// upload stores nothing.
func (s *Service) UploadMedia(ctx context.Context, app model.App, up MediaUpload) (model.Media, error) {
	if _, err := ParseMediaType(string(up.Type)); err != nil {
		return model.Media{}, err
	}
	if limit := UploadLimit(app); int64(len(up.Data)) > limit {
		return model.Media{}, fmt.Errorf("%w: the limit is %d bytes", ErrMediaTooLarge, limit)
	}
	if len(up.Data) == 0 {
		return model.Media{}, invalidf("the uploaded file is empty")
	}
	m := model.Media{
		AppID: app.ID, Type: up.Type, Filename: baseName(up.Filename), Size: int64(len(up.Data)),
		CRC32: media.CRC32(up.Data), Hash: media.Etag(up.Data), Created: s.clock(),
	}
	switch up.Type {
	case model.MediaImage:
		info, err := media.ProbeImage(up.Data)
		if err != nil {
			return model.Media{}, invalidf("the file is %v", err)
		}
		m.Format, m.Width, m.Height = info.Format, info.Width, info.Height
	case model.MediaVoice:
		m.Format = voiceFormat(m.Filename)
	case model.MediaFile:
		if m.Filename == "" {
			m.Filename = defaultFilename
		}
	}
	m.MediaID = newMediaID(up.Type)

	if err := s.media.blobs.Put(ctx, app.ID, m.MediaID, up.Data); err != nil {
		return model.Media{}, fmt.Errorf("uploading media to app %s: %w", app.Key, err)
	}
	err := s.store.Write(ctx, func(q *store.Q) error { return q.InsertMedia(ctx, m) })
	if err != nil {
		// The bytes went in first, so a record never points at nothing;
		// take them back out so a failed upload leaves nothing either.
		if derr := s.media.blobs.Delete(context.WithoutCancel(ctx), app.ID, m.MediaID); derr != nil {
			err = errors.Join(err, derr)
		}
		return model.Media{}, fmt.Errorf("recording media %s of app %s: %w", m.MediaID, app.Key, err)
	}
	return m, nil
}

// MediaLink is a signed grant to download one upload, valid until Expires.
// Faces turn Token into a URL; FetchMedia takes it back.
type MediaLink struct {
	Token   string
	Expires time.Time
}

// MediaLink issues a download link for one of the app's uploads.
func (s *Service) MediaLink(ctx context.Context, app model.App, mediaID string) (MediaLink, error) {
	if mediaID == "" {
		return MediaLink{}, invalidf("mediaId is required")
	}
	if _, err := s.mediaByID(ctx, app, mediaID); err != nil {
		return MediaLink{}, err
	}
	g := media.Grant{AppKey: app.Key, MediaID: mediaID, Expires: s.now().Add(s.media.ttl)}
	return MediaLink{Token: s.media.signer.Issue(g), Expires: g.Expires.Truncate(time.Second)}, nil
}

// MediaContent is a download: the upload, its bytes, and when the link
// that fetched it expires.
type MediaContent struct {
	Media   model.Media
	Data    []byte
	Expires time.Time
}

// FetchMedia resolves a download token. It needs no credentials: the
// token's signature is the authorisation, and it names the app.
func (s *Service) FetchMedia(ctx context.Context, token string) (MediaContent, error) {
	g, err := s.media.signer.Check(token, s.now())
	if err != nil {
		return MediaContent{}, fmt.Errorf("%w: %v", ErrMediaLinkInvalid, err)
	}
	app, err := s.store.Read().AppByKey(ctx, g.AppKey)
	if errors.Is(err, store.ErrNotFound) {
		return MediaContent{}, fmt.Errorf("%w: the app is gone", ErrMediaNotFound)
	}
	if err != nil {
		return MediaContent{}, fmt.Errorf("reading app %s: %w", clip(g.AppKey), err)
	}
	if app.Disabled {
		return MediaContent{}, fmt.Errorf("%w: %s", ErrAppDisabled, app.Key)
	}
	m, err := s.mediaByID(ctx, app, g.MediaID)
	if err != nil {
		return MediaContent{}, err
	}
	data, err := s.media.blobs.Get(ctx, app.ID, m.MediaID)
	if errors.Is(err, media.ErrNotFound) {
		return MediaContent{}, fmt.Errorf("%w: %s has no stored bytes", ErrMediaNotFound, clip(m.MediaID))
	}
	if err != nil {
		return MediaContent{}, fmt.Errorf("fetching media %s of app %s: %w", m.MediaID, app.Key, err)
	}
	return MediaContent{Media: m, Data: data, Expires: g.Expires}, nil
}

func (s *Service) mediaByID(ctx context.Context, app model.App, mediaID string) (model.Media, error) {
	m, err := s.store.Read().MediaByID(ctx, app.ID, mediaID)
	if errors.Is(err, store.ErrNotFound) {
		return m, fmt.Errorf("%w: %q", ErrMediaNotFound, clip(mediaID))
	}
	if err != nil {
		return m, fmt.Errorf("reading media %q of app %s: %w", clip(mediaID), app.Key, err)
	}
	return m, nil
}

// newMediaID is the public key of an upload: its type and 128 random bits.
func newMediaID(t model.MediaType) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return string(t) + "/" + hex.EncodeToString(b)
}

// baseName keeps the last element of a client's file name, whichever path
// separator the client used, as printable UTF-8 of at most textMax bytes.
func baseName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = name[strings.LastIndexAny(name, `/\`)+1:]
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name))
	if name == "." || name == ".." {
		return ""
	}
	for len(name) > textMax {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// voiceFormat is the file extension, lower-cased, or "unknown": voice is
// stored as sent, never decoded.
func voiceFormat(filename string) string {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(filename), "."))
	if ext == "" || len(ext) > voiceFormatMax {
		return "unknown"
	}
	for _, c := range ext {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return "unknown"
		}
	}
	return ext
}
