package core_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/sms"
	"github.com/chat-operator/chat-operator/chatserver/sms/smstest"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// codeEnv is one app whose codes go to a webhook receiver of the test's,
// on a service with a manual clock, logging into logs.
type codeEnv struct {
	t     *testing.T
	svc   *core.Service
	raw   *sql.DB
	clock *testutil.Clock
	app   model.App
	rcv   *smstest.Receiver
	logs  *syncBuffer
}

func newCodeEnv(t *testing.T, b testutil.Backend, edit func(p *model.RegistrationPolicy), opts ...core.Option) *codeEnv {
	t.Helper()
	e := &codeEnv{t: t, clock: testutil.NewClock(sessionEpoch), rcv: smstest.Start(t, "hook-token"), logs: &syncBuffer{}}
	sender := sms.NewWebhook()
	sender.AllowLoopback = true // the receiver listens on loopback
	sender.Backoff = time.Millisecond
	sender.Log = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.svc, e.raw = openWithRaw(t, b, append([]core.Option{core.WithClock(e.clock.Now), core.WithSMSSender(sender)}, opts...)...)
	e.app = newCoreApp(t, e.svc)
	p := model.DefaultRegistrationPolicy()
	p.SMS = e.rcv.Webhook()
	p.AllowedRegions = []string{"86", "1"}
	p.PhoneVerification.MaxPerHour, p.PhoneVerification.MaxPerDay = 3, 5
	if edit != nil {
		edit(&p)
	}
	if _, err := e.svc.SetRegistrationPolicy(context.Background(), e.app, p); err != nil {
		t.Fatal(err)
	}
	return e
}

// send sends a code and returns what the webhook received.
func (e *codeEnv) send(region, phone, purpose string) string {
	e.t.Helper()
	before := len(e.rcv.Requests())
	if err := e.svc.SendCode(context.Background(), e.app, region, phone, purpose); err != nil {
		e.t.Fatalf("SendCode(%s, %s, %s): %v", region, phone, purpose, err)
	}
	reqs := e.rcv.Requests()
	if len(reqs) != before+1 {
		e.t.Fatalf("the webhook got %d requests, want %d", len(reqs), before+1)
	}
	return reqs[len(reqs)-1].Message.Code
}

func (e *codeEnv) verify(region, phone, purpose, code string, want error) string {
	e.t.Helper()
	tok, err := e.svc.VerifyCode(context.Background(), e.app, region, phone, purpose, code)
	if !errors.Is(err, want) || (want == nil && tok == "") || (want != nil && tok != "") {
		e.t.Fatalf("VerifyCode(%s): token %q, %v; want %v", code, tok, err, want)
	}
	return tok
}

// wrong returns a code of the same length that is not code.
func wrong(code string) string {
	b := []byte(code)
	b[0] = '0' + (b[0]-'0'+1)%10
	return string(b)
}

func TestSendAndVerifyCode(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		e := newCodeEnv(t, b, nil)
		code := e.send("86", "13912345678", "register")

		r := e.rcv.Requests()[0]
		if r.Header.Get("Authorization") != "Bearer hook-token" {
			t.Fatalf("Authorization %q", r.Header.Get("Authorization"))
		}
		want := sms.Message{AppKey: e.app.Key, Region: "86", Phone: "13912345678", Code: code, Purpose: "register"}
		if r.Message != want || !regexp.MustCompile(`^[0-9]{6}$`).MatchString(code) {
			t.Fatalf("webhook got %+v, want %+v with 6 digits", r.Message, want)
		}

		// Stored hashed: the code appears in no column.
		var hash []byte
		if err := e.raw.QueryRowContext(ctx, "SELECT code_hash FROM verification_codes").Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(hash, []byte(code)) || len(hash) < 32 {
			t.Fatalf("code_hash %x holds the code or is no hash", hash)
		}

		e.verify("86", "13912345678", "reset_password", code, core.ErrCodeWrong) // another purpose
		e.verify("86", "13912345679", "register", code, core.ErrCodeWrong)       // another phone
		e.verify("86", "13912345678", "register", wrong(code), core.ErrCodeWrong)
		token := e.verify("86", "13912345678", "register", code, nil)
		e.verify("86", "13912345678", "register", code, core.ErrCodeWrong) // single use

		v, err := e.svc.LookupVerification(ctx, e.app, token)
		if err != nil || v.Region != "86" || v.Phone != "13912345678" || v.Purpose != "register" {
			t.Fatalf("LookupVerification: %+v, %v", v, err)
		}
		var tokenHash []byte
		if err := e.raw.QueryRowContext(ctx, "SELECT token_hash FROM phone_verifications").Scan(&tokenHash); err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256([]byte(token)); !bytes.Equal(tokenHash, sum[:]) {
			t.Fatalf("phone_verifications holds %q, not the SHA-256 of the token", tokenHash)
		}
		if err := e.svc.ConsumeVerification(ctx, e.app, "86", "13912345679", token); !errors.Is(err, core.ErrVerificationRequired) {
			t.Fatalf("spending for another phone: %v", err)
		}
		if err := e.svc.ConsumeVerification(ctx, e.app, "86", "13912345678", token); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.ConsumeVerification(ctx, e.app, "86", "13912345678", token); !errors.Is(err, core.ErrVerificationRequired) {
			t.Fatalf("spending twice: %v", err)
		}
		if _, err := e.svc.LookupVerification(ctx, e.app, token); !errors.Is(err, core.ErrVerificationRequired) {
			t.Fatalf("looking up a spent token: %v", err)
		}

		// A new code replaces the old one.
		old := e.send("1", "5551234567", "login")
		fresh := e.send("1", "5551234567", "login")
		if old != fresh {
			e.verify("1", "5551234567", "login", old, core.ErrCodeWrong)
		}
		e.verify("1", "5551234567", "login", fresh, nil)

		// Bad input is ErrInvalid, before any delivery.
		for _, in := range [][3]string{{"+86", "13912345678", "register"}, {"086", "13912345678", "register"}, {"86", "139-1234", "register"},
			{"86", "139", "register"}, {"86", "13912345678", ""}, {"86", "13912345678", "Register"}} {
			if err := e.svc.SendCode(ctx, e.app, in[0], in[1], in[2]); !errors.Is(err, core.ErrInvalid) {
				t.Fatalf("SendCode%v: %v, want ErrInvalid", in, err)
			}
		}
	})
}

func TestCodeLengthExpiryAndTries(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		e := newCodeEnv(t, b, func(p *model.RegistrationPolicy) {
			p.PhoneVerification.CodeLength, p.PhoneVerification.TTLSeconds = 8, 120
			p.PhoneVerification.MaxPerHour, p.PhoneVerification.MaxPerDay = 20, 50
		}, core.WithAuthLimits(core.AuthLimits{})) // the per-code tries alone (per-phone limits: authlimits_test.go)
		const region, phone = "86", "13800000001"

		code := e.send(region, phone, "register")
		if len(code) != 8 {
			t.Fatalf("code %q, want 8 digits", code)
		}
		e.clock.Advance(119 * time.Second)
		tok := e.verify(region, phone, "register", code, nil)

		// Expired after the TTL; and a verification token after its own.
		code = e.send(region, phone, "register")
		e.clock.Advance(120 * time.Second)
		e.verify(region, phone, "register", code, core.ErrCodeExpired)
		e.verify(region, phone, "register", code, core.ErrCodeExpired)
		e.clock.Advance(core.VerificationTTL)
		if err := e.svc.ConsumeVerification(ctx, e.app, region, phone, tok); !errors.Is(err, core.ErrVerificationRequired) {
			t.Fatalf("spending an expired verification: %v", err)
		}

		// Four wrong tries leave the code alive.
		code = e.send(region, phone, "register")
		for range core.MaxCodeTries - 1 {
			e.verify(region, phone, "register", wrong(code), core.ErrCodeWrong)
		}
		e.verify(region, phone, "register", code, nil)

		// The fifth kills it.
		code = e.send(region, phone, "register")
		for range core.MaxCodeTries {
			e.verify(region, phone, "register", wrong(code), core.ErrCodeWrong)
		}
		e.verify(region, phone, "register", code, core.ErrCodeWrong)

		// Guesses racing each other cannot get more tries than that.
		code = e.send(region, phone, "register")
		var wg sync.WaitGroup
		for i := range 3 * core.MaxCodeTries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				guess := fmt.Sprintf("%08d", i)
				if guess == code {
					guess = wrong(code)
				}
				_, _ = e.svc.VerifyCode(ctx, e.app, region, phone, "register", guess)
			}()
		}
		wg.Wait()
		e.verify(region, phone, "register", code, core.ErrCodeWrong)
	})
}

func TestCodeRateLimits(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		e := newCodeEnv(t, b, nil) // 3 an hour, 5 a day
		const region, phone = "86", "13900000002"
		limited := func() {
			t.Helper()
			before := len(e.rcv.Requests())
			if err := e.svc.SendCode(ctx, e.app, region, phone, "register"); !errors.Is(err, core.ErrCodeRateLimited) {
				t.Fatalf("SendCode over the limit: %v, want ErrCodeRateLimited", err)
			}
			if len(e.rcv.Requests()) != before {
				t.Fatal("a refused send reached the webhook")
			}
		}
		e.send(region, phone, "register")
		e.clock.Advance(10 * time.Minute)
		e.send(region, phone, "reset_password") // purposes share the quota
		e.send(region, phone, "register")
		limited()
		e.send("86", "13900000003", "register") // another phone has its own

		// The hour slides: 50 minutes on, the first send has left it.
		e.clock.Advance(50 * time.Minute)
		e.send(region, phone, "register")
		limited()
		e.clock.Advance(10 * time.Minute)
		e.send(region, phone, "register") // 5 today
		e.clock.Advance(2 * time.Hour)
		limited() // the day is full

		e.clock.Advance(23*time.Hour + 59*time.Minute - 70*time.Minute - 2*time.Hour) // 23h59m after the first
		limited()
		e.clock.Advance(time.Minute)
		e.send(region, phone, "register")
	})
}

// Concurrent sends to one phone cannot get past the hourly limit.
func TestConcurrentSendsKeepTheLimit(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		e := newCodeEnv(t, b, nil) // 3 an hour
		const n = 12
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = e.svc.SendCode(ctx, e.app, "86", "13900000004", "register")
			}()
		}
		wg.Wait()
		sent := 0
		for _, err := range errs {
			switch {
			case err == nil:
				sent++
			case !errors.Is(err, core.ErrCodeRateLimited):
				t.Fatalf("SendCode: %v", err)
			}
		}
		if sent != 3 || len(e.rcv.Requests()) != 3 {
			t.Fatalf("%d sends succeeded, the webhook got %d; want 3 and 3", sent, len(e.rcv.Requests()))
		}
	})
}

func TestCodeRefusals(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		e := newCodeEnv(t, b, nil) // regions 86 and 1
		if err := e.svc.SendCode(ctx, e.app, "44", "7700900123", "register"); !errors.Is(err, core.ErrRegionNotAllowed) {
			t.Fatalf("region 44: %v, want ErrRegionNotAllowed", err)
		}
		if n := len(e.rcv.Requests()); n != 0 {
			t.Fatalf("a refused region reached the webhook %d times", n)
		}

		p, _ := e.svc.RegistrationPolicy(ctx, e.app)
		p.SMS = nil
		if _, err := e.svc.SetRegistrationPolicy(ctx, e.app, p); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SendCode(ctx, e.app, "86", "13900000005", "register"); !errors.Is(err, core.ErrSMSNotConfigured) {
			t.Fatalf("no webhook: %v, want ErrSMSNotConfigured", err)
		}
	})
}

// A webhook that keeps failing: a clear error, three tries, no quota
// used, no code in the logs or the error.
func TestUndeliverableCodeUsesNoQuota(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		// 3 an hour; it tries every undelivered code, more than the
		// per-phone verify limit allows.
		e := newCodeEnv(t, b, nil, core.WithAuthLimits(core.AuthLimits{}))
		const region, phone = "86", "13900000006"
		e.rcv.AnswerAlways(http.StatusInternalServerError)
		var errs []string
		for range 4 {
			err := e.svc.SendCode(ctx, e.app, region, phone, "register")
			if !errors.Is(err, core.ErrSMSUndeliverable) {
				t.Fatalf("failing webhook: %v, want ErrSMSUndeliverable", err)
			}
			errs = append(errs, err.Error())
		}
		if n := len(e.rcv.Requests()); n != 4*sms.DefaultAttempts {
			t.Fatalf("the webhook got %d tries, want %d", n, 4*sms.DefaultAttempts)
		}
		if !strings.Contains(e.logs.String(), "Delivering SMS code failed") {
			t.Fatalf("failed tries were not logged: %q", e.logs.String())
		}
		// No code was stored, so nothing can be verified.
		for _, r := range e.rcv.Requests() {
			e.verify(region, phone, "register", r.Message.Code, core.ErrCodeWrong)
		}

		// The quota is whole: three codes still go out this hour.
		e.rcv.AnswerAlways(http.StatusOK)
		var codes []string
		for range 3 {
			codes = append(codes, e.send(region, phone, "register"))
		}
		if err := e.svc.SendCode(ctx, e.app, region, phone, "register"); !errors.Is(err, core.ErrCodeRateLimited) {
			t.Fatalf("fourth send: %v, want ErrCodeRateLimited", err)
		}
		e.verify(region, phone, "register", codes[2], nil)

		for _, r := range e.rcv.Requests() {
			if strings.Contains(e.logs.String(), "="+r.Message.Code) || strings.Contains(strings.Join(errs, "\n"), r.Message.Code) {
				t.Fatalf("code %s appears in the logs or an error:\n%s\n%s", r.Message.Code, e.logs.String(), errs)
			}
		}
	})
}
