package store

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStatements bounds the cache: queries with IN lists have one
// text per list length, and those past the bound simply run unprepared.
const maxCachedStatements = 512

// stmtCache keeps one prepared statement per query text. SQLite parses and
// plans every unprepared query, which costs more than running a point
// query, so on SQLite the store prepares each text once. PostgreSQL's
// driver (pgx) already caches prepared statements per connection, so it
// gets no cache.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: make(map[string]*sql.Stmt)}
}

// get returns the prepared statement for query, preparing it on first use;
// nil means "run it unprepared" (cache full, or preparing failed, in which
// case running it reports the error).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	c.mu.RLock()
	st, ok := c.m[query]
	c.mu.RUnlock()
	if ok {
		return st
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m) >= maxCachedStatements {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.m[query] = st
	return st
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		_ = st.Close()
		delete(c.m, q)
	}
}
