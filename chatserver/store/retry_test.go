package store_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// logEvent appends one event to user 1's log in app, the write the tests
// count: the log's top seq is how many runs committed.
func logEvent(ctx context.Context, q *store.Q, app int64) error {
	return q.AppendUserEvents(ctx, []store.UserEvent{{AppID: app, UserID: 1, Kind: "test", Payload: "{}", Created: time.Now()}})
}

func loggedEvents(t *testing.T, st *store.Store, app int64) int64 {
	t.Helper()
	n, err := st.Read().LastUserEventSeq(context.Background(), app, 1)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Two transactions take two apps' clocks in opposite orders, each waiting
// until the other holds its first, so PostgreSQL must kill one (40P01).
// Both Writes succeed, the victim's closure ran again, and each closure's
// write is committed exactly once.
func TestWriteRetriesARealDeadlock(t *testing.T) {
	t.Parallel()
	for _, b := range testutil.Backends(t) {
		if b.Name != "postgres" {
			continue // SQLite runs one writer at a time: no deadlock to make
		}
		t.Run(b.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			st, app, _ := openWithApp(t, b, testutil.NewKey())
			other := putApp(t, st, testutil.NewKey())
			var held sync.WaitGroup // both hold their first clock
			held.Add(2)
			var runs [2]atomic.Int32
			order := [2][2]int64{{app.ID, other}, {other, app.ID}}
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i := range 2 {
				wg.Go(func() {
					errs[i] = st.Write(ctx, func(q *store.Q) error {
						first := runs[i].Add(1) == 1
						if err := q.LockSyncClocks(ctx, order[i][0]); err != nil {
							return err
						}
						if first {
							held.Done()
							held.Wait()
						}
						if err := q.LockSyncClocks(ctx, order[i][1]); err != nil {
							return err
						}
						return logEvent(ctx, q, order[i][0])
					})
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatalf("Write: %v", err)
			}
			total := runs[0].Load() + runs[1].Load()
			t.Logf("closures ran %d and %d times", runs[0].Load(), runs[1].Load())
			if total < 3 {
				t.Fatalf("closures ran %d times in all: no deadlock was retried", total)
			}
			for _, a := range []int64{app.ID, other} {
				if n := loggedEvents(t, st, a); n != 1 {
					t.Errorf("app %d: %d events committed, want 1", a, n)
				}
			}
		})
	}
}

// What Write does with each kind of failure of its closure, on both
// engines. The failures are the drivers' own error values.
func TestWriteRetriesOnlyLostRaces(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		ctx := context.Background()
		st, app, now := openWithApp(t, b, testutil.NewKey())
		pgErr := func(code string) error { return &pgconn.PgError{Code: code, Message: "injected"} }
		errRefused := errors.New("the closure's own answer")

		// run counts the closure's runs; fail(n) is the error of run n.
		run := func(fail func(n int) error) (runs int, err error) {
			err = st.Write(ctx, func(q *store.Q) error {
				runs++
				if err := logEvent(ctx, q, app.ID); err != nil {
					return err
				}
				return fail(runs)
			})
			return runs, err
		}
		for _, c := range []struct {
			name     string
			fail     func(n int) error
			wantRuns int
			wantErr  func(error) bool
			commits  int64
		}{
			{"deadlock once", func(n int) error {
				if n == 1 {
					return pgErr("40P01")
				}
				return nil
			}, 2, nil, 1},
			{"serialization failure, wrapped, twice", func(n int) error {
				if n <= 2 {
					return errors.Join(errors.New("context"), pgErr("40001"))
				}
				return nil
			}, 3, nil, 1},
			{"deadlock every time", func(int) error { return pgErr("40P01") }, 6,
				func(err error) bool { var e *pgconn.PgError; return errors.As(err, &e) && e.Code == "40P01" }, 0},
			{"foreign-key violation once", func(n int) error {
				if n == 1 {
					return pgErr("23503")
				}
				return nil
			}, 2, nil, 1},
			{"foreign-key violation that persists", func(int) error { return pgErr("23503") }, 2,
				func(err error) bool { return errors.Is(err, store.ErrNotFound) }, 0},
			{"unique violation", func(int) error { return pgErr("23505") }, 1,
				func(err error) bool { return !errors.Is(err, store.ErrNotFound) }, 0},
			{"the closure's own error", func(int) error { return errRefused }, 1,
				func(err error) bool { return errors.Is(err, errRefused) }, 0},
		} {
			before := loggedEvents(t, st, app.ID)
			runs, err := run(c.fail)
			switch {
			case c.wantErr == nil && err != nil:
				t.Errorf("%s: Write = %v, want success", c.name, err)
			case c.wantErr != nil && (err == nil || !c.wantErr(err)):
				t.Errorf("%s: Write = %v, not the error wanted", c.name, err)
			}
			if runs != c.wantRuns {
				t.Errorf("%s: the closure ran %d times, want %d", c.name, runs, c.wantRuns)
			}
			if n := loggedEvents(t, st, app.ID) - before; n != c.commits {
				t.Errorf("%s: %d runs committed, want %d", c.name, n, c.commits)
			}
		}

		// The engine's own foreign-key error (PostgreSQL 23503, SQLite's
		// SQLITE_CONSTRAINT_FOREIGNKEY): a friendship with users that do
		// not exist is a not-found after one retry, not a fault.
		runs := 0
		err := st.Write(ctx, func(q *store.Q) error {
			runs++
			return q.FriendAdd(ctx, app.ID, 1<<40, 1<<40+1, now)
		})
		if !errors.Is(err, store.ErrNotFound) || runs != 2 {
			t.Errorf("friendship of missing users: Write = %v after %d runs, want ErrNotFound after 2", err, runs)
		}

		// A caller that has gone stops the retries.
		cctx, cancel := context.WithCancel(ctx)
		runs = 0
		err = st.Write(cctx, func(q *store.Q) error {
			runs++
			cancel()
			return pgErr("40P01")
		})
		if !errors.Is(err, context.Canceled) || runs != 1 {
			t.Errorf("cancelled caller: Write = %v after %d runs, want context.Canceled after 1", err, runs)
		}
	})
}
