package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

func TestMigrationsAreIdempotent(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		url := b.NewURL(t)
		for i := range 2 {
			st, err := store.Open(ctx, url)
			if err != nil {
				t.Fatalf("open #%d: %v", i+1, err)
			}
			v, err := st.SchemaVersion(ctx)
			st.Close()
			if err != nil || v != store.LatestSchemaVersion() || v < 1 {
				t.Fatalf("open #%d: schema version %d (%v), want %d", i+1, v, err, store.LatestSchemaVersion())
			}
		}
	})
}

// Replicas start together against one database: every one must come up,
// and the schema must be migrated once.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		url := b.NewURL(t)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				st, err := store.Open(ctx, url)
				if err == nil {
					st.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOpenRejectsUnknownURLs(t *testing.T) {
	for _, url := range []string{"", "mysql://x", "sqlite:", "postgres"} {
		if _, err := store.Open(context.Background(), url); err == nil {
			t.Errorf("Open(%q) succeeded", url)
		}
	}
}

// The same queries run on both engines; this exercises placeholders in
// IN lists, NULL profile fields, unique conflicts and cascades together.
func TestUsersRoundTripAndCascade(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		st, app, now := openWithApp(t, b, "AppOne")
		q := st.Read()
		nick, gender := "Nick", 0
		var ids []int64
		for _, name := range []string{"anna", "bert"} {
			id, err := q.InsertUser(ctx, model.User{AppID: app.ID, Username: name, PasswordHash: "h",
				Profile: model.Profile{Nickname: &nick, Gender: &gender}, Created: now, Modified: now})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if _, err := q.InsertUser(ctx, model.User{AppID: app.ID, Username: "anna", Created: now, Modified: now}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate insert: %v, want ErrConflict", err)
		}
		users, err := q.UsersByName(ctx, app.ID, []string{"anna", "bert", "carl"})
		if err != nil || len(users) != 2 {
			t.Fatalf("UsersByName: %v %v", users, err)
		}
		u := users["anna"]
		if u.Profile.Nickname == nil || *u.Profile.Nickname != "Nick" || u.Profile.Gender == nil || *u.Profile.Gender != 0 ||
			u.Profile.Avatar != nil || !u.Created.Equal(now) {
			t.Fatalf("anna read back as %+v", u)
		}
		if err := q.FriendAdd(ctx, app.ID, ids[0], ids[1], now); err != nil {
			t.Fatal(err)
		}
		if err := q.BlacklistAdd(ctx, app.ID, ids[1], []int64{ids[0]}, now); err != nil {
			t.Fatal(err)
		}
		if n, err := q.DeleteUsers(ctx, app.ID, []string{"anna"}); err != nil || n != 1 {
			t.Fatalf("DeleteUsers: %d %v", n, err)
		}
		if f, err := q.Friends(ctx, app.ID, ids[1]); err != nil || len(f) != 0 {
			t.Fatalf("friends after delete: %v %v", f, err)
		}
		if bl, err := q.Blacklist(ctx, app.ID, ids[1]); err != nil || len(bl) != 0 {
			t.Fatalf("blacklist after delete: %v %v", bl, err)
		}
		if err := q.PurgeApp(ctx, app.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := q.UserByName(ctx, app.ID, "bert"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("user after purge: %v, want ErrNotFound", err)
		}
	})
}

// openStore opens a fresh, empty store of backend b; it closes when the
// test ends.
func openStore(t *testing.T, b testutil.Backend) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), b.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// openWithApp opens a fresh store of backend b holding one app; it closes
// when the test ends. now is a millisecond-precision time for rows.
func openWithApp(t *testing.T, b testutil.Backend, key string) (*store.Store, model.App, time.Time) {
	t.Helper()
	ctx := context.Background()
	st := openStore(t, b)
	now := time.UnixMilli(time.Now().UnixMilli())
	if _, err := st.Read().PutApp(ctx, model.App{Key: key, SecretHash: []byte{1}, Updated: now}); err != nil {
		t.Fatal(err)
	}
	app, err := st.Read().AppByKey(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	return st, app, now
}
