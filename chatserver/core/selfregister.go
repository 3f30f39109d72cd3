package core

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// RegistrationAttempt is an end user signing themselves up, as a dialect
// received it. Username "" means the dialect will generate one (equal to
// the user's external id), which the username rule does not judge. Region
// and Phone are the phone being registered, if any.
type RegistrationAttempt struct {
	Username          string
	Password          string
	Region, Phone     string
	VerificationToken string
}

// CheckRegistration applies the app's registration policy to a
// self-registration, in this order: the switch (ErrRegistrationClosed),
// the username rule (ErrUsernameRejected), the password rule
// (ErrPasswordRejected), the allowed regions (ErrRegionNotAllowed) and,
// when the policy requires phone verification, a valid verification token
// for that phone (ErrVerificationRequired). It spends nothing: the flow
// spends the token with ConsumeVerification before creating the user.
// The seed's username rule and 4-128 byte bounds hold whatever the policy
// says, since the admin API must be able to reach every user.
func (s *Service) CheckRegistration(ctx context.Context, app model.App, a RegistrationAttempt) error {
	p, err := s.RegistrationPolicy(ctx, app)
	if err != nil {
		return err
	}
	if p.SelfRegistration != model.SelfRegistrationOpen {
		return ErrRegistrationClosed
	}
	if a.Username != "" {
		if err := checkUsernameAgainst(p.Username, a.Username); err != nil {
			return err
		}
	}
	if err := checkPasswordAgainst(p.Password, a.Password); err != nil {
		return err
	}
	if a.Region != "" || a.Phone != "" {
		if err := checkPhoneNumber(a.Region, a.Phone); err != nil {
			return err
		}
		if !regionAllowed(p, a.Region) {
			return fmt.Errorf("%w: %s", ErrRegionNotAllowed, a.Region)
		}
	}
	if !p.PhoneVerification.Required {
		return nil
	}
	if a.Region == "" || a.VerificationToken == "" {
		return fmt.Errorf("%w: a verified phone is required", ErrVerificationRequired)
	}
	v, err := s.LookupVerification(ctx, app, a.VerificationToken)
	if err != nil {
		return err
	}
	if v.Region != a.Region || v.Phone != a.Phone {
		return fmt.Errorf("%w: the verification token is for another phone", ErrVerificationRequired)
	}
	return nil
}

func checkUsernameAgainst(r model.UsernameRule, name string) error {
	if len(name) < r.MinLength || len(name) > r.MaxLength {
		return fmt.Errorf("%w: must be %d-%d bytes", ErrUsernameRejected, r.MinLength, r.MaxLength)
	}
	if !ValidUsername(name) {
		return fmt.Errorf("%w: %q must be 4-128 bytes, start with a letter or digit, then letters, digits, _ . - @",
			ErrUsernameRejected, clip(name))
	}
	if r.Pattern == "" {
		return nil
	}
	// The policy was checked when it was set, so the pattern compiles.
	re, err := regexp.Compile(r.Pattern)
	if err != nil {
		return fmt.Errorf("compiling the username pattern: %w", err)
	}
	if !re.MatchString(name) {
		return fmt.Errorf("%w: %q does not match %s", ErrUsernameRejected, clip(name), r.Pattern)
	}
	return nil
}

func checkPasswordAgainst(r model.PasswordRule, pw string) error {
	lo, hi := max(r.MinLength, passwordMin), min(r.MaxLength, passwordMax)
	if len(pw) < lo || len(pw) > hi {
		return fmt.Errorf("%w: must be %d-%d bytes", ErrPasswordRejected, lo, hi)
	}
	if !r.AllowSpaces && strings.IndexFunc(pw, unicode.IsSpace) >= 0 {
		return fmt.Errorf("%w: must not contain spaces", ErrPasswordRejected)
	}
	return nil
}
