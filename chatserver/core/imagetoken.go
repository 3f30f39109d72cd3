package core

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// Upload tokens let an end user upload one image to the app's media store
// without other credentials (SealTalk get_image_token): a random token,
// stored hashed, valid UploadTokenTTL and spent by the upload it allows.
const (
	UploadTokenTTL = 30 * time.Minute
	uploadTokenMax = 256
)

// ErrUploadTokenInvalid: the upload token is unknown, spent or expired.
var ErrUploadTokenInvalid = newError(KindForbidden, "upload token is invalid, spent or expired")

// UploadToken is a grant to upload one image.
type UploadToken struct {
	Token   string
	Expires time.Time
}

// IssueUploadToken grants username one image upload.
func (s *Service) IssueUploadToken(ctx context.Context, app model.App, username string) (UploadToken, error) {
	token, hash, err := newSecretToken()
	if err != nil {
		return UploadToken{}, err
	}
	now := s.clock()
	expires := now.Add(UploadTokenTTL)
	err = s.store.Write(ctx, func(q *store.Q) error {
		u, err := s.userIn(ctx, q, app, username)
		if err != nil {
			return err
		}
		return q.InsertUploadToken(ctx, app.ID, u.ID, hash, expires, now)
	})
	if err != nil {
		return UploadToken{}, err
	}
	return UploadToken{Token: token, Expires: expires}, nil
}

// CheckUploadToken answers ErrUploadTokenInvalid unless token is live,
// without spending it, so an upload can be refused before its file is
// read: the upload is unauthenticated but for the token.
func (s *Service) CheckUploadToken(ctx context.Context, app model.App, token string) error {
	if token == "" || len(token) > uploadTokenMax {
		return ErrUploadTokenInvalid
	}
	live, err := s.store.Read().UploadTokenLive(ctx, app.ID, tokenHash(token), s.clock())
	if err != nil {
		return fmt.Errorf("checking an upload token of app %s: %w", app.Key, err)
	}
	if !live {
		return ErrUploadTokenInvalid
	}
	return nil
}

// UploadWithToken spends an upload token on one image and answers the
// stored media with a download link. A refused upload (not an image, too
// large) gives the token back, so it can be used again until it expires.
func (s *Service) UploadWithToken(ctx context.Context, app model.App, token string, up MediaUpload) (model.Media, MediaLink, error) {
	if token == "" || len(token) > uploadTokenMax {
		return model.Media{}, MediaLink{}, ErrUploadTokenInvalid
	}
	hash := tokenHash(token)
	var owner int64
	var expires time.Time
	err := s.store.Write(ctx, func(q *store.Q) (err error) {
		owner, expires, err = q.SpendUploadToken(ctx, app.ID, hash, s.clock())
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return model.Media{}, MediaLink{}, ErrUploadTokenInvalid
	}
	if err != nil {
		return model.Media{}, MediaLink{}, fmt.Errorf("spending an upload token of app %s: %w", app.Key, err)
	}
	up.Type = model.MediaImage
	m, err := s.UploadMedia(ctx, app, up)
	if err == nil {
		var link MediaLink
		link, err = s.MediaLink(ctx, app, m.MediaID)
		return m, link, err
	}
	if restore := s.store.Write(ctx, func(q *store.Q) error {
		return q.InsertUploadToken(ctx, app.ID, owner, hash, expires, s.clock())
	}); restore != nil {
		return model.Media{}, MediaLink{}, errors.Join(err, fmt.Errorf("giving the upload token back: %w", restore))
	}
	return model.Media{}, MediaLink{}, err
}
