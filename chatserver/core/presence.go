package core

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/store"
)

// DefaultPresenceLease is how long a replica's connections count as
// online without a renewal; the replica renews at a third of it, so two
// missed renewals are tolerated before a live replica's users look
// offline, and a crashed replica's users look offline within the lease.
const DefaultPresenceLease = 45 * time.Second

// Presence records which devices hold a gateway connection on this
// replica, in the database, so that userstat on any replica reports who is
// online. Create one per gateway with NewPresence; it starts renewing its
// lease with the first connection, and Close ends it.
type Presence struct {
	svc     *Service
	replica string
	lease   time.Duration

	mu sync.Mutex
	// conns is what the database should hold for this replica; it is
	// written back whole if another replica dropped ours (a lease that
	// ran out while this process was stalled).
	conns   map[store.Connection]int
	started bool
	closed  bool
	stop    chan struct{}
	done    chan struct{}
}

// NewPresence returns the presence recorder of one gateway replica. lease
// 0 means DefaultPresenceLease.
func (s *Service) NewPresence(lease time.Duration) *Presence {
	if lease <= 0 {
		lease = DefaultPresenceLease
	}
	return &Presence{svc: s, replica: rand.Text(), lease: lease, conns: map[store.Connection]int{},
		stop: make(chan struct{}), done: make(chan struct{})}
}

func (p *Presence) key(appID, userID int64, device string) store.Connection {
	return store.Connection{Replica: p.replica, AppID: appID, UserID: userID, Device: device}
}

// Connected records one more open connection of the user's device.
func (p *Presence) Connected(ctx context.Context, appID, userID int64, device string) error {
	if ok, err := p.start(ctx); !ok || err != nil {
		return err
	}
	c := p.key(appID, userID, device)
	p.mu.Lock()
	p.conns[c]++
	p.mu.Unlock()
	if err := p.svc.store.Write(ctx, func(q *store.Q) error { return q.AddConnection(ctx, c) }); err != nil {
		return fmt.Errorf("recording a connection of user %d: %w", userID, err)
	}
	return nil
}

// Disconnected records that one of the device's connections closed. It
// runs as a connection ends, when its request context may be gone, so it
// takes none and logs a failure: the lease bounds how long a missed
// record can show the device online.
func (p *Presence) Disconnected(appID, userID int64, device string) {
	c := p.key(appID, userID, device)
	p.mu.Lock()
	if p.conns[c]--; p.conns[c] <= 0 {
		delete(p.conns, c)
	}
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.svc.store.Write(ctx, func(q *store.Q) error { return q.RemoveConnection(ctx, c) }); err != nil {
		slog.Warn("Recording a closed gateway connection", "user", userID, "device", device, "err", err)
	}
}

// start registers the replica and its renewal loop, once; false once the
// presence is closed.
func (p *Presence) start(ctx context.Context) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false, nil
	}
	if p.started {
		return true, nil
	}
	if err := p.renew(ctx, nil); err != nil {
		return false, err
	}
	p.started = true
	go p.renewLoop()
	return true, nil
}

// renew extends the lease; if the replica's row was gone, it writes back
// snapshot, this replica's connections.
func (p *Presence) renew(ctx context.Context, snapshot map[store.Connection]int) error {
	now := p.svc.clock()
	err := p.svc.store.Write(ctx, func(q *store.Q) error {
		exists, err := q.ReplicaExists(ctx, p.replica)
		if err != nil {
			return err
		}
		// Replicas that died without Close are cleared by the living.
		if err := q.DropReplicas(ctx, "", now.Add(-p.lease)); err != nil {
			return err
		}
		if err := q.RenewReplica(ctx, p.replica, now.Add(p.lease)); err != nil {
			return err
		}
		if exists {
			return nil
		}
		for c, n := range snapshot {
			if err := q.SetConnections(ctx, c, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("renewing the presence lease of replica %s: %w", p.replica, err)
	}
	return nil
}

func (p *Presence) renewLoop() {
	defer close(p.done)
	t := time.NewTicker(p.lease / 3)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			snapshot := make(map[store.Connection]int, len(p.conns))
			for c, n := range p.conns {
				snapshot[c] = n
			}
			p.mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), p.lease/3)
			if err := p.renew(ctx, snapshot); err != nil {
				slog.Warn("Renewing the gateway presence lease", "err", err)
			}
			cancel()
		}
	}
}

// Close stops renewing and forgets this replica's connections, so its
// users show offline at once (on a graceful shutdown).
func (p *Presence) Close() {
	p.mu.Lock()
	started, closed := p.started, p.closed
	p.closed = true
	p.mu.Unlock()
	if !started || closed {
		return
	}
	close(p.stop)
	<-p.done
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := p.svc.store.Write(ctx, func(q *store.Q) error { return q.DropReplicas(ctx, p.replica, time.Time{}) })
	if err != nil {
		slog.Warn("Forgetting this replica's gateway connections", "replica", p.replica, "err", err)
	}
}
