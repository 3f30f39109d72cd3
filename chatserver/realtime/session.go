package realtime

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/chat-operator/chat-operator/chatserver/core"
)

// replayPage is how many events one log read returns.
const replayPage = 200

// Session is one connection of a user.
type Session struct {
	hub   *Hub
	key   userKey
	queue chan core.Delivery

	once   sync.Once
	done   chan struct{}
	reason error
}

// push queues d without blocking; a full queue closes the session.
func (s *Session) push(d core.Delivery) {
	select {
	case <-s.done:
		return
	default:
	}
	select {
	case s.queue <- d:
	default:
		s.kick(ErrSlowConsumer)
	}
}

// kick ends the session with reason; Stream returns it.
func (s *Session) kick(reason error) {
	s.once.Do(func() {
		s.reason = reason
		close(s.done)
	})
}

// Done is closed when the session was ended by the hub; Err says why.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err is why the hub ended the session, nil while it runs.
func (s *Session) Err() error {
	select {
	case <-s.done:
		return s.reason
	default:
		return nil
	}
}

// Close unregisters the session.
func (s *Session) Close() {
	s.kick(context.Canceled)
	s.hub.unregister(s)
}

// Stream emits the user's stored events after since, then live events as
// they come, until ctx ends or the hub ends the session (its reason is
// returned). Numbered events are emitted exactly once each, in seq order;
// live-only events (Seq 0) as they arrive. emit runs on the caller's
// goroutine; an error from it ends the stream.
func (s *Session) Stream(ctx context.Context, since int64, emit func(core.Delivery) error) error {
	svc := s.hub.svc
	last, err := svc.LastUserEventSeq(ctx, s.key.app, s.key.user)
	if err != nil {
		return err
	}
	// A client ahead of the log (it kept a seq from a reset database)
	// starts from the log's end rather than dropping every new event.
	cursor := min(since, last)
	// gap tells the client that seqs after the cursor up to to were pruned,
	// and moves past them.
	gap := func(to int64) error {
		p, _ := json.Marshal(core.GapPayload{FromSeq: cursor + 1, ToSeq: to})
		if err := emit(core.Delivery{AppID: s.key.app, UserID: s.key.user, Kind: core.EventGap, Payload: p}); err != nil {
			return err
		}
		cursor = to
		return nil
	}
	// fill emits stored events after the cursor up to upTo (0: all). Seqs
	// commit in order, so a stored event past a missing seq means the
	// missing ones were pruned: the client is told (gap), never silently
	// skipped.
	fill := func(upTo int64) error {
		for {
			ds, err := svc.UserEventsAfter(ctx, s.key.app, s.key.user, cursor, replayPage)
			if err != nil {
				return err
			}
			for _, d := range ds {
				if upTo > 0 && d.Seq > upTo {
					return nil
				}
				if d.Seq > cursor+1 {
					if err := gap(d.Seq - 1); err != nil {
						return err
					}
				}
				if err := emit(d); err != nil {
					return err
				}
				cursor = d.Seq
			}
			if len(ds) < replayPage || (upTo > 0 && cursor >= upTo) {
				return nil
			}
		}
	}
	if err := fill(0); err != nil {
		return err
	}
	// Every event up to last was committed before last was read: if none
	// is left after the cursor, they were all pruned.
	if cursor < last {
		if err := gap(last); err != nil {
			return err
		}
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
			return s.reason
		case d := <-s.queue:
			switch {
			case d.Seq == 0:
				if err := emit(d); err != nil {
					return err
				}
			case d.Seq <= cursor:
				// Replayed already, or pushed late by a slower publisher.
			case d.Seq > cursor+1 || d.Payload == nil:
				if err := fill(d.Seq); err != nil {
					return err
				}
			default:
				if err := emit(d); err != nil {
					return err
				}
				cursor = d.Seq
			}
		}
	}
}
