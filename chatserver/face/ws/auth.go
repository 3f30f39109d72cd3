package ws

import (
	"context"
)

// sessionToken resolves an end-user session token issued by any dialect.
// core.SessionByToken refuses unknown, expired, revoked and other
// tenants' tokens with ErrSessionInvalid (401) and a disabled tenant with
// ErrAppDisabled (403).
func (f *Face) sessionToken(ctx context.Context, appKey, token string) (Identity, error) {
	app, sess, err := f.svc.SessionByToken(ctx, appKey, token)
	if err != nil {
		return Identity{}, err
	}
	return Identity{App: app, UserID: sess.UserID, Username: sess.Username, Device: sess.Device, SessionID: sess.ID,
		Expires: sess.Expires}, nil
}
