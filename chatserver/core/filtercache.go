package core

import (
	"context"
	"fmt"
	"sync"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/wordfilter"
)

// filterCache keeps one compiled filter per app. A filter is rebuilt only
// when the app's words_version moves, which every word change does in the
// same transaction; since the version lives in the database, a change made
// on any replica invalidates every replica's copy.
type filterCache struct {
	mu      sync.Mutex
	entries map[int64]filterEntry
}

type filterEntry struct {
	version int64
	filter  *wordfilter.Filter
}

func newFilterCache() *filterCache {
	return &filterCache{entries: make(map[int64]filterEntry)}
}

func (c *filterCache) get(ctx context.Context, st *store.Store, app model.App) (*wordfilter.Filter, error) {
	c.mu.Lock()
	e, ok := c.entries[app.ID]
	c.mu.Unlock()
	if ok && e.version == app.WordsVersion {
		return e.filter, nil
	}
	words, err := st.Read().AllWords(ctx, app.ID)
	if err != nil {
		return nil, fmt.Errorf("loading sensitive words of app %s: %w", app.Key, err)
	}
	f := wordfilter.New(words)
	c.mu.Lock()
	// Keep the newest version if another request built one meanwhile.
	if cur, ok := c.entries[app.ID]; !ok || cur.version <= app.WordsVersion {
		c.entries[app.ID] = filterEntry{version: app.WordsVersion, filter: f}
	}
	c.mu.Unlock()
	return f, nil
}

func (c *filterCache) forget(appID int64) {
	c.mu.Lock()
	delete(c.entries, appID)
	c.mu.Unlock()
}
