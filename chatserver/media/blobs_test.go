package media_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/media"
	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

func TestDBBlobs(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		ctx := context.Background()
		st, err := store.Open(ctx, b.NewURL(t))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		appA, appB := newApp(t, st, "appa"), newApp(t, st, "appb")
		var blobs media.Blobs = media.NewDBBlobs(st)

		data := []byte{0, 1, 2, 0xff, 'x'}
		if err := blobs.Put(ctx, appA, "image/k", data); err != nil {
			t.Fatal(err)
		}
		if got, err := blobs.Get(ctx, appA, "image/k"); err != nil || string(got) != string(data) {
			t.Fatalf("Get = %v, %v; want the bytes put", got, err)
		}
		if _, err := blobs.Get(ctx, appB, "image/k"); !errors.Is(err, media.ErrNotFound) {
			t.Fatalf("another app's Get = %v, want ErrNotFound", err)
		}
		if err := blobs.Put(ctx, appA, "image/k", []byte("new")); err != nil {
			t.Fatal(err)
		}
		if got, _ := blobs.Get(ctx, appA, "image/k"); string(got) != "new" {
			t.Fatalf("after replacing, Get = %q", got)
		}
		if err := blobs.Delete(ctx, appB, "image/k"); err != nil {
			t.Fatal(err)
		}
		if _, err := blobs.Get(ctx, appA, "image/k"); err != nil {
			t.Fatalf("another app's Delete removed the blob: %v", err)
		}
		if err := blobs.Delete(ctx, appA, "image/k"); err != nil {
			t.Fatal(err)
		}
		if _, err := blobs.Get(ctx, appA, "image/k"); !errors.Is(err, media.ErrNotFound) {
			t.Fatalf("after Delete, Get = %v, want ErrNotFound", err)
		}
		if err := blobs.Delete(ctx, appA, "image/k"); err != nil {
			t.Fatalf("deleting a missing blob: %v", err)
		}

		// Purging an app takes its blobs with it.
		if err := blobs.Put(ctx, appB, "file/x", data); err != nil {
			t.Fatal(err)
		}
		if err := st.Write(ctx, func(q *store.Q) error { return q.PurgeApp(ctx, appB) }); err != nil {
			t.Fatal(err)
		}
		if _, n, err := st.Read().MediaCounts(ctx, appB); err != nil || n != 0 {
			t.Fatalf("after purge: %d blobs (%v)", n, err)
		}
	})
}

func newApp(t *testing.T, st *store.Store, key string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := st.Write(ctx, func(q *store.Q) error {
		if _, err := q.PutApp(ctx, model.App{Key: key, SecretHash: []byte{1}, Updated: time.Now()}); err != nil {
			return err
		}
		a, err := q.AppByKey(ctx, key)
		id = a.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
