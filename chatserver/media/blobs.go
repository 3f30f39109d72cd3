package media

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/store"
)

// ErrNotFound: no bytes are stored under that app and key.
var ErrNotFound = errors.New("media blob not found")

// Blobs keeps the bytes of uploaded media, per tenant. Implementations
// must keep tenants apart: a key of one app never reaches another's bytes.
// The database is the default; an S3-compatible bucket can implement the
// same three calls.
type Blobs interface {
	// Put stores data under (appID, key), replacing what was there.
	Put(ctx context.Context, appID int64, key string, data []byte) error
	// Get returns the bytes under (appID, key), or ErrNotFound.
	Get(ctx context.Context, appID int64, key string) ([]byte, error)
	// Delete removes the bytes under (appID, key); deleting a missing key
	// is not an error.
	Delete(ctx context.Context, appID int64, key string) error
}

// DBBlobs stores media bytes in the chatserver database, so every replica
// sees every upload without further setup. Purging an app deletes its
// blobs with it.
type DBBlobs struct {
	st *store.Store
}

// NewDBBlobs stores blobs in st.
func NewDBBlobs(st *store.Store) *DBBlobs { return &DBBlobs{st: st} }

// Put implements Blobs.
func (b *DBBlobs) Put(ctx context.Context, appID int64, key string, data []byte) error {
	err := b.st.Write(ctx, func(q *store.Q) error {
		return q.PutMediaBlob(ctx, appID, key, data, time.Now())
	})
	if err != nil {
		return fmt.Errorf("storing media blob %s: %w", key, err)
	}
	return nil
}

// Get implements Blobs.
func (b *DBBlobs) Get(ctx context.Context, appID int64, key string) ([]byte, error) {
	data, err := b.st.Read().MediaBlob(ctx, appID, key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	if err != nil {
		return nil, fmt.Errorf("reading media blob %s: %w", key, err)
	}
	return data, nil
}

// Delete implements Blobs.
func (b *DBBlobs) Delete(ctx context.Context, appID int64, key string) error {
	err := b.st.Write(ctx, func(q *store.Q) error {
		return q.DeleteMediaBlob(ctx, appID, key)
	})
	if err != nil {
		return fmt.Errorf("deleting media blob %s: %w", key, err)
	}
	return nil
}
