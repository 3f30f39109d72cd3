package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// A write transaction that loses a race on PostgreSQL is not a failed
// request: the database chose it as a victim, and the same closure run
// again on fresh data either succeeds or fails for a reason the caller can
// name. Write therefore runs it again, whole, a bounded number of times.
// Closures passed to Write must be safe to run more than once: anything
// they leave outside the transaction (results, slices they append to)
// must be set afresh on every run.

const (
	// maxWriteAttempts bounds the runs of one Write lost to deadlocks and
	// serialization failures. Lock ordering (LockSyncClocks, LockGroup)
	// keeps them rare; a few runs absorb what remains.
	maxWriteAttempts = 6
	// maxVanishedRetries bounds the runs after a foreign-key violation.
	// One is enough to name the missing row: the re-run's own lookup no
	// longer finds it and returns the caller's typed not-found error.
	maxVanishedRetries = 1
	// retryBaseDelay and retryMaxDelay shape the backoff between runs
	// after a deadlock: it doubles per run, with jitter so that the two
	// victims of one cycle do not collide again in step.
	retryBaseDelay = 2 * time.Millisecond
	retryMaxDelay  = 64 * time.Millisecond
)

// writeFailure classifies why a write transaction failed.
type writeFailure int

const (
	// failedOther: the closure's own answer, or a fault; never retried.
	failedOther writeFailure = iota
	// failedConflict: a deadlock (40P01) or serialization failure
	// (40001); the transaction was rolled back and may simply be run
	// again.
	failedConflict
	// failedVanished: a foreign-key violation (23503, or SQLite's
	// SQLITE_CONSTRAINT_FOREIGNKEY): a row the write refers to was
	// deleted by a transaction that committed after the closure read it.
	failedVanished
)

// String names the failure in logs.
func (f writeFailure) String() string {
	switch f {
	case failedConflict:
		return "conflict"
	case failedVanished:
		return "vanished"
	}
	return "other"
}

// classifyWriteError tells a lost race from every other failure. Only
// the database's own error codes count, wherever they sit in err's chain.
func classifyWriteError(err error) writeFailure {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "40P01", "40001":
			return failedConflict
		case "23503":
			return failedVanished
		}
		return failedOther
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) && sqErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		// SQLite runs one writer at a time, so it should never get here;
		// if it does, the row is just as gone.
		return failedVanished
	}
	return failedOther
}

// retryWrite runs attempt until it succeeds, fails for a reason other
// than a lost race, or runs out of attempts; between runs after a
// conflict it waits a little, unless ctx ends first. A foreign-key
// violation that outlives its retry is answered as ErrNotFound: what the
// write referred to is gone, which is the caller's not-found, not a
// server fault.
func retryWrite(ctx context.Context, attempt func() error) error {
	vanished := 0
	for n := 1; ; n++ {
		err := attempt()
		if err == nil {
			return nil
		}
		failure := classifyWriteError(err)
		switch {
		case failure == failedOther:
			return err
		case failure == failedVanished && (vanished >= maxVanishedRetries || n >= maxWriteAttempts):
			return fmt.Errorf("%w: a row the write refers to was deleted concurrently: %w", ErrNotFound, err)
		case n >= maxWriteAttempts:
			return fmt.Errorf("write transaction lost %d races in a row: %w", n, err)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("not retrying the write transaction: %w (after %w)", ctx.Err(), err)
		}
		slog.DebugContext(ctx, "Retrying a write transaction", "attempt", n+1, "failure", failure, "err", err)
		if failure == failedVanished {
			// The deleting transaction has committed: nothing to wait for.
			vanished++
			continue
		}
		if waitErr := sleepCtx(ctx, retryDelay(n)); waitErr != nil {
			return fmt.Errorf("not retrying the write transaction: %w (after %w)", waitErr, err)
		}
	}
}

// retryDelay is the wait before run n+1: the base doubled per run, capped,
// then scaled by a random factor in [0.5, 1.5).
func retryDelay(n int) time.Duration {
	d := retryBaseDelay << min(n-1, 10)
	d = min(d, retryMaxDelay)
	return d/2 + rand.N(d)
}

// sleepCtx waits d, or until ctx ends (its error).
func sleepCtx(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
