package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// The policy row is per app, replaced whole by a put, never holds the
// switch, and goes with the app on purge.
func TestRegistrationPolicyPerAppReplacedAndPurged(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		st, app, now := openWithApp(t, b, "PolicyOne")
		if _, err := st.Read().PutApp(ctx, model.App{Key: "PolicyTwo", SecretHash: []byte{1}, Updated: now}); err != nil {
			t.Fatal(err)
		}
		other, err := st.Read().AppByKey(ctx, "PolicyTwo")
		if err != nil {
			t.Fatal(err)
		}
		// A marker default tells "no row" from a stored policy.
		marker := model.DefaultRegistrationPolicy()
		marker.AllowedRegions = []string{"999"}
		read := func(appID int64) model.RegistrationPolicy {
			t.Helper()
			p, err := st.Read().RegistrationPolicy(ctx, appID, marker)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		if got := read(app.ID); !reflect.DeepEqual(got, marker) {
			t.Fatalf("no row yet: got %+v, want the defaults given", got)
		}

		put := func(p model.RegistrationPolicy) {
			t.Helper()
			if err := st.Write(ctx, func(q *store.Q) error { return q.PutRegistrationPolicy(ctx, app.ID, p, now) }); err != nil {
				t.Fatal(err)
			}
		}
		first := model.DefaultRegistrationPolicy()
		first.SelfRegistration = model.SelfRegistrationClosed
		first.AllowedRegions = []string{"86", "1"}
		first.SMS = &model.SMSWebhook{WebhookURL: "https://sms.example/", Token: "t"}
		put(first)
		want := first
		want.SelfRegistration = "" // the switch is not the policy row's
		if got := read(app.ID); !reflect.DeepEqual(got, want) {
			t.Fatalf("read back %+v, want %+v", got, want)
		}
		if marker.AllowedRegions[0] != "999" {
			t.Fatalf("reading changed the caller's defaults: %v", marker.AllowedRegions)
		}
		second := model.DefaultRegistrationPolicy()
		second.Username.Pattern = "^[a-z]+$"
		put(second)
		if got := read(app.ID); !reflect.DeepEqual(got, second) {
			t.Fatalf("after a second put: %+v, want %+v", got, second)
		}
		if got := read(other.ID); !reflect.DeepEqual(got, marker) {
			t.Fatalf("the other app reads %+v", got)
		}

		if err := st.Read().PurgeApp(ctx, app.ID); err != nil {
			t.Fatal(err)
		}
		if got := read(app.ID); !reflect.DeepEqual(got, marker) {
			t.Fatalf("policy row survived the purge: %+v", got)
		}
	})
}
