package core

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dchest/captcha"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// Image captchas guard sending verification codes when the registration
// policy sets phoneVerification.captchaRequired (SealTalk
// get_sms_img_code). The image is a PNG of random digits drawn by
// github.com/dchest/captcha; the store keeps only hashes of the captcha's
// id and answer, with the image, so any replica can serve and check it.
const (
	// CaptchaDigits is how many digits a captcha shows.
	CaptchaDigits = 4
	// CaptchaTTL is how long a captcha can be solved.
	CaptchaTTL = 5 * time.Minute
	// CaptchaMaxTries is how many answers a captcha takes before it dies.
	CaptchaMaxTries = 3
	// Captcha image size in pixels.
	captchaWidth, captchaHeight = 160, 60
	// captchaIDMax bounds a presented id before it is hashed; a real one
	// is 43 characters.
	captchaIDMax = 256
)

var (
	// ErrCaptchaRequired: the policy asks for a captcha and none was sent.
	ErrCaptchaRequired = newError(KindInvalid, "an image captcha is required: get one from get_sms_img_code")
	// ErrCaptchaWrong: the answer is wrong, or the captcha is unknown,
	// used, expired or out of tries.
	ErrCaptchaWrong = newError(KindInvalid, "the image captcha is wrong or expired")
	// ErrCaptchaNotFound: no live captcha has that id (its image cannot
	// be served).
	ErrCaptchaNotFound = newError(KindNotFound, "image captcha not found or expired")
)

// Captcha is a new image captcha: its id, which the client sends back with
// the answer, and the PNG.
type Captcha struct {
	ID  string
	PNG []byte
}

// NewCaptcha draws and stores a captcha for the app.
//
// New captchas are limited per client address (AuthLimits.AddressAttempts
// per AddressWindow): each is stored until it expires.
func (s *Service) NewCaptcha(ctx context.Context, app model.App) (Captcha, error) {
	if _, err := s.beginAttempt(ctx, app, scopeCaptcha, ""); err != nil {
		return Captcha{}, err
	}
	id, idHash, err := newSecretToken()
	if err != nil {
		return Captcha{}, err
	}
	digits := captcha.RandomDigits(CaptchaDigits)
	var png bytes.Buffer
	if _, err := captcha.NewImage(id, digits, captchaWidth, captchaHeight).WriteTo(&png); err != nil {
		return Captcha{}, fmt.Errorf("drawing a captcha: %w", err)
	}
	answer := make([]byte, len(digits))
	for i, d := range digits {
		answer[i] = '0' + d
	}
	now := s.clock()
	err = s.store.Write(ctx, func(q *store.Q) error {
		return q.InsertCaptcha(ctx, app.ID, idHash, captchaAnswerHash(idHash, string(answer)), png.Bytes(), now.Add(CaptchaTTL), now)
	})
	if err != nil {
		return Captcha{}, fmt.Errorf("storing a captcha of app %s: %w", app.Key, err)
	}
	return Captcha{ID: id, PNG: png.Bytes()}, nil
}

func captchaAnswerHash(idHash []byte, answer string) []byte {
	sum := sha256.Sum256(append(append([]byte{}, idHash...), answer...))
	return sum[:]
}

// CaptchaImage answers the PNG of a live captcha.
func (s *Service) CaptchaImage(ctx context.Context, app model.App, id string) ([]byte, error) {
	if id == "" || len(id) > captchaIDMax {
		return nil, ErrCaptchaNotFound
	}
	png, err := s.store.Read().CaptchaImage(ctx, app.ID, tokenHash(id), s.clock())
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrCaptchaNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("reading a captcha of app %s: %w", app.Key, err)
	}
	return png, nil
}

// SolveCaptcha checks an answer. A right answer spends the captcha; each
// wrong one counts, and the CaptchaMaxTries-th kills it.
func (s *Service) SolveCaptcha(ctx context.Context, app model.App, id, answer string) error {
	answer = strings.TrimSpace(answer)
	if id == "" || answer == "" {
		return ErrCaptchaRequired
	}
	if len(id) > captchaIDMax {
		return ErrCaptchaWrong
	}
	idHash := tokenHash(id)
	solved := false
	err := s.store.Write(ctx, func(q *store.Q) error {
		// A retried run (store.Write) must not inherit a lost run's
		// verdict: the captcha may be gone by then.
		solved = false
		want, tries, err := q.CaptchaTry(ctx, app.ID, idHash, CaptchaMaxTries, s.clock())
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		solved = subtle.ConstantTimeCompare(want, captchaAnswerHash(idHash, answer)) == 1
		if solved || tries >= CaptchaMaxTries {
			return q.DeleteCaptcha(ctx, app.ID, idHash)
		}
		return nil // the wrong try is counted
	})
	if err != nil {
		return fmt.Errorf("checking a captcha of app %s: %w", app.Key, err)
	}
	if !solved {
		return ErrCaptchaWrong
	}
	return nil
}

// CheckCodeCaptcha is what sending a verification code asks first: when
// the app's policy sets phoneVerification.captchaRequired, the captcha
// must be solved (SolveCaptcha); otherwise it passes.
func (s *Service) CheckCodeCaptcha(ctx context.Context, app model.App, id, answer string) error {
	p, err := s.RegistrationPolicy(ctx, app)
	if err != nil {
		return err
	}
	if !p.PhoneVerification.CaptchaRequired {
		return nil
	}
	return s.SolveCaptcha(ctx, app, id, answer)
}
