package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

func TestCheckRegistration(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		e := newCodeEnv(t, b, nil)
		// One verified phone, whose token the cases present.
		code := e.send("86", "13912345678", "register")
		token := e.verify("86", "13912345678", "register", code, nil)

		open := func(p *model.RegistrationPolicy) { p.SelfRegistration = model.SelfRegistrationOpen }
		strict := func(p *model.RegistrationPolicy) {
			open(p)
			p.Username = model.UsernameRule{MinLength: 5, MaxLength: 12, Pattern: "^[a-z][a-z0-9]*$"}
			p.Password = model.PasswordRule{MinLength: 8, MaxLength: 20, AllowSpaces: false}
			p.AllowedRegions = []string{"86"}
		}
		verified := func(p *model.RegistrationPolicy) { strict(p); p.PhoneVerification.Required = true }
		ok := core.RegistrationAttempt{Username: "alice1", Password: "correct-horse"}
		with := func(edit func(a *core.RegistrationAttempt)) core.RegistrationAttempt {
			a := ok
			edit(&a)
			return a
		}
		phone := func(a *core.RegistrationAttempt) { a.Region, a.Phone = "86", "13912345678" }
		withToken := func(a *core.RegistrationAttempt) { phone(a); a.VerificationToken = token }

		for _, tc := range []struct {
			name    string
			policy  func(p *model.RegistrationPolicy)
			attempt core.RegistrationAttempt
			want    error
		}{
			{"default policy", open, ok, nil},
			{"closed", func(p *model.RegistrationPolicy) { p.SelfRegistration = model.SelfRegistrationClosed }, ok, core.ErrRegistrationClosed},
			{"closed beats a bad username", func(p *model.RegistrationPolicy) { p.SelfRegistration = model.SelfRegistrationClosed },
				with(func(a *core.RegistrationAttempt) { a.Username = "x" }), core.ErrRegistrationClosed},

			{"default: seed username rule", open, with(func(a *core.RegistrationAttempt) { a.Username = "_alice" }), core.ErrUsernameRejected},
			{"default: 3-byte username", open, with(func(a *core.RegistrationAttempt) { a.Username = "abc" }), core.ErrUsernameRejected},
			{"default: spaces allowed", open, with(func(a *core.RegistrationAttempt) { a.Password = "two words" }), nil},
			{"default: 3-byte password", open, with(func(a *core.RegistrationAttempt) { a.Password = "abc" }), core.ErrPasswordRejected},
			{"default: every region", open, with(func(a *core.RegistrationAttempt) { a.Region, a.Phone = "44", "7700900123" }), nil},
			{"no username: generated later", strict, with(func(a *core.RegistrationAttempt) { a.Username = "" }), nil},

			{"strict: ok", strict, ok, nil},
			{"strict: too short", strict, with(func(a *core.RegistrationAttempt) { a.Username = "bob1" }), core.ErrUsernameRejected},
			{"strict: too long", strict, with(func(a *core.RegistrationAttempt) { a.Username = "abcdefghijklm" }), core.ErrUsernameRejected},
			{"strict: pattern", strict, with(func(a *core.RegistrationAttempt) { a.Username = "Alice1" }), core.ErrUsernameRejected},
			{"strict: seed rule too", func(p *model.RegistrationPolicy) { strict(p); p.Username.Pattern = "" },
				with(func(a *core.RegistrationAttempt) { a.Username = "ali ce" }), core.ErrUsernameRejected},
			{"strict: short password", strict, with(func(a *core.RegistrationAttempt) { a.Password = "short12" }), core.ErrPasswordRejected},
			{"strict: long password", strict, with(func(a *core.RegistrationAttempt) { a.Password = strings.Repeat("p", 21) }), core.ErrPasswordRejected},
			{"strict: space", strict, with(func(a *core.RegistrationAttempt) { a.Password = "correct horse" }), core.ErrPasswordRejected},
			{"strict: tab", strict, with(func(a *core.RegistrationAttempt) { a.Password = "correct\thorse" }), core.ErrPasswordRejected},
			{"strict: region allowed", strict, with(phone), nil},
			{"strict: region refused", strict, with(func(a *core.RegistrationAttempt) { a.Region, a.Phone = "1", "5551234567" }), core.ErrRegionNotAllowed},
			{"strict: phone malformed", strict, with(func(a *core.RegistrationAttempt) { a.Region, a.Phone = "86", "12-34" }), core.ErrInvalid},

			{"verified: token", verified, with(withToken), nil},
			{"verified: no phone", verified, ok, core.ErrVerificationRequired},
			{"verified: no token", verified, with(phone), core.ErrVerificationRequired},
			{"verified: unknown token", verified, with(func(a *core.RegistrationAttempt) { withToken(a); a.VerificationToken = "forged" }),
				core.ErrVerificationRequired},
			{"verified: another phone", verified, with(func(a *core.RegistrationAttempt) { withToken(a); a.Phone = "13912345679" }),
				core.ErrVerificationRequired},
			{"verified: region before token", verified, with(func(a *core.RegistrationAttempt) { withToken(a); a.Region = "1" }),
				core.ErrRegionNotAllowed},
		} {
			p := model.DefaultRegistrationPolicy()
			p.SMS = e.rcv.Webhook()
			tc.policy(&p)
			if _, err := e.svc.SetRegistrationPolicy(ctx, e.app, p); err != nil {
				t.Fatalf("%s: setting the policy: %v", tc.name, err)
			}
			app, err := e.svc.GetApp(ctx, e.app.Key)
			if err != nil {
				t.Fatal(err)
			}
			err = e.svc.CheckRegistration(ctx, app, tc.attempt)
			if (tc.want == nil) != (err == nil) || !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}

		// Checking spends nothing; the flow spends the token once.
		if err := e.svc.ConsumeVerification(ctx, e.app, "86", "13912345678", token); err != nil {
			t.Fatalf("spending the token after the checks: %v", err)
		}
		app, _ := e.svc.GetApp(ctx, e.app.Key)
		if err := e.svc.CheckRegistration(ctx, app, with(withToken)); !errors.Is(err, core.ErrVerificationRequired) {
			t.Fatalf("a spent token: %v, want ErrVerificationRequired", err)
		}
	})
}
