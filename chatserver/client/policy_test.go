package client_test

// The registration policy extension (GET/PUT /v1/registration/policy)
// against a real chatserver, on SQLite and PostgreSQL.

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/client"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// fullPolicy is the documented example, with every field set.
func fullPolicy() client.RegistrationPolicy {
	return client.RegistrationPolicy{
		SelfRegistration: client.SelfRegistrationOpen,
		PhoneVerification: &client.PhoneVerification{
			Required: new(true), CodeLength: new(6), TTLSeconds: new(300), MaxPerHour: new(20), MaxPerDay: new(50), CaptchaRequired: new(true),
		},
		Username:       &client.UsernameRules{MinLength: new(4), MaxLength: new(16), Pattern: new("^[A-Za-z0-9]+$")},
		Password:       &client.PasswordRules{MinLength: new(6), MaxLength: new(20), AllowSpaces: new(false)},
		AllowedRegions: []string{"86"},
		SMS:            &client.SMSDelivery{WebhookURL: "http://sms.example/send", Token: "sms-token"},
	}
}

func TestPolicyWireShape(t *testing.T) {
	got, err := json.Marshal(fullPolicy())
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"selfRegistration":"Open","phoneVerification":{"required":true,"codeLength":6,"ttlSeconds":300,"maxPerHour":20,"maxPerDay":50,"captchaRequired":true},` +
		`"username":{"minLength":4,"maxLength":16,"pattern":"^[A-Za-z0-9]+$"},"password":{"minLength":6,"maxLength":20,"allowSpaces":false},` +
		`"allowedRegions":["86"],"sms":{"webhookURL":"http://sms.example/send","token":"sms-token"}}`
	if string(got) != want {
		t.Errorf("policy JSON =\n%s\nwant\n%s", got, want)
	}
	// An empty policy sends nothing, so a partial PUT carries only what
	// the caller set.
	if got, _ := json.Marshal(client.RegistrationPolicy{Password: &client.PasswordRules{MinLength: new(8)}}); string(got) != `{"password":{"minLength":8}}` {
		t.Errorf("partial policy JSON = %s", got)
	}
}

func TestPolicyRoundTrip(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		e := newEnv(t, b)
		ctx := t.Context()
		key, secret := e.createApp(t, client.Limits{})
		admin := e.admin(t, key, secret)

		want := fullPolicy()
		stored, err := admin.PutRegistrationPolicy(ctx, want)
		if err != nil {
			t.Fatalf("PutRegistrationPolicy: %v", err)
		}
		if !reflect.DeepEqual(stored, want) {
			t.Errorf("PUT answered %s, want %s", jsonOf(stored), jsonOf(want))
		}
		got, err := admin.RegistrationPolicy(ctx)
		if err != nil {
			t.Fatalf("RegistrationPolicy: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("GET answered %s, want %s", jsonOf(got), jsonOf(want))
		}

		// selfRegistration is the /v1/sdkregister/status switch: one
		// source of truth, whichever endpoint sets it.
		if open, err := admin.SDKRegister(ctx); err != nil || !open {
			t.Errorf("SDKRegister after an Open policy = %t, %v", open, err)
		}
		if err := admin.SetSDKRegister(ctx, false); err != nil {
			t.Fatal(err)
		}
		if got, err := admin.RegistrationPolicy(ctx); err != nil || got.SelfRegistration != client.SelfRegistrationClosed {
			t.Errorf("policy after closing the switch = %s, %v; want Closed", jsonOf(got), err)
		}

		// A partial PUT replaces the policy: the server answers it whole,
		// omitted rules back at their defaults and the omitted switch left
		// as it is.
		stored, err = admin.PutRegistrationPolicy(ctx, client.RegistrationPolicy{Password: &client.PasswordRules{MinLength: new(8)}})
		if err != nil {
			t.Fatalf("partial PutRegistrationPolicy: %v", err)
		}
		if stored.Password == nil || !is(stored.Password.MinLength, 8) || stored.Password.MaxLength == nil ||
			stored.PhoneVerification == nil || stored.Username == nil || !is(stored.Username.MaxLength, 128) ||
			stored.SelfRegistration != client.SelfRegistrationClosed {
			t.Errorf("partial PUT answered %s", jsonOf(stored))
		}
		if got, err := admin.RegistrationPolicy(ctx); err != nil || !reflect.DeepEqual(got, stored) {
			t.Errorf("GET after a partial PUT = %s, %v; want %s", jsonOf(got), err, jsonOf(stored))
		}

		// Bad input is a 400 with the admin API's code, not an outage.
		bad := fullPolicy()
		bad.PhoneVerification.CodeLength = new(0)
		_, err = admin.PutRegistrationPolicy(ctx, bad)
		if ae := apiError(t, err); ae.HTTPStatus != http.StatusBadRequest || ae.Code != client.CodeInvalid || classes(err) != "" {
			t.Errorf("PUT with codeLength 0 = %+v classified %q", ae, classes(err))
		}
		noSecrets(t, err, "sms-token", secret)

		_, err = e.admin(t, key, testutil.NewKey()).RegistrationPolicy(ctx)
		if c := classes(err); c != "Unauthorized" {
			t.Errorf("GET with a wrong secret: %v classified %q", err, c)
		}
	})
}

// is reports whether p points at want.
func is(p *int, want int) bool { return p != nil && *p == want }

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
