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
// guard, to plant rows that older versions could store. Its '?'
// placeholders are rewritten for the engine.
func ExecRaw(ctx context.Context, s *Store, query string, args ...any) error {
	_, err := s.write.ExecContext(ctx, (&Q{kind: s.kind}).rebind(query), args...)
	return err
}

// OpenAtVersion opens the database with the migrations up to version
// only: the schema an older version of the server left.
func OpenAtVersion(ctx context.Context, databaseURL string, version int) (*Store, error) {
	return open(ctx, databaseURL, version)
}

// QueryInt runs a query that answers one integer.
func QueryInt(ctx context.Context, s *Store, query string) (int64, error) {
	var n int64
	err := s.write.QueryRowContext(ctx, query).Scan(&n)
	return n, err
}
