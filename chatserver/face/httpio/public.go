package httpio

import (
	"errors"
	"fmt"
	"sync"
)

// PublicBodyLimit bounds the body of a request no credential vouches for
// (sign-up, login, verification codes): their largest documented body is
// well under 1 KiB, and a stranger must not make the server buffer
// megabytes.
const PublicBodyLimit = 64 << 10

// DefaultPublicPerAddress is how many unauthenticated requests one client
// address may have in flight at once unless configured otherwise. A NAT
// shares an address between many users, but their requests are short;
// a client holding more at once is holding them on purpose.
const DefaultPublicPerAddress = 32

// ErrBusy: the client address already has as many unauthenticated
// requests in flight as the server allows. Faces answer it 429.
var ErrBusy = errors.New("too many unauthenticated requests in flight from this address; try again when they are answered")

// Gate caps the unauthenticated requests in flight per client address.
// One Gate serves every face of a server, so the cap holds across them.
// The zero cap (and a nil *Gate) lets everything through.
type Gate struct {
	max      int
	mu       sync.Mutex
	inFlight map[string]int
}

// NewGate returns a gate letting max requests per address through at
// once; 0 means no cap.
func NewGate(max int) *Gate {
	return &Gate{max: max, inFlight: map[string]int{}}
}

// Enter takes a slot for addr, or answers ErrBusy; leave gives it back.
// An empty addr (no address known) is not counted.
func (g *Gate) Enter(addr string) (leave func(), err error) {
	if g == nil || g.max <= 0 || addr == "" {
		return func() {}, nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.inFlight[addr] >= g.max {
		return nil, fmt.Errorf("%w (at most %d)", ErrBusy, g.max)
	}
	g.inFlight[addr]++
	var once sync.Once
	return func() { once.Do(func() { g.leave(addr) }) }, nil
}

func (g *Gate) leave(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	// The map only holds addresses with requests in flight, so it
	// stays as small as the traffic of the moment.
	if g.inFlight[addr]--; g.inFlight[addr] <= 0 {
		delete(g.inFlight, addr)
	}
}
