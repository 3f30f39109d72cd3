package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// ErrNoNotify: the engine has no LISTEN/NOTIFY (SQLite, one replica).
var ErrNoNotify = errors.New("the database has no LISTEN/NOTIFY")

// NotifyPayloadMax is PostgreSQL's NOTIFY payload limit, less a margin.
const NotifyPayloadMax = 7900

// listenPoll is how often a listener checks that the store is still open.
const listenPoll = time.Second

// Notify sends payload to every listener of channel, on every replica.
func (s *Store) Notify(ctx context.Context, channel, payload string) error {
	if s.kind != Postgres {
		return ErrNoNotify
	}
	if len(payload) > NotifyPayloadMax {
		return fmt.Errorf("notify payload of %d bytes is over %d", len(payload), NotifyPayloadMax)
	}
	_, err := s.write.ExecContext(ctx, "SELECT pg_notify($1, $2)", channel, payload)
	return err
}

// Listen calls fn with every payload sent to channel until ctx ends or the
// store is closed (then it returns nil). It holds one connection of the
// pool while it runs. Any other error ends it; the caller listens again.
func (s *Store) Listen(ctx context.Context, channel string, fn func(payload string)) error {
	if s.kind != Postgres {
		return ErrNoNotify
	}
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("taking a connection to listen on: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		pc := driverConn.(*stdlib.Conn).Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
			return fmt.Errorf("listening on %s: %w", channel, err)
		}
		for {
			wctx, cancel := context.WithTimeout(ctx, listenPoll)
			n, err := pc.WaitForNotification(wctx)
			cancel()
			switch {
			case err == nil:
				fn(n.Payload)
			case ctx.Err() != nil:
				return ctx.Err()
			case wctx.Err() != nil && !pc.IsClosed():
				// Poll: stop once the store is closed.
				if s.closed(ctx) {
					return nil
				}
			default:
				return fmt.Errorf("waiting for notifications on %s: %w", channel, err)
			}
		}
	})
}

// closed reports whether Close was called: database/sql says so only in
// an error's text.
func (s *Store) closed(ctx context.Context) bool {
	err := s.read.PingContext(ctx)
	return err != nil && strings.Contains(err.Error(), "database is closed")
}

// ChannelFor scopes a notification channel to this store's schema, so
// deployments (or tests) that share a PostgreSQL database through separate
// schemas never hear each other: NOTIFY is database-wide. Names stay
// within PostgreSQL's 63-byte identifier limit.
func (s *Store) ChannelFor(ctx context.Context, base string) (string, error) {
	if s.kind != Postgres {
		return "", ErrNoNotify
	}
	var schema string
	if err := s.read.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return "", fmt.Errorf("reading the current schema: %w", err)
	}
	name := base + "." + schema
	if len(name) > 63 {
		sum := sha256.Sum256([]byte(schema))
		name = base + "." + hex.EncodeToString(sum[:8])
	}
	return name, nil
}
