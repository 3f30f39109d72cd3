package core

import (
	"net/url"
	"regexp"
	"unicode/utf8"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// Registration policy bounds. Lengths stay within the seed's Byte(4~128)
// ceiling, since a longer username or password could not be stored anyway.
const (
	codeLengthMin, codeLengthMax = 4, 8
	codeTTLMin, codeTTLMax       = 60, 86400 // a minute to a day
	ruleLengthMax                = usernameMax
	usernamePatternMax           = 256 // characters; RE2 compile cost grows with it
	allowedRegionsMax            = 300 // well above the ~230 calling codes in use
	webhookURLMax                = 2048
	smsTokenMax                  = 4096
)

// checkPolicy enforces the policy's bounds. Messages name the field by its
// JSON path, since that is what the caller wrote.
func checkPolicy(p model.RegistrationPolicy) error {
	switch p.SelfRegistration {
	case "", model.SelfRegistrationOpen, model.SelfRegistrationClosed:
	default:
		return invalidf("selfRegistration %q must be Open or Closed", clip(string(p.SelfRegistration)))
	}
	for _, check := range []func(model.RegistrationPolicy) error{
		checkPhoneVerification, checkUsernameRule, checkPasswordRule, checkAllowedRegions, checkSMS,
	} {
		if err := check(p); err != nil {
			return err
		}
	}
	return nil
}

func checkPhoneVerification(p model.RegistrationPolicy) error {
	v := p.PhoneVerification
	if err := checkRange("phoneVerification.codeLength", v.CodeLength, codeLengthMin, codeLengthMax); err != nil {
		return err
	}
	if err := checkRange("phoneVerification.ttlSeconds", v.TTLSeconds, codeTTLMin, codeTTLMax); err != nil {
		return err
	}
	if v.MaxPerHour < 1 {
		return invalidf("phoneVerification.maxPerHour is %d, must be at least 1", v.MaxPerHour)
	}
	if v.MaxPerDay < v.MaxPerHour {
		return invalidf("phoneVerification.maxPerDay is %d, must be at least maxPerHour (%d)", v.MaxPerDay, v.MaxPerHour)
	}
	return nil
}

func checkUsernameRule(p model.RegistrationPolicy) error {
	r := p.Username
	if err := checkLengths("username", r.MinLength, r.MaxLength); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(r.Pattern); n > usernamePatternMax {
		return invalidf("username.pattern is %d characters, more than %d", n, usernamePatternMax)
	}
	if _, err := regexp.Compile(r.Pattern); err != nil {
		return invalidf("username.pattern is not a valid Go (RE2) regular expression: %v", err)
	}
	return nil
}

func checkPasswordRule(p model.RegistrationPolicy) error {
	return checkLengths("password", p.Password.MinLength, p.Password.MaxLength)
}

func checkAllowedRegions(p model.RegistrationPolicy) error {
	regions := p.AllowedRegions
	if len(regions) > allowedRegionsMax {
		return invalidf("allowedRegions has %d entries, more than %d", len(regions), allowedRegionsMax)
	}
	seen := make(map[string]bool, len(regions))
	for i, r := range regions {
		if !callingCode(r) {
			return invalidf("allowedRegions[%d] %q must be a country calling code: 1-4 digits, no +", i, clip(r))
		}
		if seen[r] {
			return invalidf("allowedRegions[%d] %q is listed twice", i, r)
		}
		seen[r] = true
	}
	return nil
}

func callingCode(s string) bool {
	if len(s) < 1 || len(s) > 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func checkSMS(p model.RegistrationPolicy) error {
	if p.SMS == nil {
		return nil
	}
	raw := p.SMS.WebhookURL
	if raw == "" {
		return invalidf("sms.webhookURL is required when sms is given (omit sms for no webhook)")
	}
	if len(raw) > webhookURLMax {
		return invalidf("sms.webhookURL is %d bytes, more than %d", len(raw), webhookURLMax)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalidf("sms.webhookURL %q must be an absolute http or https URL", clip(raw))
	}
	if len(p.SMS.Token) > smsTokenMax {
		return invalidf("sms.token is %d bytes, more than %d", len(p.SMS.Token), smsTokenMax)
	}
	return nil
}

func checkRange(field string, v, lo, hi int) error {
	if v < lo || v > hi {
		return invalidf("%s is %d, must be %d-%d", field, v, lo, hi)
	}
	return nil
}

// checkLengths checks a min/max length pair of a username or password rule.
func checkLengths(rule string, lo, hi int) error {
	if err := checkRange(rule+".minLength", lo, 1, ruleLengthMax); err != nil {
		return err
	}
	if err := checkRange(rule+".maxLength", hi, 1, ruleLengthMax); err != nil {
		return err
	}
	if lo > hi {
		return invalidf("%s.minLength (%d) is more than %s.maxLength (%d)", rule, lo, rule, hi)
	}
	return nil
}
