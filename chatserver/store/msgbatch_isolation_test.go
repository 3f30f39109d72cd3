package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
	"github.com/chat-operator/chat-operator/chatserver/text"
)

// One batch mixes good messages of two tenants with one the database
// refuses (its app does not exist, a foreign-key violation on both
// engines). Every good message must be stored, with its log row and its
// id, and only the bad one fails. Before fault isolation the whole batch
// failed with the bad item's error.
func TestMessageBatchIsFaultIsolated(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		st := openStore(t, b)
		now := time.UnixMilli(time.Now().UnixMilli())
		var apps []model.App
		for _, key := range []string{"isolatedapp1", "isolatedapp2"} {
			if _, err := st.Read().PutApp(ctx, model.App{Key: key, SecretHash: []byte{1}, Updated: now}); err != nil {
				t.Fatal(err)
			}
			a, err := st.Read().AppByKey(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			apps = append(apps, a)
		}
		msg := func(appID int64, i int) model.Message {
			return model.Message{AppID: appID, TargetType: model.TargetSingle, FromID: 1, FromUsername: "sender",
				TargetID: 2, TargetName: "someone", TargetAppID: appID, MsgType: model.MsgText,
				Body: fmt.Sprintf(`{"text":"message %d"}`, i), Created: now}
		}
		// With log rows (a transaction) and without (one statement): both
		// paths of the batch writer.
		for _, withEvents := range []bool{false, true} {
			var batch []store.BatchItem
			for i := range 6 {
				appID := apps[i%2].ID
				if i == 3 {
					appID = 1 << 40 // no such app
				}
				it := store.BatchItem{Message: msg(appID, i)}
				if withEvents {
					it.Events = func(msgID int64) []store.UserEvent {
						return []store.UserEvent{{AppID: appID, UserID: 2, Kind: "message", Payload: `{"msg_id":1}`, Created: now}}
					}
				}
				batch = append(batch, it)
			}
			store.WriteMessageBatch(st, batch)
			for i, r := range batch {
				if i == 3 {
					if r.Err == nil || r.ID != 0 {
						t.Fatalf("events=%t: the bad item was stored (id %d, err %v)", withEvents, r.ID, r.Err)
					}
					continue
				}
				if r.Err != nil {
					t.Fatalf("events=%t: good item %d failed with the batch: %v", withEvents, i, r.Err)
				}
				m, err := st.Read().MessageByID(ctx, r.Message.AppID, r.ID)
				if err != nil {
					t.Fatalf("events=%t: good item %d (id %d) not stored: %v", withEvents, i, r.ID, err)
				}
				if m.Body != r.Message.Body {
					t.Fatalf("events=%t: id %d holds %s, want %s", withEvents, r.ID, m.Body, r.Message.Body)
				}
				if withEvents && (len(r.Logged) != 1 || r.Logged[0].Seq == 0) {
					t.Fatalf("events=%t: good item %d has log rows %+v", withEvents, i, r.Logged)
				}
			}
		}
	})
}

// Text that the database would refuse never reaches a batch: it fails at
// once with text's error, on both engines alike.
func TestAppendMessageRefusesBadText(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		st := openStore(t, b)
		for _, m := range []model.Message{
			{FromName: "a\x00b", Body: `{}`},
			{Body: "{\"text\":\"\xff\"}"},
		} {
			_, err := st.AppendMessage(ctx, m)
			if !errors.Is(err, text.ErrInvalid) {
				t.Fatalf("AppendMessage(%q, %q) = %v, want the text error", m.FromName, m.Body, err)
			}
		}
	})
}
