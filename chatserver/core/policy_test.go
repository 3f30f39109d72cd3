package core_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// The getters a registration flow will call: the policy with the app's
// switch, set together or apart, and refused whole when a rule breaks.
func TestRegistrationPolicyGetters(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		srv := testutil.StartServer(t, b)
		app := srv.CreateApp(t, nil)
		svc := srv.Svc
		get := func() model.RegistrationPolicy {
			t.Helper()
			p, err := svc.RegistrationPolicy(ctx, authenticated(t, svc, app))
			if err != nil {
				t.Fatal(err)
			}
			return p
		}

		want := model.DefaultRegistrationPolicy()
		want.SelfRegistration = model.SelfRegistrationOpen
		if got := get(); !reflect.DeepEqual(got, want) {
			t.Fatalf("fresh app: %+v, want %+v", got, want)
		}

		p := model.DefaultRegistrationPolicy()
		p.SelfRegistration = model.SelfRegistrationClosed
		p.PhoneVerification.Required = true
		stored, err := svc.SetRegistrationPolicy(ctx, authenticated(t, svc, app), p)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(stored, p) || !reflect.DeepEqual(get(), p) {
			t.Fatalf("set %+v, answered %+v, reads %+v", p, stored, get())
		}
		if svc.SDKRegisterOpen(authenticated(t, svc, app)) {
			t.Fatal("SelfRegistration Closed left the switch open")
		}

		// "" leaves the switch.
		p.SelfRegistration = ""
		p.PhoneVerification.Required = false
		if stored, err = svc.SetRegistrationPolicy(ctx, authenticated(t, svc, app), p); err != nil {
			t.Fatal(err)
		}
		if stored.SelfRegistration != model.SelfRegistrationClosed || stored.PhoneVerification.Required {
			t.Fatalf("after a set without the switch: %+v", stored)
		}

		bad := model.DefaultRegistrationPolicy()
		bad.SelfRegistration = model.SelfRegistrationOpen
		bad.Password.MinLength = 0
		if _, err := svc.SetRegistrationPolicy(ctx, authenticated(t, svc, app), bad); !errors.Is(err, core.ErrInvalid) {
			t.Fatalf("minLength 0: %v, want ErrInvalid", err)
		}
		if got := get(); got.SelfRegistration != model.SelfRegistrationClosed || got.PhoneVerification.Required {
			t.Fatalf("a refused set changed the policy: %+v", got)
		}
	})
}
