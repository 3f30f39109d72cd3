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

// presenceFlushDelay is how long connects and disconnects gather before
// one transaction records them: a burst of 10,000 connections is a
// handful of commits, not 10,000, and userstat lags by about this much.
const presenceFlushDelay = 100 * time.Millisecond

// Presence records which devices hold a gateway connection on this
// replica, in the database, so that userstat on any replica reports who is
// online. Connected and Disconnected only count in memory; one goroutine
// writes the changed counts in batches and renews the replica's lease.
// Create one per gateway with NewPresence; the goroutine starts with the
// first connection, and Close ends it.
type Presence struct {
	svc     *Service
	replica string
	lease   time.Duration

	// syncMu keeps one Sync at a time, so an older snapshot never
	// overwrites a newer one.
	syncMu sync.Mutex
	mu     sync.Mutex
	// conns is this replica's open connections per device, the truth the
	// database follows; dirty names the devices whose count changed since
	// the last write. The whole map is written back if another replica
	// dropped ours (a lease that ran out while this process was stalled).
	conns   map[store.Connection]int
	dirty   map[store.Connection]struct{}
	started bool
	closed  bool
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
}

// NewPresence returns the presence recorder of one gateway replica. lease
// 0 means DefaultPresenceLease.
func (s *Service) NewPresence(lease time.Duration) *Presence {
	if lease <= 0 {
		lease = DefaultPresenceLease
	}
	return &Presence{svc: s, replica: rand.Text(), lease: lease,
		conns: map[store.Connection]int{}, dirty: map[store.Connection]struct{}{},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

func (p *Presence) key(appID, userID int64, device string) store.Connection {
	return store.Connection{Replica: p.replica, AppID: appID, UserID: userID, Device: device}
}

// Connected counts one more open connection of the user's device. It
// does not wait for the database; see Sync.
func (p *Presence) Connected(appID, userID int64, device string) {
	p.count(p.key(appID, userID, device), +1)
}

// Disconnected counts one connection of the device fewer.
func (p *Presence) Disconnected(appID, userID int64, device string) {
	p.count(p.key(appID, userID, device), -1)
}

func (p *Presence) count(c store.Connection, delta int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	if p.conns[c] += delta; p.conns[c] <= 0 {
		delete(p.conns, c)
	}
	p.dirty[c] = struct{}{}
	if !p.started {
		p.started = true
		go p.run()
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// run writes changes shortly after they happen and renews the lease, until
// Close.
func (p *Presence) run() {
	defer close(p.done)
	renew := time.NewTicker(p.lease / 3)
	defer renew.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-renew.C:
		case <-p.wake:
			// Let the burst this change belongs to gather.
			select {
			case <-p.stop:
				return
			case <-time.After(presenceFlushDelay):
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), p.lease/3)
		if err := p.Sync(ctx); err != nil {
			slog.Warn("Recording gateway presence", "replica", p.replica, "err", err)
		}
		cancel()
	}
}

// Sync writes the counts changed since the last write and renews the
// lease, now. If the replica's record was gone (another replica found its
// lease expired), every count is written back. A failed write leaves the
// changes to the next try.
func (p *Presence) Sync(ctx context.Context) error {
	p.syncMu.Lock()
	defer p.syncMu.Unlock()
	p.mu.Lock()
	changed := make(map[store.Connection]int, len(p.dirty))
	for c := range p.dirty {
		changed[c] = p.conns[c]
	}
	all := make(map[store.Connection]int, len(p.conns))
	for c, n := range p.conns {
		all[c] = n
	}
	clear(p.dirty)
	p.mu.Unlock()

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
		write := changed
		if !exists {
			write = all
		}
		for c, n := range write {
			if err := q.SetConnections(ctx, c, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		p.mu.Lock()
		for c := range changed {
			p.dirty[c] = struct{}{}
		}
		p.mu.Unlock()
		return fmt.Errorf("recording the presence of replica %s: %w", p.replica, err)
	}
	return nil
}

// Elsewhere counts the user's connections that other replicas have
// recorded: as of their last write (within presenceFlushDelay of a
// connect), and including a crashed replica's until its lease runs out.
// SQLite serves one replica, so there it is 0 without a query.
func (p *Presence) Elsewhere(ctx context.Context, appID, userID int64) (int, error) {
	if p.svc.store.Kind() != store.Postgres {
		return 0, nil
	}
	n, err := p.svc.store.Read().ConnectionsElsewhere(ctx, appID, userID, p.replica, p.svc.clock())
	if err != nil {
		return 0, fmt.Errorf("counting user %d's connections on other replicas: %w", userID, err)
	}
	return n, nil
}

// Close stops recording and forgets this replica's connections, so its
// users show offline at once (on a graceful shutdown).
func (p *Presence) Close() {
	p.mu.Lock()
	started, closed := p.started, p.closed
	p.closed = true
	p.mu.Unlock()
	if closed {
		return
	}
	if started {
		close(p.stop)
		<-p.done
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := p.svc.store.Write(ctx, func(q *store.Q) error { return q.DropReplicas(ctx, p.replica, time.Time{}) })
	if err != nil {
		slog.Warn("Forgetting this replica's gateway connections", "replica", p.replica, "err", err)
	}
}
