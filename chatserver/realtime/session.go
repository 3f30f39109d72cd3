package realtime

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/chat-operator/chat-operator/chatserver/core"
)

// replayPage is how many events one log read returns.
const replayPage = 200

// Session is one connection of a user. It owns no goroutine while idle:
// a goroutine runs only while there is something to emit (the replay on
// Start, then each burst of deliveries), so an idle session costs a few
// hundred bytes here. Deliveries wait in a slice that is dropped once
// empty, bounded by the hub's queue size.
type Session struct {
	hub *Hub
	key userKey

	mu      sync.Mutex
	pending []core.Delivery
	// busy: a goroutine is emitting, or Start has not run yet (pushes
	// only queue until the replay has run).
	busy   bool
	emit   func(core.Delivery) error
	ended  func(error)
	cursor int64 // the last seq emitted; only the busy goroutine uses it

	once   sync.Once
	done   chan struct{}
	reason error
}

// push queues d without blocking; a full queue closes the session.
func (s *Session) push(d core.Delivery) {
	s.mu.Lock()
	if s.reason != nil {
		s.mu.Unlock()
		return
	}
	if len(s.pending) >= s.hub.queueSize {
		s.mu.Unlock()
		s.kick(ErrSlowConsumer)
		return
	}
	s.pending = append(s.pending, d)
	start := !s.busy
	s.busy = true
	s.mu.Unlock()
	if start {
		go s.run(nil)
	}
}

// kick ends the session with reason and tells the Start caller once.
func (s *Session) kick(reason error) {
	s.once.Do(func() {
		s.mu.Lock()
		s.reason = reason
		close(s.done)
		ended := s.ended
		s.pending = nil
		s.mu.Unlock()
		if ended != nil {
			ended(reason)
		}
	})
}

// Done is closed when the session ended; Err says why.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err is why the session ended, nil while it runs.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

// Close ends the session (context.Canceled) and unregisters it.
func (s *Session) Close() {
	s.kick(context.Canceled)
	s.hub.unregister(s)
}

// Start emits the user's stored events after since, then live events as
// they come, until the session ends; ended is called once with the reason
// (ErrSlowConsumer, ErrHubClosed, an error from emit or the log,
// context.Canceled after Close). Numbered events are emitted exactly once
// each, in seq order; live-only events (Seq 0) as they arrive. emit runs
// on one goroutine at a time, never concurrently; neither it nor ended
// may wait for the session. ended may run on a publisher's goroutine, so
// it must hand work off rather than block.
func (s *Session) Start(since int64, emit func(core.Delivery) error, ended func(error)) {
	s.mu.Lock()
	s.emit, s.ended = emit, ended
	reason := s.reason
	s.mu.Unlock()
	if reason != nil {
		ended(reason)
		return
	}
	go s.run(&since)
}

// run replays (when since is set), then emits queued deliveries until
// none is left, and returns; the next push starts it again.
func (s *Session) run(since *int64) {
	ctx := context.Background()
	if since != nil {
		if err := s.replay(ctx, *since); err != nil {
			s.kick(err)
			return
		}
	}
	for {
		s.mu.Lock()
		if len(s.pending) == 0 || s.reason != nil {
			s.pending, s.busy = nil, false
			s.mu.Unlock()
			return
		}
		d := s.pending[0]
		s.pending[0] = core.Delivery{}
		s.pending = s.pending[1:]
		s.mu.Unlock()
		if err := s.handle(ctx, d); err != nil {
			s.kick(err)
			return
		}
	}
}

// replay emits every stored event after since.
func (s *Session) replay(ctx context.Context, since int64) error {
	last, err := s.hub.svc.LastUserEventSeq(ctx, s.key.app, s.key.user)
	if err != nil {
		return err
	}
	// A client ahead of the log (it kept a seq from a reset database)
	// starts from the log's end rather than dropping every new event.
	s.cursor = min(since, last)
	if err := s.fill(ctx, 0); err != nil {
		return err
	}
	// Every event up to last was committed before last was read: if none
	// is left after the cursor, they were all pruned.
	if s.cursor < last {
		return s.gap(last)
	}
	return nil
}

// handle emits one pushed delivery in order: a numbered one at or below
// the cursor is a duplicate (replayed already, or pushed late by a slower
// publisher); one past a gap, or a bare wake-up, is read from the log.
func (s *Session) handle(ctx context.Context, d core.Delivery) error {
	switch {
	case d.Seq == 0:
		return s.emit(d)
	case d.Seq <= s.cursor:
		return nil
	case d.Seq > s.cursor+1 || d.Payload == nil:
		return s.fill(ctx, d.Seq)
	}
	if err := s.emit(d); err != nil {
		return err
	}
	s.cursor = d.Seq
	return nil
}

// gap tells the client that the seqs after the cursor up to to were
// pruned, and moves past them.
func (s *Session) gap(to int64) error {
	p, _ := json.Marshal(core.GapPayload{FromSeq: s.cursor + 1, ToSeq: to})
	if err := s.emit(core.Delivery{AppID: s.key.app, UserID: s.key.user, Kind: core.EventGap, Payload: p}); err != nil {
		return err
	}
	s.cursor = to
	return nil
}

// fill emits stored events after the cursor up to upTo (0: all). Seqs
// commit in order, so a stored event past a missing seq means the missing
// ones were pruned: the client is told (gap), never silently skipped.
func (s *Session) fill(ctx context.Context, upTo int64) error {
	svc := s.hub.svc
	for {
		ds, err := svc.UserEventsAfter(ctx, s.key.app, s.key.user, s.cursor, replayPage)
		if err != nil {
			return err
		}
		for _, d := range ds {
			if upTo > 0 && d.Seq > upTo {
				return nil
			}
			if d.Seq > s.cursor+1 {
				if err := s.gap(d.Seq - 1); err != nil {
					return err
				}
			}
			if err := s.emit(d); err != nil {
				return err
			}
			s.cursor = d.Seq
		}
		if len(ds) < replayPage || (upTo > 0 && s.cursor >= upTo) {
			return nil
		}
	}
}
