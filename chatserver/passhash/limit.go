package passhash

import (
	"context"
	"runtime"
)

// slots bounds how many argon2 computations run at once across the whole
// process — HashMany workers, lone Hash calls from request handlers and
// Verify on login alike. Each computation allocates MemoryKiB, so without
// a global bound 500 simultaneous registrations would allocate 500×m
// (4 GiB at the default) and thrash instead of finishing sooner: with
// only GOMAXPROCS CPUs, extra concurrency adds memory, not throughput.
//
// Sized once at start-up; if GOMAXPROCS is changed later the bound stays.
var slots = make(chan struct{}, runtime.GOMAXPROCS(0))

// acquire takes a slot, giving up if ctx is done first.
func acquire(ctx context.Context) error {
	// Prefer a cancelled context over a free slot so cancellation is
	// prompt and deterministic.
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// release returns a slot taken by acquire.
func release() { <-slots }
