package client

import (
	"context"
	"fmt"
	"net/http"
)

// RegistrationPolicy is an app's end-user registration settings, the
// server's extension GET/PUT /v1/registration/policy. Every field is
// optional (nil or empty is left out of the JSON), so a caller sends only
// what it declares. A PUT replaces the whole policy: the server gives each
// omitted field its default, not its previous value, except
// SelfRegistration, which it then leaves as it is. It answers with the whole
// stored policy, which can be PUT back unchanged.
type RegistrationPolicy struct {
	// SelfRegistration is SelfRegistrationOpen or SelfRegistrationClosed.
	SelfRegistration  string             `json:"selfRegistration,omitempty"`
	PhoneVerification *PhoneVerification `json:"phoneVerification,omitempty"`
	Username          *UsernameRules     `json:"username,omitempty"`
	Password          *PasswordRules     `json:"password,omitempty"`
	// AllowedRegions are phone country codes without "+", e.g. "86".
	AllowedRegions []string     `json:"allowedRegions,omitempty"`
	SMS            *SMSDelivery `json:"sms,omitempty"`
}

// Values of RegistrationPolicy.SelfRegistration.
const (
	SelfRegistrationOpen   = "Open"
	SelfRegistrationClosed = "Closed"
)

// PhoneVerification rules the verification codes sent to phones. Pointers
// tell "not sent" from false or 0.
type PhoneVerification struct {
	Required   *bool `json:"required,omitempty"`
	CodeLength *int  `json:"codeLength,omitempty"`
	TTLSeconds *int  `json:"ttlSeconds,omitempty"`
	MaxPerHour *int  `json:"maxPerHour,omitempty"`
	MaxPerDay  *int  `json:"maxPerDay,omitempty"`
	// CaptchaRequired makes sending a code need a solved image captcha.
	CaptchaRequired *bool `json:"captchaRequired,omitempty"`
}

// UsernameRules constrain the usernames end users choose.
type UsernameRules struct {
	MinLength *int    `json:"minLength,omitempty"`
	MaxLength *int    `json:"maxLength,omitempty"`
	Pattern   *string `json:"pattern,omitempty"`
}

// PasswordRules constrain end users' passwords.
type PasswordRules struct {
	MinLength   *int  `json:"minLength,omitempty"`
	MaxLength   *int  `json:"maxLength,omitempty"`
	AllowSpaces *bool `json:"allowSpaces,omitempty"`
}

// SMSDelivery is where the server posts verification codes for sending.
type SMSDelivery struct {
	WebhookURL string `json:"webhookURL,omitempty"`
	// Token authenticates the server to the webhook; it is a secret.
	Token string `json:"token,omitempty"`
}

// String hides the webhook token, so a policy printed into a log does not
// leak it.
func (s SMSDelivery) String() string {
	token := ""
	if s.Token != "" {
		token = "<redacted>"
	}
	return fmt.Sprintf("{WebhookURL:%s Token:%s}", s.WebhookURL, token)
}

const policyPath = "/v1/registration/policy"

// RegistrationPolicy returns the app's stored registration policy.
func (a *Admin) RegistrationPolicy(ctx context.Context) (RegistrationPolicy, error) {
	var p RegistrationPolicy
	if _, err := a.conn.do(ctx, call{method: http.MethodGet, path: policyPath, out: &p}); err != nil {
		return RegistrationPolicy{}, fmt.Errorf("getting the registration policy of app %s: %w", a.appKey, err)
	}
	return p, nil
}

// PutRegistrationPolicy stores p and returns the policy the server now
// holds.
func (a *Admin) PutRegistrationPolicy(ctx context.Context, p RegistrationPolicy) (RegistrationPolicy, error) {
	var stored RegistrationPolicy
	if _, err := a.conn.do(ctx, call{method: http.MethodPut, path: policyPath, body: p, out: &stored}); err != nil {
		return RegistrationPolicy{}, fmt.Errorf("putting the registration policy of app %s: %w", a.appKey, err)
	}
	return stored, nil
}
