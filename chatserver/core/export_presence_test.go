package core

import (
	"context"

	"github.com/chat-operator/chat-operator/chatserver/store"
)

// RenewNow runs one lease renewal as the renewal loop would, for tests
// that cannot wait for the loop's ticker.
func (p *Presence) RenewNow(ctx context.Context) error {
	p.mu.Lock()
	snapshot := make(map[store.Connection]int, len(p.conns))
	for c, n := range p.conns {
		snapshot[c] = n
	}
	p.mu.Unlock()
	return p.renew(ctx, snapshot)
}
