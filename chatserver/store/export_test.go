package store

import (
	"context"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// BatchItem is one message of a batch written by WriteMessageBatch, with
// what the batch writer answered it.
type BatchItem struct {
	Message model.Message
	Events  func(msgID int64) []UserEvent
	ID      int64
	Logged  []UserEvent
	Err     error
}

// WriteMessageBatch hands items to the batch writer as one batch, as if
// they had arrived together, so tests can mix items deterministically.
func WriteMessageBatch(s *Store, items []BatchItem) {
	batch := make([]*appendReq, len(items))
	for i, it := range items {
		batch[i] = &appendReq{m: it.Message, events: it.Events, done: make(chan struct{})}
	}
	s.messages.write(batch)
	for i, r := range batch {
		<-r.done
		items[i].ID, items[i].Logged, items[i].Err = r.id, r.evs, r.err
	}
}

// ExecRaw runs a statement on the write pool as it is, past the text
// guard, to plant rows that older versions could store.
func ExecRaw(ctx context.Context, s *Store, query string, args ...any) error {
	_, err := s.write.ExecContext(ctx, query, args...)
	return err
}
