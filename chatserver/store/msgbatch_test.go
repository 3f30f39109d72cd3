package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// Concurrent appends are committed in shared batches; every caller must
// get the id of its own message, and every id must be distinct.
func TestAppendMessageGivesEachCallerItsOwnID(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		st, app, now := openWithApp(t, b, "batchapp")
		q := st.Read()

		const senders = 300
		ids := make([]int64, senders)
		errs := make([]error, senders)
		var wg sync.WaitGroup
		for i := range senders {
			wg.Go(func() {
				ids[i], errs[i] = st.AppendMessage(ctx, model.Message{
					AppID: app.ID, TargetType: model.TargetSingle, FromID: int64(i), FromUsername: fmt.Sprintf("from%d", i),
					TargetID: 1, TargetName: "someone", TargetAppID: app.ID, MsgType: model.MsgText,
					Body: fmt.Sprintf(`{"text":"message %d"}`, i), Created: now,
				})
			})
		}
		wg.Wait()
		seen := map[int64]bool{}
		for i := range senders {
			if errs[i] != nil {
				t.Fatalf("append %d: %v", i, errs[i])
			}
			if seen[ids[i]] {
				t.Fatalf("id %d returned twice", ids[i])
			}
			seen[ids[i]] = true
			m, err := q.MessageByID(ctx, app.ID, ids[i])
			if err != nil {
				t.Fatalf("reading %d: %v", ids[i], err)
			}
			if want := fmt.Sprintf(`{"text":"message %d"}`, i); m.Body != want || m.FromUsername != fmt.Sprintf("from%d", i) {
				t.Fatalf("id %d holds %s from %s, want %s from from%d", ids[i], m.Body, m.FromUsername, want, i)
			}
		}
	})
}

// A message and its recipients' log rows are one transaction: the rows
// come back numbered and readable, and when writing them fails the
// message is not stored either.
func TestAppendMessageWithEventsIsAtomic(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		st, app, now := openWithApp(t, b, "atomicapp")
		msg := model.Message{AppID: app.ID, TargetType: model.TargetSingle, FromID: 1, FromUsername: "alice",
			TargetID: 2, TargetName: "bobby", TargetAppID: app.ID, MsgType: model.MsgText, Body: `{"text":"hi"}`, Created: now}
		rows := func(appID int64) func(int64) []store.UserEvent {
			return func(id int64) []store.UserEvent {
				return []store.UserEvent{{AppID: appID, UserID: 2, Kind: "message", Payload: fmt.Sprintf(`{"msg_id":%d}`, id), Created: now}}
			}
		}
		for want := int64(1); want <= 2; want++ {
			id, evs, err := st.AppendMessageWithEvents(ctx, msg, rows(app.ID), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 1 || evs[0].Seq != want || evs[0].Payload != fmt.Sprintf(`{"msg_id":%d}`, id) {
				t.Fatalf("rows %+v, want one with seq %d naming msg %d", evs, want, id)
			}
		}
		got, err := st.Read().UserEventsAfter(ctx, app.ID, 2, 0, 10)
		if err != nil || len(got) != 2 {
			t.Fatalf("log holds %+v, %v; want 2 rows", got, err)
		}

		// An event row for an app that does not exist breaks the foreign
		// key: the whole transaction, message included, is rolled back.
		var failedID int64
		bad := rows(app.ID + 1000)
		_, _, err = st.AppendMessageWithEvents(ctx, msg, func(id int64) []store.UserEvent {
			failedID = id
			return bad(id)
		}, nil)
		if err == nil {
			t.Fatal("appending an event of an unknown app succeeded")
		}
		if failedID == 0 {
			t.Fatal("the message insert never ran")
		}
		if _, err := st.Read().MessageByID(ctx, app.ID, failedID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("message %d of the failed batch: %v, want not found", failedID, err)
		}
		if got, _ := st.Read().UserEventsAfter(ctx, app.ID, 2, 0, 10); len(got) != 2 {
			t.Fatalf("log holds %d rows after the failed batch, want 2", len(got))
		}
	})
}
