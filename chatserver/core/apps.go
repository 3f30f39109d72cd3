package core

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"regexp"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// keyPattern is the format of appKeys and masterSecrets: the official
// JMessage clients reject anything else.
var keyPattern = regexp.MustCompile(`^[A-Za-z0-9]{24}$`)

// ValidKey reports whether s has the appKey/masterSecret format.
func ValidKey(s string) bool { return keyPattern.MatchString(s) }

// limitCeilings bound what the platform may declare, so one tenant cannot
// be configured into exhausting the server.
var limitCeilings = model.Limits{
	SensitiveWords:         100_000,
	SensitiveWordLength:    100,
	BatchRegister:          5_000,
	BatchDelete:            5_000,
	FriendsPerCall:         5_000,
	MsgBodyBytes:           1 << 20,
	UploadBytes:            1 << 30,
	GroupMembers:           100_000,
	ChatroomMembers:        1_000_000,
	ChatroomMembersPerCall: 10_000,
}

// AppSpec is the declared state of a tenant, as the operator sends it.
type AppSpec struct {
	Key          string
	MasterSecret string
	Limits       model.Limits
	Features     model.Features
	Disabled     bool
}

func (spec AppSpec) validate() error {
	if !ValidKey(spec.Key) {
		return invalidf("appKey must be exactly 24 letters or digits")
	}
	if !ValidKey(spec.MasterSecret) {
		return invalidf("masterSecret must be exactly 24 letters or digits")
	}
	if err := checkLimits(spec.Limits); err != nil {
		return err
	}
	for _, k := range spec.Features.CrossAppAllowed {
		if !ValidKey(k) {
			return invalidf("features.crossAppAllowed: %q is not an appKey", clip(k))
		}
	}
	return nil
}

func checkLimits(l model.Limits) error {
	for _, f := range []struct {
		name    string
		v, ceil int
	}{
		{"sensitiveWords", l.SensitiveWords, limitCeilings.SensitiveWords},
		{"sensitiveWordLength", l.SensitiveWordLength, limitCeilings.SensitiveWordLength},
		{"batchRegister", l.BatchRegister, limitCeilings.BatchRegister},
		{"batchDelete", l.BatchDelete, limitCeilings.BatchDelete},
		{"friendsPerCall", l.FriendsPerCall, limitCeilings.FriendsPerCall},
		{"msgBodyBytes", l.MsgBodyBytes, limitCeilings.MsgBodyBytes},
		{"uploadBytes", l.UploadBytes, limitCeilings.UploadBytes},
		{"groupMembers", l.GroupMembers, limitCeilings.GroupMembers},
		{"chatroomMembers", l.ChatroomMembers, limitCeilings.ChatroomMembers},
		{"chatroomMembersPerCall", l.ChatroomMembersPerCall, limitCeilings.ChatroomMembersPerCall},
	} {
		if f.v < 0 || f.v > f.ceil {
			return invalidf("limits.%s must be between 1 and %d (0 or omitted means the default)", f.name, f.ceil)
		}
	}
	return nil
}

// PutApp creates the tenant or replaces its declared state. Omitted limits
// take their defaults; created tells which happened.
func (s *Service) PutApp(ctx context.Context, spec AppSpec) (app model.App, created bool, err error) {
	if err := spec.validate(); err != nil {
		return model.App{}, false, err
	}
	hash, err := hashSecret(spec.MasterSecret)
	if err != nil {
		return model.App{}, false, err
	}
	spec.Features.CrossAppAllowed = dedupe(spec.Features.CrossAppAllowed)
	a := model.App{
		Key: spec.Key, SecretHash: hash, Limits: spec.Limits.WithDefaults(),
		Features: spec.Features, Disabled: spec.Disabled, Updated: s.clock(),
	}
	var wasEnabled bool
	err = s.store.Write(ctx, func(q *store.Q) error {
		prev, err := q.AppByKey(ctx, spec.Key)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		wasEnabled = err == nil && !prev.Disabled
		if created, err = q.PutApp(ctx, a); err != nil {
			return err
		}
		app, err = q.AppByKey(ctx, spec.Key)
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		// Two creates raced; the other won, so this one is an update.
		return s.PutApp(ctx, spec)
	}
	s.apps.forget(spec.Key)
	if err != nil {
		return model.App{}, false, fmt.Errorf("putting app %s: %w", spec.Key, err)
	}
	if wasEnabled && app.Disabled {
		s.announceAppClosed(ctx, app, LogoutReasonAppDisabled)
	}
	return app, created, nil
}

// GetApp returns a tenant by key.
func (s *Service) GetApp(ctx context.Context, key string) (model.App, error) {
	a, err := s.store.Read().AppByKey(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return a, fmt.Errorf("%w: %s", ErrAppNotFound, clip(key))
	}
	if err != nil {
		return a, fmt.Errorf("reading app %s: %w", clip(key), err)
	}
	return a, nil
}

// ListApps returns every tenant.
func (s *Service) ListApps(ctx context.Context) ([]model.App, error) {
	apps, err := s.store.Read().ListApps(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing apps: %w", err)
	}
	return apps, nil
}

// DeleteApp disables the tenant, keeping its data, or with purge removes
// the tenant and every row it owns.
func (s *Service) DeleteApp(ctx context.Context, key string, purge bool) error {
	a, err := s.GetApp(ctx, key)
	if err != nil {
		return err
	}
	defer s.apps.forget(a.Key)
	err = s.store.Write(ctx, func(q *store.Q) error {
		if purge {
			return q.PurgeApp(ctx, a.ID)
		}
		return q.SetAppDisabled(ctx, a.ID, true, s.clock())
	})
	if err != nil {
		return fmt.Errorf("deleting app %s (purge=%t): %w", key, purge, err)
	}
	s.filters.forget(a.ID)
	s.apps.forget(a.Key) // before the announcement: a send racing it must see the change
	reason := LogoutReasonAppDisabled
	if purge {
		reason = LogoutReasonAppDeleted
	}
	s.announceAppClosed(ctx, a, reason)
	return nil
}

// Authenticate resolves Basic-auth credentials to an enabled tenant.
func (s *Service) Authenticate(ctx context.Context, key, secret string) (model.App, error) {
	if !ValidKey(key) {
		// No such app can exist; no lookup, the same work as a miss.
		secretMatches([]byte{}, secret)
		return model.App{}, ErrUnauthorized
	}
	now := s.clock()
	a, ok := s.apps.get(key, now)
	var err error
	if !ok {
		a, err = s.store.Read().AppByKey(ctx, key)
		if err == nil {
			s.apps.put(a, now)
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		// Burn the same work as a real check, so timing does not reveal
		// which appKeys exist.
		secretMatches([]byte{}, secret)
		return model.App{}, ErrUnauthorized
	}
	if err != nil {
		return model.App{}, fmt.Errorf("authenticating app %s: %w", clip(key), err)
	}
	if !secretMatches(a.SecretHash, secret) {
		return model.App{}, ErrUnauthorized
	}
	if a.Disabled {
		return model.App{}, fmt.Errorf("%w: %s", ErrAppDisabled, a.Key)
	}
	return a, nil
}

// The masterSecret is 24 random letters and digits (about 143 bits), so a
// salted SHA-256 is as strong as a slow hash here, and cheap enough to run
// on every admin request.
const secretSaltLen = 16

func hashSecret(secret string) ([]byte, error) {
	salt := make([]byte, secretSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("generating salt: %w", err)
	}
	sum := sha256.Sum256(append(append([]byte{}, salt...), secret...))
	return append(salt, sum[:]...), nil
}

func secretMatches(stored []byte, secret string) bool {
	salt := make([]byte, secretSaltLen)
	want := make([]byte, sha256.Size)
	if len(stored) == secretSaltLen+sha256.Size {
		copy(salt, stored[:secretSaltLen])
		copy(want, stored[secretSaltLen:])
	}
	sum := sha256.Sum256(append(salt, secret...))
	return subtle.ConstantTimeCompare(sum[:], want) == 1 && len(stored) == secretSaltLen+sha256.Size
}
