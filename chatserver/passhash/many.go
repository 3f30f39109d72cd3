package passhash

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// HashMany hashes passwords with Default in parallel and returns the
// encodings in the same order. Parallelism is capped at
// runtime.GOMAXPROCS(0) (and by the process-wide slot limit shared with
// Hash and Verify): argon2 is CPU- and memory-bound, so more goroutines
// than CPUs would only multiply the memory in flight.
//
// If ctx is done before all hashes are computed, HashMany stops starting
// new ones and returns ctx.Err(); no partial result is returned, so the
// caller cannot store a half-hashed batch by accident.
func HashMany(ctx context.Context, passwords []string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]string, len(passwords))
	if len(passwords) == 0 {
		return out, nil
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	workers := min(runtime.GOMAXPROCS(0), len(passwords))
	var (
		next     atomic.Int64 // index of the next password to hash
		done     atomic.Int64 // hashes completed
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}
	p := Default // snapshot so one batch never mixes parameters
	for range workers {
		wg.Go(func() {
			// A shared counter rather than a channel: no feeder goroutine
			// to leak or unblock on cancellation.
			for {
				i := int(next.Add(1) - 1)
				if i >= len(passwords) || ctx.Err() != nil {
					return
				}
				h, err := hashCtx(ctx, p, passwords[i])
				if err != nil {
					fail(err)
					return
				}
				out[i] = h
				done.Add(1)
			}
		})
	}
	wg.Wait()

	if firstErr != nil {
		return nil, firstErr
	}
	// Workers only stop early without calling fail when they see ctx
	// done, and our own cancel only runs via fail, so a short count means
	// the caller's context ended. If every hash finished anyway, the work
	// is done and there is no reason to throw it away.
	if int(done.Load()) < len(passwords) {
		return nil, ctx.Err()
	}
	return out, nil
}
