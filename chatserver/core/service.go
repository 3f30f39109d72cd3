package core

import (
	"context"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/passhash"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// Service is the domain. One instance serves every tenant.
type Service struct {
	store   *store.Store
	now     func() time.Time
	filters *filterCache
	events  *Bus
	apps    *appCache
	// hashPasswords is replaceable so tests of other rules need not pay for
	// the slow hash.
	hashPasswords func(ctx context.Context, passwords []string) ([]string, error)
	// media is where upload bytes go and how download links are signed;
	// see media.go.
	media mediaDeps
	// endUsers configures sessions, verification codes and SMS; see
	// sessions.go.
	endUsers endUserDeps
	// authLimitsOverride replaces DefaultAuthLimits; see authlimits.go.
	authLimitsOverride *AuthLimits
}

// Option customises a Service.
type Option func(*Service)

// WithClock injects the time source, so tests can control time.
func WithClock(now func() time.Time) Option {
	return func(s *Service) { s.now = now }
}

// New builds the domain on top of a migrated store.
func New(st *store.Store, opts ...Option) *Service {
	s := &Service{
		store:         st,
		now:           time.Now,
		filters:       newFilterCache(),
		events:        newBus(),
		apps:          newAppCache(),
		hashPasswords: passhash.HashMany,
	}
	for _, o := range opts {
		o(s)
	}
	s.media.init(st)
	return s
}

// Store exposes the store for operations that are not the domain's concern
// (readiness, schema version).
func (s *Service) Store() *store.Store { return s.store }

// Events is the bus every end-user event is published on.
func (s *Service) Events() *Bus { return s.events }

// clock returns the current time at millisecond precision, the precision
// the store keeps, so values read back compare equal.
func (s *Service) clock() time.Time {
	return s.now().Truncate(time.Millisecond)
}
