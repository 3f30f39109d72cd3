package controllers

import (
	"math/rand/v2"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// backoff spaces out retries of one object while it waits on something
// that is not there yet (a server not ready, an unreachable endpoint), so a
// broken dependency costs a trickle of requests rather than an error
// storm. Success forgets the object.
type backoff struct {
	mu       sync.Mutex
	attempts map[types.NamespacedName]int
	base     time.Duration
	max      time.Duration
}

func newBackoff(base, max time.Duration) *backoff {
	return &backoff{attempts: map[types.NamespacedName]int{}, base: base, max: max}
}

// next returns the delay before the object's next try and counts the try.
func (b *backoff) next(key types.NamespacedName) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.attempts[key]
	b.attempts[key] = n + 1
	d := b.base
	for i := 0; i < n && d < b.max; i++ {
		d *= 2
	}
	return min(d, b.max)
}

// reset forgets the object after a success.
func (b *backoff) reset(key types.NamespacedName) {
	b.mu.Lock()
	delete(b.attempts, key)
	b.mu.Unlock()
}

// jitter spreads periodic resyncs by up to a tenth of the period, so a
// thousand objects created together do not all resync in the same second.
func jitter(period time.Duration) time.Duration {
	return period + time.Duration(rand.Int64N(int64(period)/10+1))
}
