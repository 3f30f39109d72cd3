// Package realtime delivers users' events to their connected sessions.
//
// The Hub subscribes to the core's event bus. Messages arrive recorded
// (the core writes their log rows in the message's own transaction); for
// other events the hub records the durable part in each recipient's log
// (core.UserLog, which numbers it with the user's next seq). It pushes a
// Delivery to every session of every recipient. Pushing never blocks:
// each session has a bounded queue, and a session whose queue is full is
// closed as a slow consumer; it catches up from the log when it
// reconnects.
//
// Ordering does not depend on pushes arriving in order. A Session
// emits with a cursor (the last seq it emitted): a numbered delivery at
// or below the cursor is a duplicate and dropped; one past a gap makes the
// session read the missing seqs from the log first. The log commits a
// user's seqs in order (see store.AppendUserEvents), so the gap is always
// readable. The same rule makes replay on connect seamless (register,
// replay from the log, then drop live events already replayed) and lets a
// Notifier from another replica send bare wake-ups ("user U's log reached
// seq N") that the session fills from the log.
package realtime

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// DefaultQueueSize is how many deliveries may wait for a session before
// it is closed as a slow consumer.
const DefaultQueueSize = 256

// ErrSlowConsumer closes a session whose queue overflowed.
var ErrSlowConsumer = errors.New("slow consumer")

// ErrHubClosed closes sessions when the hub shuts down.
var ErrHubClosed = errors.New("server shutting down")

// Notifier carries deliveries to the hubs of other replicas (PostgreSQL
// LISTEN/NOTIFY). Publish must not block for long; Listen calls deliver
// for every delivery another replica published, until ctx ends. A
// numbered delivery may travel without its payload: the receiving session
// reads it from the shared log.
type Notifier interface {
	Publish(ctx context.Context, ds []core.Delivery) error
	Listen(ctx context.Context, deliver func(core.Delivery)) error
}

// Option customises a Hub.
type Option func(*Hub)

// WithQueueSize sets the per-session queue bound.
func WithQueueSize(n int) Option { return func(h *Hub) { h.queueSize = n } }

// WithNotifier fans deliveries out to other replicas. Without it a hub on
// PostgreSQL uses a PostgresNotifier, and one on SQLite (one replica)
// none.
func WithNotifier(n Notifier) Option { return func(h *Hub) { h.notifier = n } }

type userKey struct{ app, user int64 }

// Hub tracks live sessions per (app, user). Create one per core.Service:
// it records every event in the users' logs, so two hubs on one service
// would record each event twice.
type Hub struct {
	svc       *core.Service
	log       *core.UserLog
	queueSize int
	notifier  Notifier

	mu       sync.RWMutex
	sessions map[userKey][]*Session
	closed   bool
	stop     func()
}

// NewHub subscribes a hub to svc's events.
func NewHub(svc *core.Service, opts ...Option) *Hub {
	h := &Hub{svc: svc, log: svc.NewUserLog(), queueSize: DefaultQueueSize,
		sessions: make(map[userKey][]*Session)}
	for _, o := range opts {
		o(h)
	}
	if h.notifier == nil && svc.Store().Kind() == store.Postgres {
		h.notifier = NewPostgresNotifier(svc.Store())
	}
	unsubscribe := svc.Events().Subscribe(h.onEvent)
	h.stop = unsubscribe
	if h.notifier != nil {
		ctx, cancel := context.WithCancel(context.Background())
		go h.listen(ctx)
		h.stop = func() { unsubscribe(); cancel() }
	}
	return h
}

// listen receives other replicas' deliveries, listening again after a
// failure, until ctx ends or the notifier's database closes. Events
// published while it is not listening reach this replica's sessions with
// the user's next event or on reconnect.
func (h *Hub) listen(ctx context.Context) {
	for {
		err := h.notifier.Listen(ctx, h.deliver)
		if err == nil || ctx.Err() != nil {
			return
		}
		slog.Error("Listening for other replicas' events failed; retrying", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// Close unsubscribes the hub and closes every session.
func (h *Hub) Close() {
	h.stop()
	h.mu.Lock()
	h.closed = true
	all := h.sessions
	h.sessions = make(map[userKey][]*Session)
	h.mu.Unlock()
	for _, ss := range all {
		for _, s := range ss {
			s.kick(ErrHubClosed)
		}
	}
}

// onEvent runs on the publisher's goroutine, after the write that caused
// the event committed. Messages arrive recorded (the core writes their
// log rows with the message); other events are recorded here, which
// waits for a (shared) commit:
// once the publisher returns, an offline recipient will find the event
// on reconnect. Pushing to sessions never blocks.
func (h *Hub) onEvent(ctx context.Context, ev core.Event) {
	ds := ev.Deliveries
	if !ev.Recorded {
		var err error
		ds, err = h.log.Record(context.WithoutCancel(ctx), ev)
		if err != nil {
			slog.ErrorContext(ctx, "Recording event in users' logs failed", "kind", ev.Kind, "app", ev.AppKey, "err", err)
		}
	}
	for _, d := range ds {
		h.deliver(d)
	}
	if h.notifier != nil && len(ds) > 0 {
		if err := h.notifier.Publish(ctx, ds); err != nil {
			slog.ErrorContext(ctx, "Publishing event to other replicas failed", "kind", ev.Kind, "err", err)
		}
	}
}

// deliver pushes d to every live session of its user, or of its app when
// d is addressed to core.WholeApp (live only: a tenant disabled or purged).
func (h *Hub) deliver(d core.Delivery) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if d.UserID == core.WholeApp {
		if d.Seq != 0 {
			return // no user's log numbers it
		}
		// A walk over every session: an app-wide event is rare (a
		// platform call), so it does not earn a second index.
		for k, ss := range h.sessions {
			if k.app == d.AppID {
				for _, s := range ss {
					s.push(d)
				}
			}
		}
		return
	}
	for _, s := range h.sessions[userKey{d.AppID, d.UserID}] {
		s.push(d)
	}
}

// Register opens a session for a user. It queues the user's events from
// now on; call Start to replay and follow them, and Close when done.
func (h *Hub) Register(appID, userID int64) *Session {
	s, _ := h.RegisterAtMost(appID, userID, 0)
	return s
}

// RegisterAtMost is Register unless the user already has limit sessions
// on this hub: then it registers nothing and returns nil, false. The
// check and the registration are one step, so concurrent connects of a
// user cannot overshoot. limit <= 0 means no limit.
func (h *Hub) RegisterAtMost(appID, userID int64, limit int) (*Session, bool) {
	s := &Session{hub: h, key: userKey{appID, userID}, busy: true, done: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		s.kick(ErrHubClosed)
		return s, true
	}
	if limit > 0 && len(h.sessions[s.key]) >= limit {
		return nil, false
	}
	// A slice, not a set: a user has a few sessions, and an idle one
	// should cost little.
	h.sessions[s.key] = append(h.sessions[s.key], s)
	return s, true
}

// Online reports how many sessions a user has.
func (h *Hub) Online(appID, userID int64) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.sessions[userKey{appID, userID}])
}

func (h *Hub) unregister(s *Session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ss := slices.DeleteFunc(h.sessions[s.key], func(o *Session) bool { return o == s })
	if len(ss) == 0 {
		delete(h.sessions, s.key)
	} else {
		h.sessions[s.key] = ss
	}
}
