package model

// SelfRegistration is whether end users may sign themselves up.
type SelfRegistration string

const (
	SelfRegistrationOpen   SelfRegistration = "Open"
	SelfRegistrationClosed SelfRegistration = "Closed"
)

// SelfRegistrationOf names the state of an app's registration switch.
func SelfRegistrationOf(open bool) SelfRegistration {
	if open {
		return SelfRegistrationOpen
	}
	return SelfRegistrationClosed
}

// RegistrationPolicy is how a tenant's end users sign up. The JSON tags
// are both the stored form and the admin API's wire form, like Limits.
type RegistrationPolicy struct {
	// SelfRegistration is App.SDKRegister, the switch /v1/sdkregister/status
	// also sets. It is never stored with the rest of the policy, so the
	// switch has one source of truth.
	SelfRegistration  SelfRegistration  `json:"selfRegistration,omitempty"`
	PhoneVerification PhoneVerification `json:"phoneVerification"`
	Username          UsernameRule      `json:"username"`
	Password          PasswordRule      `json:"password"`
	// AllowedRegions are country calling codes ("86"); empty allows every
	// region.
	AllowedRegions []string `json:"allowedRegions"`
	// SMS is where verification codes are sent; nil means no webhook.
	SMS *SMSWebhook `json:"sms,omitempty"`
}

// PhoneVerification governs the SMS codes sent to verify a phone number.
type PhoneVerification struct {
	Required   bool `json:"required"`
	CodeLength int  `json:"codeLength"`
	TTLSeconds int  `json:"ttlSeconds"`
	// MaxPerHour and MaxPerDay cap the codes sent to one phone number.
	MaxPerHour int `json:"maxPerHour"`
	MaxPerDay  int `json:"maxPerDay"`
	// CaptchaRequired makes sending a code need a solved image captcha
	// first (SealTalk get_sms_img_code, then verify_id and verify_code on
	// send_code).
	CaptchaRequired bool `json:"captchaRequired"`
}

// UsernameRule bounds end-user usernames, in bytes.
type UsernameRule struct {
	MinLength int `json:"minLength"`
	MaxLength int `json:"maxLength"`
	// Pattern is a Go (RE2) regular expression a username must match; ""
	// keeps the seed's rule (start with a letter or digit, then letters,
	// digits, _ . - @).
	Pattern string `json:"pattern"`
}

// PasswordRule bounds end-user passwords, in bytes.
type PasswordRule struct {
	MinLength   int  `json:"minLength"`
	MaxLength   int  `json:"maxLength"`
	AllowSpaces bool `json:"allowSpaces"`
}

// SMSWebhook is the endpoint chatserver posts verification codes to.
type SMSWebhook struct {
	WebhookURL string `json:"webhookURL"`
	// Token authenticates chatserver to the webhook.
	Token string `json:"token"`
}

// DefaultRegistrationPolicy is the policy of an app that never set one.
// Username and password lengths are the seed's Byte(4~128), and the seed
// allows any password ("不限"), so spaces are allowed. It leaves
// SelfRegistration empty: that comes from the app's switch.
func DefaultRegistrationPolicy() RegistrationPolicy {
	return RegistrationPolicy{
		PhoneVerification: PhoneVerification{Required: false, CodeLength: 6, TTLSeconds: 300, MaxPerHour: 20, MaxPerDay: 50},
		Username:          UsernameRule{MinLength: 4, MaxLength: 128},
		Password:          PasswordRule{MinLength: 4, MaxLength: 128, AllowSpaces: true},
		AllowedRegions:    []string{},
	}
}
