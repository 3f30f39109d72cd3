package core

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// DefaultAppCacheTTL bounds how stale another replica's view of an app may
// be: a secret rotation, a disable or a word-list change made through one
// replica is seen by every other within this time. The replica that makes
// a change sees it at once.
const DefaultAppCacheTTL = time.Second

// WithAppCacheTTL sets how long an app row read for authentication is
// reused; 0 reads it on every request.
func WithAppCacheTTL(ttl time.Duration) Option {
	return func(s *Service) { s.apps.ttl = ttl }
}

// appCache saves the app lookup that every admin request starts with.
type appCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]appEntry
}

type appEntry struct {
	app  model.App
	read time.Time
}

func newAppCache() *appCache {
	return &appCache{ttl: DefaultAppCacheTTL, m: make(map[string]appEntry)}
}

func (c *appCache) get(key string, now time.Time) (model.App, bool) {
	if c.ttl <= 0 {
		return model.App{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[strings.ToLower(key)]
	if !ok || now.Sub(e.read) >= c.ttl || now.Before(e.read) {
		return model.App{}, false
	}
	return e.app, true
}

func (c *appCache) put(a model.App, now time.Time) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	c.m[strings.ToLower(a.Key)] = appEntry{app: a, read: now}
	c.mu.Unlock()
}

// forget drops an app after this replica changed it.
func (c *appCache) forget(key string) {
	c.mu.Lock()
	delete(c.m, strings.ToLower(key))
	c.mu.Unlock()
}

// changeApp runs a write that changes the app's own row (its switches or
// words version), then drops this replica's cached copy.
func (s *Service) changeApp(ctx context.Context, app model.App, fn func(q *store.Q) error) error {
	defer s.apps.forget(app.Key)
	return s.store.Write(ctx, fn)
}
