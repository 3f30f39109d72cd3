package core_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// phoneUser registers a phone user with password "password1" through the
// SMS flow, as the SealTalk face does.
func (e *codeEnv) phoneUser(region, phone string) {
	e.t.Helper()
	tok := e.verify(region, phone, "register", e.send(region, phone, "register"), nil)
	_, err := e.svc.RegisterPhoneUser(context.Background(), e.app, core.PhoneRegistration{
		Nickname: "n" + phone, Password: "password1", VerificationToken: tok})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *codeEnv) login(ctx context.Context, phone, password string, want error) {
	e.t.Helper()
	_, _, err := e.svc.LoginByPhone(ctx, e.app, "86", phone, password, "web")
	if !errors.Is(err, want) {
		e.t.Fatalf("LoginByPhone(%s, %s) = %v, want %v", phone, password, err, want)
	}
}

func TestLoginAttemptsAreLimitedPerAccount(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		e := newCodeEnv(t, b, nil, core.WithAuthLimits(core.AuthLimits{AccountAttempts: 3, AccountWindow: 15 * time.Minute}))
		e.phoneUser("86", "13900000001")
		e.phoneUser("86", "13900000002")

		// A success clears the count: five wrong tries around it never lock.
		e.login(ctx, "13900000001", "wrong", core.ErrWrongCredentials)
		e.login(ctx, "13900000001", "wrong", core.ErrWrongCredentials)
		e.login(ctx, "13900000001", "password1", nil)
		e.login(ctx, "13900000001", "wrong", core.ErrWrongCredentials)
		e.login(ctx, "13900000001", "wrong", core.ErrWrongCredentials)
		e.login(ctx, "13900000001", "wrong", core.ErrWrongCredentials)
		// The fourth try in the window is refused, even with the password.
		e.login(ctx, "13900000001", "password1", core.ErrTooManyAttempts)
		// Other accounts are untouched, and an unknown phone is counted
		// like a known one (no answer tells which phones exist).
		e.login(ctx, "13900000002", "password1", nil)
		for range 3 {
			e.login(ctx, "13900000009", "password1", core.ErrWrongCredentials)
		}
		e.login(ctx, "13900000009", "password1", core.ErrTooManyAttempts)

		// The window closes 15 minutes after it opened.
		e.clock.Advance(14 * time.Minute)
		e.login(ctx, "13900000001", "password1", core.ErrTooManyAttempts)
		e.clock.Advance(time.Minute)
		e.login(ctx, "13900000001", "password1", nil)
	})
}

func TestLoginAttemptsAreLimitedPerAddress(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		e := newCodeEnv(t, b, nil, core.WithAuthLimits(core.AuthLimits{AddressAttempts: 4, AddressWindow: 10 * time.Minute}))
		e.phoneUser("86", "13900000001")
		attacker := core.WithClientAddr(context.Background(), "203.0.113.7")
		neighbour := core.WithClientAddr(context.Background(), "198.51.100.20")

		// One wrong try at each of four phones: the fifth try from that
		// address is refused whatever it says.
		for i := range 4 {
			e.login(attacker, fmt.Sprintf("1380000000%d", i), "guess", core.ErrWrongCredentials)
		}
		e.login(attacker, "13900000001", "password1", core.ErrTooManyAttempts)
		// Another address is not affected, and its successes are not
		// held against it.
		for range 6 {
			e.login(neighbour, "13900000001", "password1", nil)
		}
		e.clock.Advance(10 * time.Minute)
		e.login(attacker, "13900000001", "password1", nil)
	})
}

func TestCodeVerificationIsLimitedPerPhoneAcrossCodes(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		e := newCodeEnv(t, b, nil, core.WithAuthLimits(core.AuthLimits{AccountAttempts: 6, AccountWindow: time.Hour}))
		// Each code dies after 5 wrong tries; asking for a new code does
		// not buy more guesses than the per-phone limit.
		code := e.send("86", "13911112222", "register")
		for range 5 {
			e.verify("86", "13911112222", "register", wrong(code), core.ErrCodeWrong)
		}
		code = e.send("86", "13911112222", "register")
		e.verify("86", "13911112222", "register", wrong(code), core.ErrCodeWrong)
		e.verify("86", "13911112222", "register", code, core.ErrTooManyAttempts)
		// Logins are counted apart: verification failures do not lock the
		// login of the same phone, nor other phones' codes.
		other := e.send("86", "13933334444", "register")
		e.verify("86", "13933334444", "register", other, nil)
		e.clock.Advance(time.Hour)
		e.verify("86", "13911112222", "register", e.send("86", "13911112222", "register"), nil)
	})
}

func TestPasswordChangeGuessesAreLimited(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		e := newCodeEnv(t, b, nil, core.WithAuthLimits(core.AuthLimits{AccountAttempts: 2, AccountWindow: time.Hour}))
		app := e.app
		if _, err := e.svc.RegisterUsers(ctx, app, []core.NewUser{{Username: "alice", Password: "password1"}}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := e.svc.ChangePassword(ctx, app, "alice", "guess", "newpassword"); !errors.Is(err, core.ErrWrongCredentials) {
				t.Fatalf("wrong old password: %v", err)
			}
		}
		if err := e.svc.ChangePassword(ctx, app, "alice", "password1", "newpassword"); !errors.Is(err, core.ErrTooManyAttempts) {
			t.Fatalf("third try: %v, want ErrTooManyAttempts", err)
		}
	})
}

// Image captchas are stored until they expire, so one address cannot ask
// for an unbounded number of them.
func TestNewCaptchasAreLimitedPerAddress(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		e := newCodeEnv(t, b, nil, core.WithAuthLimits(core.AuthLimits{AddressAttempts: 3, AddressWindow: 10 * time.Minute}))
		from := func(addr string) context.Context { return core.WithClientAddr(context.Background(), addr) }
		for range 3 {
			if _, err := e.svc.NewCaptcha(from("203.0.113.7"), e.app); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.svc.NewCaptcha(from("203.0.113.7"), e.app); !errors.Is(err, core.ErrTooManyAttempts) {
			t.Fatalf("fourth captcha from one address: %v, want ErrTooManyAttempts", err)
		}
		if _, err := e.svc.NewCaptcha(from("198.51.100.20"), e.app); err != nil {
			t.Fatalf("another address: %v", err)
		}
		e.clock.Advance(10 * time.Minute)
		if _, err := e.svc.NewCaptcha(from("203.0.113.7"), e.app); err != nil {
			t.Fatalf("after the window: %v", err)
		}
	})
}
