package store

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// maxMessageBatch caps one group commit; it keeps a batch's parameters
// (15 per row) well inside both engines' limits.
const maxMessageBatch = 128

// messageColumns are written by AppendMessage, in this order.
const messageColumns = `app_id, target_type, from_id, from_username, target_id, target_name, target_app_id,
	msg_type, body, from_label, target_label, no_offline, no_notification, notification, created_at`

func messageArgs(m model.Message) []any {
	return []any{m.AppID, m.TargetType, m.FromID, m.FromUsername, m.TargetID, m.TargetName, m.TargetAppID,
		m.MsgType, m.Body, m.FromName, m.TargetLabel, m.NoOffline, m.NoNotification, m.Notification, m.Created.UnixMilli()}
}

// messageBatcher is the group commit for messages. One goroutine takes
// every insert waiting when it is free and writes them as one multi-row
// INSERT in one transaction. A lone message is written at once, with no
// wait; under load, many messages share one commit (and one WAL flush),
// which is what keeps the rate up when every send must be durable.
type messageBatcher struct {
	store *Store
	reqs  chan *appendReq
	stop  chan struct{}
	done  sync.WaitGroup
	once  sync.Once
	// stopOnce makes Store.Close safe to call twice.
	stopOnce sync.Once
}

type appendReq struct {
	m model.Message
	// events, when set, returns the log rows to append with the message,
	// once its id is known; evs receives them numbered.
	events func(msgID int64) []UserEvent
	evs    []UserEvent
	// claim, when set, is completed with the message's id (see
	// CompleteClientMsgID) in the same transaction.
	claim *ClientMsgClaim
	id    int64
	err   error
	done  chan struct{}
}

func (b *messageBatcher) start() {
	b.once.Do(func() {
		b.done.Add(1)
		go b.loop()
	})
}

func (b *messageBatcher) loop() {
	defer b.done.Done()
	for {
		var first *appendReq
		select {
		case first = <-b.reqs:
		case <-b.stop:
			return
		}
		batch := []*appendReq{first}
	drain:
		for len(batch) < maxMessageBatch {
			select {
			case r := <-b.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		b.write(batch)
	}
}

// write stores a batch; every request learns its id or the batch's error.
// A batch without log rows is one INSERT statement, atomic and durable on
// its own without BEGIN and COMMIT round trips. A batch with log rows is
// one transaction: the messages, then their recipients' events (numbered
// by AppendUserEvents), so a message is stored if and only if its events
// are, and the whole batch costs one commit. It runs on its own context:
// once a message is queued it is either written or reported failed, never
// abandoned half way.
//
// A batch is fault-isolated: when its write fails, nothing of it was
// stored, and each message is written again on its own, so a message the
// database refuses fails alone and never the other senders (tenants)
// that happened to share its commit.
func (b *messageBatcher) write(batch []*appendReq) {
	err := b.writeOnce(batch)
	if err != nil && len(batch) > 1 {
		for _, r := range batch {
			r.err = b.writeOnce([]*appendReq{r})
			close(r.done)
		}
		return
	}
	for _, r := range batch {
		r.err = err
		close(r.done)
	}
}

// writeOnce stores the batch in one statement or transaction; on failure
// no request keeps an id or log rows.
func (b *messageBatcher) writeOnce(batch []*appendReq) error {
	withEvents := false
	for _, r := range batch {
		withEvents = withEvents || r.events != nil || r.claim != nil
	}
	var err error
	if withEvents {
		err = b.store.Write(context.Background(), func(q *Q) error { return insertBatch(q, batch, true) })
	} else {
		err = b.store.statement(func(q *Q) error { return insertBatch(q, batch, false) })
	}
	if err != nil {
		for _, r := range batch {
			r.id, r.evs = 0, nil
		}
	}
	return refusedValue(err)
}

// insertBatch inserts the batch's messages in one statement and, with
// events set, appends their log rows.
func insertBatch(q *Q, batch []*appendReq, events bool) error {
	ctx := context.Background()
	args := make([]any, 0, len(batch)*15)
	rows := make([]string, len(batch))
	row := "(" + placeholders(15) + ")"
	for i, r := range batch {
		args = append(args, messageArgs(r.m)...)
		rows[i] = row
	}
	// Both engines return RETURNING rows in VALUES order.
	ids, err := q.int64s(ctx, "INSERT INTO messages ("+messageColumns+") VALUES "+
		strings.Join(rows, ", ")+" RETURNING id", args...)
	if err != nil {
		return err
	}
	if len(ids) != len(batch) {
		return fmt.Errorf("inserted %d messages, got %d ids", len(batch), len(ids))
	}
	for i, r := range batch {
		r.id = ids[i]
	}
	if !events {
		return nil
	}
	var all []UserEvent
	for _, r := range batch {
		if c := r.claim; c != nil {
			if err := q.CompleteClientMsgID(ctx, c.AppID, c.UserID, c.ClientMsgID, r.id); err != nil {
				return fmt.Errorf("recording client_msg_id: %w", err)
			}
		}
		if r.events != nil {
			r.evs = r.events(r.id)
			all = append(all, r.evs...)
		}
	}
	if err := q.AppendUserEvents(ctx, all); err != nil {
		return err
	}
	off := 0
	for _, r := range batch {
		off += copy(r.evs, all[off:off+len(r.evs)])
	}
	return nil
}

// AppendMessage stores a message durably and returns its id. Concurrent
// calls are committed together (see messageBatcher).
func (s *Store) AppendMessage(ctx context.Context, m model.Message) (int64, error) {
	id, _, err := s.AppendMessageWithEvents(ctx, m, nil, nil)
	return id, err
}

// ClientMsgClaim names a user's client_msg_id claim (ReserveClientMsgID)
// that a message completes.
type ClientMsgClaim struct {
	AppID, UserID int64
	ClientMsgID   string
}

// AppendMessageWithEvents stores a message and, in the same transaction,
// the user-log rows events returns for its id (see AppendUserEvents) and,
// when claim is set, the message as the claim's result; it returns the id
// and the rows with their Seq. events runs on the batch writer's
// goroutine while the transaction is open, so it must be quick (fill in
// the id, nothing more). Concurrent calls share one commit.
func (s *Store) AppendMessageWithEvents(ctx context.Context, m model.Message, events func(msgID int64) []UserEvent,
	claim *ClientMsgClaim) (int64, []UserEvent, error) {
	// Text the database would refuse is refused here, before the message
	// can share a commit with anyone.
	if err := checkText(messageArgs(m)); err != nil {
		return 0, nil, fmt.Errorf("storing message: %w", err)
	}
	s.messages.start()
	r := &appendReq{m: m, events: events, claim: claim, done: make(chan struct{})}
	select {
	case s.messages.reqs <- r:
	case <-ctx.Done():
		return 0, nil, ctx.Err()
	case <-s.messages.stop:
		return 0, nil, fmt.Errorf("store is closed")
	}
	<-r.done
	if r.err != nil {
		return 0, nil, fmt.Errorf("storing message: %w", r.err)
	}
	return r.id, r.evs, nil
}
