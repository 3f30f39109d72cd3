package jmessage

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

// The registration policy is our extension (the seed has only the
// /v1/sdkregister/status switch); the README documents it. Its wire form
// is model.RegistrationPolicy's JSON.

// policyBody is a PUT body. SelfRegistration is a pointer because an
// omitted switch is left alone, while every other omitted field takes
// its default.
type policyBody struct {
	SelfRegistration  *string                 `json:"selfRegistration"`
	PhoneVerification model.PhoneVerification `json:"phoneVerification"`
	Username          model.UsernameRule      `json:"username"`
	Password          model.PasswordRule      `json:"password"`
	AllowedRegions    []string                `json:"allowedRegions"`
	SMS               *model.SMSWebhook       `json:"sms"`
}

// registrationPolicy: GET /v1/registration/policy.
func (f *Face) registrationPolicy(w http.ResponseWriter, r *http.Request, app model.App) {
	p, err := f.svc.RegistrationPolicy(r.Context(), app)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// setRegistrationPolicy: PUT /v1/registration/policy. The body replaces
// the whole policy.
func (f *Face) setRegistrationPolicy(w http.ResponseWriter, r *http.Request, app model.App) {
	p, err := readPolicy(w, r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	stored, err := f.svc.SetRegistrationPolicy(r.Context(), app, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, stored)
}

// readPolicy decodes the body over the defaults, so an omitted field (or
// null) takes its default rather than the stored value. Unknown fields are
// refused: the operator diffs GET against what it sent, and a silently
// dropped typo would never converge.
func readPolicy(w http.ResponseWriter, r *http.Request) (model.RegistrationPolicy, error) {
	raw, err := httpio.ReadBody(w, r)
	if err != nil {
		return model.RegistrationPolicy{}, err
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return model.RegistrationPolicy{}, httpio.ErrEmpty
	}
	if trimmed[0] != '{' {
		// null would otherwise decode as "all defaults".
		return model.RegistrationPolicy{}, fmt.Errorf("%w: the policy must be a JSON object", httpio.ErrMalformed)
	}
	def := model.DefaultRegistrationPolicy()
	body := policyBody{
		PhoneVerification: def.PhoneVerification, Username: def.Username, Password: def.Password,
		AllowedRegions: def.AllowedRegions, SMS: def.SMS,
	}
	if err := httpio.UnmarshalStrict(raw, &body); err != nil {
		return model.RegistrationPolicy{}, err
	}
	p := model.RegistrationPolicy{
		PhoneVerification: body.PhoneVerification, Username: body.Username, Password: body.Password,
		AllowedRegions: body.AllowedRegions, SMS: body.SMS,
	}
	if body.SelfRegistration != nil {
		// The core reads "" as "leave the switch"; a key given empty is a
		// mistake, not that.
		if *body.SelfRegistration == "" {
			return p, invalidBody(`selfRegistration "" must be Open or Closed (omit it to leave the switch as it is)`)
		}
		p.SelfRegistration = model.SelfRegistration(*body.SelfRegistration)
	}
	return p, nil
}
