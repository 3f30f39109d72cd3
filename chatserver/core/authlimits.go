package core

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// AuthLimits bound the attempts to log in or to verify a code, so a
// password or a code cannot be guessed by brute force. Each attempt is
// counted against the account (a phone, a username) and against the
// client's address, per app; a count that passes its limit refuses further
// attempts (ErrTooManyAttempts) until its window closes. A successful
// attempt clears the account's count and is not held against the address.
// The counts live in the database, so they hold across replicas.
type AuthLimits struct {
	// AccountAttempts within AccountWindow for one account.
	AccountAttempts int
	AccountWindow   time.Duration
	// AddressAttempts within AddressWindow from one client address.
	AddressAttempts int
	AddressWindow   time.Duration
}

// DefaultAuthLimits: 10 failed tries per account and 30 per address in 15
// minutes. A person who mistypes stays far below; a guesser gets 40 tries
// an hour per account instead of thousands a second.
var DefaultAuthLimits = AuthLimits{
	AccountAttempts: 10, AccountWindow: 15 * time.Minute,
	AddressAttempts: 30, AddressWindow: 15 * time.Minute,
}

// WithAuthLimits replaces DefaultAuthLimits; a zero count disables that
// limit.
func WithAuthLimits(l AuthLimits) Option {
	return func(s *Service) { s.authLimitsOverride = &l }
}

func (s *Service) authLimits() AuthLimits {
	if s.authLimitsOverride != nil {
		return *s.authLimitsOverride
	}
	return DefaultAuthLimits
}

// The scopes attempts are counted in. Each has its own counts, so a user
// locked out of login can still verify a code to reset the password.
const (
	scopeLogin    = "login"
	scopePassword = "password"
	scopeVerify   = "verify"
	// scopeCaptcha counts new image captchas per address only: each is
	// stored until it expires, so an unbounded stream would fill the
	// database.
	scopeCaptcha = "captcha"
)

// pruneAttemptsBatch is how many closed windows one counted attempt
// clears, which keeps the table at about the size of the open windows.
const pruneAttemptsBatch = 20

type clientAddrKey struct{}

// WithClientAddr records the address a request came from, for the
// per-address limits. The faces' HTTP server sets it on every request.
func WithClientAddr(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

// ClientAddr is the address WithClientAddr recorded, or "".
func ClientAddr(ctx context.Context) string {
	a, _ := ctx.Value(clientAddrKey{}).(string)
	return a
}

// authAttempt is one counted attempt; its outcome settles the counts.
type authAttempt struct {
	svc     *Service
	app     model.App
	account *store.AttemptKey
	address *store.AttemptKey
}

// beginAttempt counts an attempt on account in scope (none when account
// is empty), and from the request's address when it has one, before the
// secret is checked. Over a limit it answers ErrTooManyAttempts without
// checking anything: the attempt still counts, so hammering a locked
// account gains nothing.
func (s *Service) beginAttempt(ctx context.Context, app model.App, scope, account string) (*authAttempt, error) {
	lim := s.authLimits()
	a := &authAttempt{svc: s, app: app}
	if account != "" {
		a.account = &store.AttemptKey{AppID: app.ID, Scope: scope, Subject: account}
	}
	if addr := ClientAddr(ctx); addr != "" {
		a.address = &store.AttemptKey{AppID: app.ID, Scope: scope + "@addr", Subject: addr}
	}
	now := s.clock()
	var over bool
	err := s.store.Write(ctx, func(q *store.Q) error {
		over = false
		if a.account != nil {
			n, err := q.TakeAttempt(ctx, *a.account, now, now.Add(-lim.AccountWindow))
			if err != nil {
				return err
			}
			over = lim.AccountAttempts > 0 && n > lim.AccountAttempts
		}
		if a.address != nil {
			n, err := q.TakeAttempt(ctx, *a.address, now, now.Add(-lim.AddressWindow))
			if err != nil {
				return err
			}
			over = over || lim.AddressAttempts > 0 && n > lim.AddressAttempts
		}
		return q.PruneAttempts(ctx, app.ID, now.Add(-max(lim.AccountWindow, lim.AddressWindow)), pruneAttemptsBatch)
	})
	if err != nil {
		return nil, fmt.Errorf("counting a %s attempt in app %s: %w", scope, app.Key, err)
	}
	if over {
		return nil, ErrTooManyAttempts
	}
	return a, nil
}

// succeeded clears the account's count and gives the address its
// attempt back. The attempt already succeeded, so a failure to record
// that is logged, not returned: it only leaves the counts a little high.
func (a *authAttempt) succeeded(ctx context.Context) {
	err := a.svc.store.Write(ctx, func(q *store.Q) error {
		if a.account != nil {
			if err := q.ForgetAttempts(ctx, *a.account); err != nil {
				return err
			}
		}
		if a.address != nil {
			return q.ReturnAttempt(ctx, *a.address)
		}
		return nil
	})
	if err != nil {
		slog.WarnContext(ctx, "Clearing the attempt count after a success", "app", a.app.Key, "err", err)
	}
}
