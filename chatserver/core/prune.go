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
			events, claims, err := s.Prune(ctx, opts)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				slog.Error("Pruning the gateway's logs failed", "err", err)
			case events+claims > 0:
				slog.Info("Pruned the gateway's logs", "events", events, "clientMsgIDs", claims)
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

// Prune deletes user-log events and client_msg_id claims older than the
// retention, in batches of opts.Batch rows, each its own short write, and
// returns how many of each it deleted.
func (s *Service) Prune(ctx context.Context, opts PruneOptions) (events, claims int64, err error) {
	opts = opts.withDefaults()
	cutoff := s.clock().Add(-opts.Retention)
	for _, step := range []struct {
		what  string
		count *int64
		del   func(q *store.Q) (int64, error)
	}{
		{"user events", &events, func(q *store.Q) (int64, error) { return q.PruneUserEvents(ctx, cutoff, opts.Batch) }},
		{"client_msg_ids", &claims, func(q *store.Q) (int64, error) { return q.PruneClientMsgIDs(ctx, cutoff, opts.Batch) }},
	} {
		for {
			var n int64
			err := s.store.Write(ctx, func(q *store.Q) error {
				var err error
				n, err = step.del(q)
				return err
			})
			if err != nil {
				return events, claims, fmt.Errorf("pruning %s: %w", step.what, err)
			}
			*step.count += n
			if n < int64(opts.Batch) {
				break
			}
		}
	}
	return events, claims, nil
}
