package core

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/sms"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// DefaultSessionTTL is how long an end-user session lasts unless
// WithSessionTTL says otherwise.
const DefaultSessionTTL = 30 * 24 * time.Hour

// WithSessionTTL sets how long a session token stays valid after login.
func WithSessionTTL(ttl time.Duration) Option {
	return func(s *Service) { s.endUsers.sessionTTL = ttl }
}

// endUserDeps holds the end-user settings (sessions, codes, SMS); zero
// values mean the defaults.
type endUserDeps struct {
	sessionTTL time.Duration
	sms        sms.Sender
}

func (s *Service) sessionTTL() time.Duration {
	if s.endUsers.sessionTTL > 0 {
		return s.endUsers.sessionTTL
	}
	return DefaultSessionTTL
}

const (
	// sessionTokenBytes of randomness: 256 bits, far beyond guessing.
	sessionTokenBytes = 32
	// sessionTokenMax bounds a presented token before it is hashed; a
	// real one is 43 characters.
	sessionTokenMax = 256
	deviceMax       = 32
)

// newSecretToken returns a random URL-safe token and its SHA-256, which is
// all the store ever keeps.
func newSecretToken() (token string, hash []byte, err error) {
	b := make([]byte, sessionTokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("generating token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, tokenHash(token), nil
}

func tokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// checkDevice: a short platform name such as "a", "i", "pc" or "web".
func checkDevice(d string) error {
	if len(d) < 1 || len(d) > deviceMax {
		return invalidf("device must be 1-%d bytes", deviceMax)
	}
	for i := 0; i < len(d); i++ {
		c := d[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return invalidf("device %q may hold only letters, digits, _ - .", clip(d))
		}
	}
	return nil
}

// CreateSession logs a user in on a device: it returns a new opaque token,
// valid for the session TTL, and the session it names. Checking the
// user's credentials is the caller's business.
func (s *Service) CreateSession(ctx context.Context, app model.App, username, device string) (string, model.Session, error) {
	if err := checkDevice(device); err != nil {
		return "", model.Session{}, err
	}
	token, hash, err := newSecretToken()
	if err != nil {
		return "", model.Session{}, err
	}
	now := s.clock()
	sess := model.Session{AppID: app.ID, Username: username, Device: device, Created: now, Expires: now.Add(s.sessionTTL())}
	err = s.store.Write(ctx, func(q *store.Q) error {
		u, err := s.userIn(ctx, q, app, username)
		if err != nil {
			return err
		}
		if u.Forbidden {
			return fmt.Errorf("%w: %s", ErrUserForbidden, clip(username))
		}
		sess.UserID = u.ID
		if err := q.DeleteExpiredSessions(ctx, app.ID, u.ID, now); err != nil {
			return fmt.Errorf("pruning expired sessions: %w", err)
		}
		sess.ID, err = q.InsertSession(ctx, sess, hash)
		return err
	})
	if err != nil {
		return "", model.Session{}, fmt.Errorf("creating a session for %s in app %s: %w", clip(username), app.Key, err)
	}
	return token, sess, nil
}

// SessionByToken resolves a token presented to the tenant appKey. A token
// that is unknown, expired, revoked or issued by another tenant is
// ErrSessionInvalid; a disabled tenant is ErrAppDisabled.
func (s *Service) SessionByToken(ctx context.Context, appKey, token string) (model.App, model.Session, error) {
	app, err := s.appByKey(ctx, appKey)
	if errors.Is(err, store.ErrNotFound) {
		return model.App{}, model.Session{}, fmt.Errorf("%w: unknown app %s", ErrSessionInvalid, clip(appKey))
	}
	if err != nil {
		return model.App{}, model.Session{}, fmt.Errorf("reading app %s: %w", clip(appKey), err)
	}
	if app.Disabled {
		return model.App{}, model.Session{}, fmt.Errorf("%w: %s", ErrAppDisabled, app.Key)
	}
	if token == "" || len(token) > sessionTokenMax {
		return model.App{}, model.Session{}, ErrSessionInvalid
	}
	sess, err := s.store.Read().SessionByTokenHash(ctx, app.ID, tokenHash(token), s.clock())
	if errors.Is(err, store.ErrNotFound) {
		return model.App{}, model.Session{}, ErrSessionInvalid
	}
	if err != nil {
		return model.App{}, model.Session{}, fmt.Errorf("reading session in app %s: %w", app.Key, err)
	}
	return app, sess, nil
}

// appByKey reads an app through the same short cache as Authenticate.
func (s *Service) appByKey(ctx context.Context, key string) (model.App, error) {
	now := s.clock()
	if a, ok := s.apps.get(key, now); ok {
		return a, nil
	}
	a, err := s.store.Read().AppByKey(ctx, key)
	if err != nil {
		return a, err
	}
	s.apps.put(a, now)
	return a, nil
}

// RevokeSession logs one session out. A token the app does not know (or
// knows no longer) is ErrSessionInvalid.
func (s *Service) RevokeSession(ctx context.Context, app model.App, token string) error {
	if token == "" || len(token) > sessionTokenMax {
		return ErrSessionInvalid
	}
	var ended model.Session
	err := s.store.Write(ctx, func(q *store.Q) error {
		hash := tokenHash(token)
		sess, err := q.SessionByTokenHash(ctx, app.ID, hash, s.clock())
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		ended = sess
		return q.DeleteSession(ctx, app.ID, hash)
	})
	if errors.Is(err, store.ErrNotFound) {
		return ErrSessionInvalid
	}
	if err != nil {
		return fmt.Errorf("revoking a session in app %s: %w", app.Key, err)
	}
	if ended.ID != 0 {
		s.announceLogout(ctx, app, ended.UserID, []int64{ended.ID}, LogoutReasonLogout)
	}
	return nil
}

// RevokeUserSessions logs a user out everywhere.
func (s *Service) RevokeUserSessions(ctx context.Context, app model.App, userID int64) error {
	var ended []int64
	err := s.store.Write(ctx, func(q *store.Q) error {
		var err error
		ended, err = s.endUserSessions(ctx, q, app.ID, userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("revoking the sessions of user %d in app %s: %w", userID, app.Key, err)
	}
	s.announceLogout(ctx, app, userID, ended, LogoutReasonRevoked)
	return nil
}

// Why a forced_logout event ended a session.
const (
	LogoutReasonLogout          = "logout"
	LogoutReasonRevoked         = "revoked"
	LogoutReasonPasswordChanged = "password_changed"
	LogoutReasonForbidden       = "forbidden"
	LogoutReasonUserDeleted     = "user_deleted"
	// LogoutReasonAppDisabled and LogoutReasonAppDeleted end every session
	// of a tenant that was disabled or purged.
	LogoutReasonAppDisabled = "app_disabled"
	LogoutReasonAppDeleted  = "app_deleted"
)

// endUserSessions deletes every session of a user inside a write and
// returns the ids of those that were live, for announceLogout once the
// write commits.
func (s *Service) endUserSessions(ctx context.Context, q *store.Q, appID, userID int64) ([]int64, error) {
	live, err := q.SessionsOf(ctx, appID, userID, s.clock())
	if err != nil {
		return nil, err
	}
	if _, err := q.DeleteUserSessions(ctx, appID, userID); err != nil {
		return nil, err
	}
	ids := make([]int64, len(live))
	for i, l := range live {
		ids[i] = l.ID
	}
	return ids, nil
}

// announceLogout publishes a forced logout of the given sessions, after
// the write that ended them committed, so connections on them close at
// once (the gateway's heartbeat would otherwise find out later). It
// names the sessions, not the user: a login that follows is not touched.
func (s *Service) announceLogout(ctx context.Context, app model.App, userID int64, sessions []int64, reason string) {
	if len(sessions) == 0 {
		return
	}
	s.events.Publish(ctx, Event{Kind: EventForcedLogout, AppID: app.ID, AppKey: app.Key,
		Recipients: []Recipient{{UserID: userID, AppID: app.ID}}, Sessions: sessions, Reason: reason, At: s.clock()})
}

// announceUsersDeleted closes every connection of users who were deleted,
// after the delete committed. Their session rows went with them, so there
// are no ids to name: the event ends all of the users' sessions.
func (s *Service) announceUsersDeleted(ctx context.Context, app model.App, userIDs []int64) {
	if len(userIDs) == 0 {
		return
	}
	to := make([]Recipient, len(userIDs))
	for i, id := range userIDs {
		to[i] = Recipient{UserID: id, AppID: app.ID}
	}
	s.events.Publish(ctx, Event{Kind: EventForcedLogout, AppID: app.ID, AppKey: app.Key, Recipients: to,
		AllSessions: true, Reason: LogoutReasonUserDeleted, At: s.clock()})
}

// announceAppClosed closes every connection of a tenant that was disabled
// or purged (reason), after the change committed, on every replica: one
// delivery addressed to the whole app, not one per user.
func (s *Service) announceAppClosed(ctx context.Context, app model.App, reason string) {
	s.events.Publish(ctx, Event{Kind: EventForcedLogout, AppID: app.ID, AppKey: app.Key,
		Recipients: []Recipient{{UserID: WholeApp, AppID: app.ID}}, AllSessions: true, Reason: reason, At: s.clock()})
}

// UserSessions lists a user's live sessions, oldest first.
func (s *Service) UserSessions(ctx context.Context, app model.App, userID int64) ([]model.Session, error) {
	ss, err := s.store.Read().SessionsOf(ctx, app.ID, userID, s.clock())
	if err != nil {
		return nil, fmt.Errorf("listing the sessions of user %d in app %s: %w", userID, app.Key, err)
	}
	if ss == nil {
		ss = []model.Session{}
	}
	return ss, nil
}
