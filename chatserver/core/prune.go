package core

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/store"
)

// Defaults for PruneOptions.
const (
	DefaultEventRetention = 7 * 24 * time.Hour
	DefaultPruneInterval  = 10 * time.Minute
	defaultPruneBatch     = 1000
)

// PruneOptions says how long the gateway's logs keep their rows.
type PruneOptions struct {
	// Retention: user-log events and client_msg_id claims older than this
	// are deleted (0: DefaultEventRetention). A client that reconnects with
	// a seq older than the oldest kept event is told of the gap; a retry
	// of a send older than this may store a second message.
	Retention time.Duration
	// Interval between pruning rounds (0: DefaultPruneInterval).
	Interval time.Duration
	// Batch is how many rows one delete removes (0: 1,000).
	Batch int
}

func (o PruneOptions) withDefaults() PruneOptions {
	if o.Retention <= 0 {
		o.Retention = DefaultEventRetention
	}
	if o.Interval <= 0 {
		o.Interval = DefaultPruneInterval
	}
	if o.Batch <= 0 {
		o.Batch = defaultPruneBatch
	}
	return o
}

// StartPruning prunes the logs now and then every opts.Interval, from one
// goroutine, until stop is called; stop waits for a round in progress.
// Every replica may run it: deletes by age are idempotent.
func (s *Service) StartPruning(opts PruneOptions) (stop func()) {
	opts = opts.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(opts.Interval)
		defer t.Stop()
		for {
			n, err := s.Prune(ctx, opts)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				slog.Error("Pruning old rows failed", "err", err)
			case n != PruneCounts{}:
				slog.Info("Pruned old rows", "events", n.Events, "clientMsgIDs", n.ClientMsgIDs, "expired", n.Expired)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// PruneCounts is how many rows one Prune deleted.
type PruneCounts struct {
	// Events and ClientMsgIDs older than the retention.
	Events, ClientMsgIDs int64
	// Expired end-user secrets (sessions, verifications, codes, captchas,
	// upload tokens) and counters no limit reads any more (code sends,
	// attempt windows).
	Expired int64
}

// Prune deletes user-log events and client_msg_id claims older than the
// retention, and the end-user rows that are dead (an expired session of a
// user who never logs in again stays otherwise: each login prunes only its
// own user's), in batches of opts.Batch rows, each its own short write.
func (s *Service) Prune(ctx context.Context, opts PruneOptions) (PruneCounts, error) {
	opts = opts.withDefaults()
	now := s.clock()
	cutoff := now.Add(-opts.Retention)
	lim := s.authLimits()
	var n PruneCounts
	steps := []struct {
		what  string
		count *int64
		del   func(q *store.Q) (int64, error)
	}{
		{"user events", &n.Events, func(q *store.Q) (int64, error) { return q.PruneBefore(ctx, store.OldUserEvents, cutoff, opts.Batch) }},
		{"client_msg_ids", &n.ClientMsgIDs, func(q *store.Q) (int64, error) { return q.PruneBefore(ctx, store.OldClientMsgIDs, cutoff, opts.Batch) }},
	}
	for _, e := range []struct {
		table  store.Expiring
		cutoff time.Time
	}{
		{store.ExpiredSessions, now},
		{store.ExpiredVerifications, now},
		{store.ExpiredCodes, now},
		{store.ExpiredCaptchas, now},
		{store.ExpiredUploadTokens, now},
		{store.OldCodeSends, now.Add(-24 * time.Hour)}, // the longest code limit is per day
		{store.OldAuthAttempts, now.Add(-max(lim.AccountWindow, lim.AddressWindow))},
	} {
		steps = append(steps, struct {
			what  string
			count *int64
			del   func(q *store.Q) (int64, error)
		}{e.table.Table, &n.Expired, func(q *store.Q) (int64, error) { return q.PruneBefore(ctx, e.table, e.cutoff, opts.Batch) }})
	}
	for _, step := range steps {
		for {
			var deleted int64
			err := s.store.Write(ctx, func(q *store.Q) error {
				var err error
				deleted, err = step.del(q)
				return err
			})
			if err != nil {
				return n, fmt.Errorf("pruning %s: %w", step.what, err)
			}
			*step.count += deleted
			if deleted < int64(opts.Batch) {
				break
			}
		}
	}
	return n, nil
}
