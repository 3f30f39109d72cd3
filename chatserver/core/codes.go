package core

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/sms"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

const (
	// MaxCodeTries is how many tries a code survives: the last wrong one
	// kills it.
	MaxCodeTries = 5
	// VerificationTTL is how long a verification token from VerifyCode
	// can be spent.
	VerificationTTL = 30 * time.Minute
	// Phone numbers are national numbers without the region; E.164 allows
	// 15 digits with the region, so 20 leaves room.
	phoneMin, phoneMax = 4, 20
	purposeMax         = 32
	// codeInputMax bounds a presented code before it is hashed.
	codeInputMax = 16
	// codeRecordsKept is how long an expired code's row stays, so a late
	// try reads "expired" rather than "wrong".
	codeRecordsKept = 24 * time.Hour
)

// WithSMSSender replaces how codes are delivered; the default POSTs them
// to the policy's webhook (sms.Webhook).
func WithSMSSender(sender sms.Sender) Option {
	return func(s *Service) { s.endUsers.sms = sender }
}

func (s *Service) smsSender() sms.Sender {
	if s.endUsers.sms != nil {
		return s.endUsers.sms
	}
	return defaultSMSSender
}

var defaultSMSSender = sms.NewWebhook()

// checkPhoneNumber: region a country calling code, phone its national
// number, digits only.
func checkPhoneNumber(region, phone string) error {
	// No calling code starts with 0; refusing "086" keeps one phone to
	// one quota.
	if !callingCode(region) || region[0] == '0' {
		return invalidf("region %q must be a country calling code: 1-4 digits, no + or leading 0", clip(region))
	}
	if len(phone) < phoneMin || len(phone) > phoneMax || !allDigits(phone) {
		return invalidf("phone %q must be %d-%d digits", clip(phone), phoneMin, phoneMax)
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkPurpose: what the code is for, e.g. "register" or "reset_password".
func checkPurpose(p string) error {
	if len(p) < 1 || len(p) > purposeMax {
		return invalidf("purpose must be 1-%d bytes", purposeMax)
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return invalidf("purpose %q may hold only a-z, 0-9, _ and -", clip(p))
		}
	}
	return nil
}

func regionAllowed(p model.RegistrationPolicy, region string) bool {
	return len(p.AllowedRegions) == 0 || slices.Contains(p.AllowedRegions, region)
}

// randomDigits returns n uniformly random decimal digits.
func randomDigits(n int) (string, error) {
	b := make([]byte, n)
	ten := big.NewInt(10)
	for i := range b {
		d, err := rand.Int(rand.Reader, ten)
		if err != nil {
			return "", fmt.Errorf("generating a code: %w", err)
		}
		b[i] = byte('0' + d.Int64())
	}
	return string(b), nil
}

// SendCode sends a fresh verification code to the phone through the
// app's SMS webhook, replacing any earlier code for the same purpose. The
// policy sets the code's length and TTL and how many codes one phone may
// get per hour and per day, across purposes (ErrCodeRateLimited). Only
// delivered codes count: when the webhook keeps failing the answer is
// ErrSMSUndeliverable and the quota is as it was.
func (s *Service) SendCode(ctx context.Context, app model.App, region, phone, purpose string) error {
	if err := checkPhoneNumber(region, phone); err != nil {
		return err
	}
	if err := checkPurpose(purpose); err != nil {
		return err
	}
	policy, err := s.RegistrationPolicy(ctx, app)
	if err != nil {
		return err
	}
	if !regionAllowed(policy, region) {
		return fmt.Errorf("%w: %s", ErrRegionNotAllowed, region)
	}
	if policy.SMS == nil || policy.SMS.WebhookURL == "" {
		return fmt.Errorf("%w for app %s", ErrSMSNotConfigured, app.Key)
	}
	pv := policy.PhoneVerification
	code, err := randomDigits(pv.CodeLength)
	if err != nil {
		return err
	}
	hash, err := hashSecret(code)
	if err != nil {
		return err
	}
	key := store.PhoneKey{AppID: app.ID, Region: region, Phone: phone}
	now := s.clock()

	// Reserve the quota first, so concurrent sends cannot all pass the
	// limit; give it back if the code is not delivered.
	var sendID int64
	err = s.store.Write(ctx, func(q *store.Q) error {
		if err := q.LockCodePhone(ctx, key, now); err != nil {
			return err
		}
		if err := q.PruneCodeSends(ctx, key, now.Add(-24*time.Hour)); err != nil {
			return err
		}
		for _, w := range []struct {
			name   string
			window time.Duration
			max    int
		}{{"hour", time.Hour, pv.MaxPerHour}, {"day", 24 * time.Hour, pv.MaxPerDay}} {
			n, err := q.CountCodeSends(ctx, key, now.Add(-w.window))
			if err != nil {
				return err
			}
			if n >= w.max {
				return fmt.Errorf("%w: at most %d per %s", ErrCodeRateLimited, w.max, w.name)
			}
		}
		sendID, err = q.InsertCodeSend(ctx, key, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("sending a code to +%s %s in app %s: %w", region, phone, app.Key, err)
	}

	msg := sms.Message{AppKey: app.Key, Region: region, Phone: phone, Code: code, Purpose: purpose}
	if err := s.smsSender().Send(ctx, *policy.SMS, msg); err != nil {
		undo := s.store.Write(context.WithoutCancel(ctx), func(q *store.Q) error {
			return q.DeleteCodeSend(ctx, app.ID, sendID)
		})
		if undo != nil {
			undo = fmt.Errorf("giving back the quota: %w", undo)
		}
		return fmt.Errorf("%w: +%s %s in app %s: %w", ErrSMSUndeliverable, region, phone, app.Key, errors.Join(err, undo))
	}

	// The code is on the phone now: store it even if the caller has gone.
	ctx = context.WithoutCancel(ctx)
	err = s.store.Write(ctx, func(q *store.Q) error {
		c := store.VerificationCode{PhoneKey: key, Purpose: purpose, Hash: hash, Created: now,
			Expires: now.Add(time.Duration(pv.TTLSeconds) * time.Second)}
		if err := q.PutVerificationCode(ctx, c); err != nil {
			return err
		}
		return q.PruneVerifications(ctx, app.ID, now, now.Add(-codeRecordsKept))
	})
	if err != nil {
		return fmt.Errorf("storing the code sent to +%s %s in app %s: %w", region, phone, app.Key, err)
	}
	return nil
}

// VerifyCode checks a code the phone received for purpose. A right code
// is spent and answered with a verification token, which registration
// spends in turn (ConsumeVerification). Every try counts against the
// code, and the MaxCodeTries-th wrong one kills it: ErrCodeWrong, or
// ErrCodeExpired once the policy's TTL has passed.
func (s *Service) VerifyCode(ctx context.Context, app model.App, region, phone, purpose, code string) (string, error) {
	if err := checkPhoneNumber(region, phone); err != nil {
		return "", err
	}
	if err := checkPurpose(purpose); err != nil {
		return "", err
	}
	// Beyond the tries each code allows, guesses at a phone's codes are
	// limited across codes and from one address (AuthLimits).
	attempt, err := s.beginAttempt(ctx, app, scopeVerify, region+":"+phone)
	if err != nil {
		return "", err
	}
	token, tokenHash, err := newSecretToken()
	if err != nil {
		return "", err
	}
	key := store.PhoneKey{AppID: app.ID, Region: region, Phone: phone}
	now := s.clock()
	// refusal is the answer for a wrong code; the transaction still
	// commits, since the try it spent must stay spent.
	var refusal error
	err = s.store.Write(ctx, func(q *store.Q) error {
		refusal = nil // a retried run (store.Write) judges afresh
		c, err := q.TakeCodeAttempt(ctx, key, purpose, now, MaxCodeTries)
		if errors.Is(err, store.ErrNotFound) {
			expired, err := q.CodeExpiredAt(ctx, key, purpose, now)
			if err != nil {
				return err
			}
			refusal = ErrCodeWrong
			if expired {
				refusal = ErrCodeExpired
			}
			return nil
		}
		if err != nil {
			return err
		}
		if len(code) > codeInputMax || !secretMatches(c.Hash, code) {
			if left := MaxCodeTries - c.Failures; left > 0 {
				refusal = fmt.Errorf("%w: %d tries left", ErrCodeWrong, left)
				return nil
			}
			refusal = fmt.Errorf("%w: no tries left, ask for a new code", ErrCodeWrong)
			return q.DeleteVerificationCode(ctx, key, purpose)
		}
		if err := q.DeleteVerificationCode(ctx, key, purpose); err != nil {
			return err
		}
		v := store.PhoneVerification{PhoneKey: key, Purpose: purpose, Expires: now.Add(VerificationTTL)}
		return q.InsertPhoneVerification(ctx, v, tokenHash)
	})
	if err != nil {
		return "", fmt.Errorf("verifying a code of +%s %s in app %s: %w", region, phone, app.Key, err)
	}
	if refusal != nil {
		return "", refusal
	}
	attempt.succeeded(ctx)
	return token, nil
}

// VerifiedPhone is what an unspent verification token proves.
type VerifiedPhone struct {
	Region, Phone, Purpose string
	Expires                time.Time
}

// LookupVerification tells which phone a verification token proves,
// without spending it, for flows whose requests carry only the token
// (SealTalk's register and reset_password). An unknown, spent or expired
// token is ErrVerificationRequired.
func (s *Service) LookupVerification(ctx context.Context, app model.App, token string) (VerifiedPhone, error) {
	if token == "" || len(token) > sessionTokenMax {
		return VerifiedPhone{}, fmt.Errorf("%w: no valid verification token", ErrVerificationRequired)
	}
	v, err := s.store.Read().PhoneVerificationByHash(ctx, app.ID, tokenHash(token), s.clock())
	if errors.Is(err, store.ErrNotFound) {
		return VerifiedPhone{}, fmt.Errorf("%w: the verification token is unknown, used or expired", ErrVerificationRequired)
	}
	if err != nil {
		return VerifiedPhone{}, fmt.Errorf("reading a verification in app %s: %w", app.Key, err)
	}
	return VerifiedPhone{Region: v.Region, Phone: v.Phone, Purpose: v.Purpose, Expires: v.Expires}, nil
}

// ConsumeVerification spends a verification token of the phone: it works
// once, for the phone it was issued to, before it expires; otherwise
// ErrVerificationRequired.
func (s *Service) ConsumeVerification(ctx context.Context, app model.App, region, phone, token string) error {
	if token == "" || len(token) > sessionTokenMax {
		return fmt.Errorf("%w: no valid verification token", ErrVerificationRequired)
	}
	key := store.PhoneKey{AppID: app.ID, Region: region, Phone: phone}
	err := s.store.Write(ctx, func(q *store.Q) error {
		return q.DeletePhoneVerification(ctx, key, tokenHash(token), s.clock())
	})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: the verification token is unknown, used, expired or for another phone", ErrVerificationRequired)
	}
	if err != nil {
		return fmt.Errorf("spending a verification in app %s: %w", app.Key, err)
	}
	return nil
}
