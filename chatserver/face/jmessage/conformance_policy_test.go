package jmessage_test

// GET/PUT /v1/registration/policy is our extension (the seed has only the
// registration switch); these tests follow the README's description of it.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

const policyPath = "/v1/registration/policy"

// defaultPolicyJSON is what an app that never set a policy reads.
const defaultPolicyJSON = `{"selfRegistration":"Open",
	"phoneVerification":{"required":false,"codeLength":6,"ttlSeconds":300,"maxPerHour":20,"maxPerDay":50,"captchaRequired":false},
	"username":{"minLength":4,"maxLength":128,"pattern":""},
	"password":{"minLength":4,"maxLength":128,"allowSpaces":true},
	"allowedRegions":[]}`

// fullPolicyJSON sets every field away from its default.
const fullPolicyJSON = `{"selfRegistration":"Closed",
	"phoneVerification":{"required":true,"codeLength":8,"ttlSeconds":600,"maxPerHour":5,"maxPerDay":10,"captchaRequired":true},
	"username":{"minLength":6,"maxLength":16,"pattern":"^[A-Za-z0-9]+$"},
	"password":{"minLength":8,"maxLength":20,"allowSpaces":false},
	"allowedRegions":["86","1","852"],
	"sms":{"webhookURL":"https://sms.example.com/send?x=1","token":"s3cr3t token"}}`

// asJSON decodes a JSON literal for comparison with a response.
func asJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return m
}

// withFields returns base with top-level keys replaced.
func withFields(t *testing.T, base string, kv map[string]any) map[string]any {
	t.Helper()
	m := asJSON(t, base)
	for k, v := range kv {
		m[k] = v
	}
	return m
}

func (f *fixture) policy(t *testing.T) map[string]any {
	t.Helper()
	r := f.do(t, "GET", policyPath, nil)
	wantStatus(t, r, http.StatusOK)
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// putPolicy PUTs body, requires 200, and checks that the answer is what
// GET now reads.
func (f *fixture) putPolicy(t *testing.T, body any) map[string]any {
	t.Helper()
	r := f.do(t, "PUT", policyPath, body)
	wantStatus(t, r, http.StatusOK)
	var answered map[string]any
	r.JSON(t, &answered)
	if got := f.policy(t); !reflect.DeepEqual(got, answered) {
		t.Fatalf("PUT answered %v but GET reads %v", answered, got)
	}
	return answered
}

func wantPolicy(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("%s:\n got  %s\n want %s", what, g, w)
	}
}

func TestConformancePolicyDefaults(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		r := f.do(t, "GET", policyPath, nil)
		wantStatus(t, r, http.StatusOK)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q", ct)
		}
		var got map[string]any
		r.JSON(t, &got)
		wantPolicy(t, "fresh app", got, asJSON(t, defaultPolicyJSON))
		// An empty object is "every field omitted": the defaults again.
		wantPolicy(t, "PUT {}", f.putPolicy(t, `{}`), asJSON(t, defaultPolicyJSON))
	})
}

func TestConformancePolicyRoundTrip(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		wantPolicy(t, "full PUT", f.putPolicy(t, fullPolicyJSON), asJSON(t, fullPolicyJSON))
		// What GET answers PUTs back unchanged: the operator diffs on it.
		again := f.putPolicy(t, f.policy(t))
		wantPolicy(t, "GET sent back", again, asJSON(t, fullPolicyJSON))
		// The SMS token is returned to its owner, the master-secret holder.
		if sms, _ := again["sms"].(map[string]any); sms["token"] != "s3cr3t token" {
			t.Fatalf("sms = %v, want the token back", again["sms"])
		}
	})
}

// PUT replaces the whole policy: omitted fields go back to their
// defaults, not to what was stored; only the switch is kept.
func TestConformancePolicyPartialBodyResetsToDefaults(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.putPolicy(t, fullPolicyJSON)
		got := f.putPolicy(t, `{"password":{"minLength":10},"phoneVerification":{"required":true}}`)
		want := withFields(t, defaultPolicyJSON, map[string]any{
			"selfRegistration":  "Closed",
			"password":          map[string]any{"minLength": 10.0, "maxLength": 128.0, "allowSpaces": true},
			"phoneVerification": map[string]any{"required": true, "codeLength": 6.0, "ttlSeconds": 300.0, "maxPerHour": 20.0, "maxPerDay": 50.0, "captchaRequired": false},
		})
		wantPolicy(t, "partial PUT", got, want)
		// null is the same as omitted.
		got = f.putPolicy(t, `{"username":null,"allowedRegions":null,"sms":null,"selfRegistration":null}`)
		wantPolicy(t, "PUT of nulls", got, withFields(t, defaultPolicyJSON, map[string]any{"selfRegistration": "Closed"}))
	})
}

// selfRegistration is the /v1/sdkregister/status switch, read and written
// from both sides.
func TestConformancePolicySelfRegistrationIsTheSDKRegisterSwitch(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		selfReg := func() string { t.Helper(); return str(f.policy(t)["selfRegistration"]) }

		f.putPolicy(t, `{"selfRegistration":"Closed"}`)
		if s := f.sdkRegisterStatus(t); s != 0 {
			t.Fatalf("after PUT Closed, sdkregister status = %d, want 0", s)
		}
		f.putPolicy(t, `{"selfRegistration":"Open"}`)
		if s := f.sdkRegisterStatus(t); s != 1 {
			t.Fatalf("after PUT Open, sdkregister status = %d, want 1", s)
		}

		wantStatus(t, f.do(t, "PUT", "/v1/sdkregister/status?status=0", nil), http.StatusNoContent)
		if got := selfReg(); got != "Closed" {
			t.Fatalf("after sdkregister status=0, selfRegistration = %q", got)
		}
		// Without selfRegistration a PUT leaves the switch, closed...
		if got := str(f.putPolicy(t, `{"allowedRegions":["86"]}`)["selfRegistration"]); got != "Closed" {
			t.Fatalf("PUT without selfRegistration answered %q, want Closed", got)
		}
		if s := f.sdkRegisterStatus(t); s != 0 {
			t.Fatalf("PUT without selfRegistration opened registration")
		}
		// ...or open.
		wantStatus(t, f.do(t, "PUT", "/v1/sdkregister/status", map[string]any{"status": 1}), http.StatusNoContent)
		if got := selfReg(); got != "Open" {
			t.Fatalf("after sdkregister status=1, selfRegistration = %q", got)
		}
		f.putPolicy(t, `{"password":{"allowSpaces":false}}`)
		if s := f.sdkRegisterStatus(t); s != 1 {
			t.Fatalf("PUT without selfRegistration closed registration")
		}
		// The platform API shows the same switch.
		f.putPolicy(t, `{"selfRegistration":"Closed"}`)
		r := f.srv.Do(t, "GET", "/platform/v1/apps/"+f.app.Key, testutil.Bearer(f.srv.Token), nil)
		wantStatus(t, r, http.StatusOK)
		var app map[string]any
		r.JSON(t, &app)
		if app["sdkRegister"] != false {
			t.Fatalf("platform app sdkRegister = %v, want false", app["sdkRegister"])
		}
	})
}

// Every refused PUT is 400/899003 naming the field, and changes nothing:
// neither the stored policy nor the switch.
func TestConformancePolicyValidation(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return strings.Repeat("a", n) }
	regions := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprint(i + 1)
		}
		return out
	}
	phone := func(kv ...any) map[string]any {
		m := map[string]any{"codeLength": 6, "ttlSeconds": 300, "maxPerHour": 20, "maxPerDay": 50}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return map[string]any{"phoneVerification": m}
	}
	cases := []struct {
		name  string
		body  any
		field string // the message must name it
	}{
		{"selfRegistration lower case", `{"selfRegistration":"open"}`, "selfRegistration"},
		{"selfRegistration other", `{"selfRegistration":"Maybe"}`, "selfRegistration"},
		{"selfRegistration empty", `{"selfRegistration":""}`, "selfRegistration"},
		{"selfRegistration number", `{"selfRegistration":1}`, "selfRegistration"},
		{"codeLength 3", phone("codeLength", 3), "codeLength"},
		{"codeLength 9", phone("codeLength", 9), "codeLength"},
		{"codeLength 0", phone("codeLength", 0), "codeLength"},
		{"codeLength string", `{"phoneVerification":{"codeLength":"6"}}`, "codeLength"},
		{"codeLength fraction", `{"phoneVerification":{"codeLength":6.5}}`, "codeLength"},
		{"captchaRequired string", `{"phoneVerification":{"captchaRequired":"yes"}}`, "captchaRequired"},
		{"ttlSeconds 59", phone("ttlSeconds", 59), "ttlSeconds"},
		{"ttlSeconds 86401", phone("ttlSeconds", 86401), "ttlSeconds"},
		{"maxPerHour 0", phone("maxPerHour", 0, "maxPerDay", 0), "maxPerHour"},
		{"maxPerHour negative", phone("maxPerHour", -1), "maxPerHour"},
		{"maxPerDay under maxPerHour", phone("maxPerHour", 20, "maxPerDay", 19), "maxPerDay"},
		{"maxPerDay under default maxPerHour", `{"phoneVerification":{"maxPerDay":10}}`, "maxPerDay"},
		{"username minLength 0", `{"username":{"minLength":0}}`, "username.minLength"},
		{"username maxLength 129", `{"username":{"maxLength":129}}`, "username.maxLength"},
		{"username min over max", `{"username":{"minLength":10,"maxLength":9}}`, "username.minLength"},
		{"password minLength 0", `{"password":{"minLength":0}}`, "password.minLength"},
		{"password minLength 129", `{"password":{"minLength":129,"maxLength":128}}`, "password.minLength"},
		{"password maxLength 0", `{"password":{"minLength":1,"maxLength":0}}`, "password.maxLength"},
		{"password min over max", `{"password":{"minLength":20,"maxLength":19}}`, "password.minLength"},
		{"pattern does not compile", `{"username":{"pattern":"([a-z"}}`, "username.pattern"},
		{"pattern not RE2", `{"username":{"pattern":"^(?=a)"}}`, "username.pattern"},
		{"pattern too long", map[string]any{"username": map[string]any{"pattern": long(257)}}, "username.pattern"},
		{"region with plus", `{"allowedRegions":["+86"]}`, "allowedRegions"},
		{"region empty", `{"allowedRegions":[""]}`, "allowedRegions"},
		{"region 5 digits", `{"allowedRegions":["12345"]}`, "allowedRegions"},
		{"region letters", `{"allowedRegions":["8a"]}`, "allowedRegions"},
		{"region twice", `{"allowedRegions":["86","1","86"]}`, "allowedRegions"},
		{"301 regions", map[string]any{"allowedRegions": regions(301)}, "allowedRegions"},
		{"region number", `{"allowedRegions":[86]}`, "allowedRegions"},
		{"webhook ftp", `{"sms":{"webhookURL":"ftp://sms.example.com/"}}`, "sms.webhookURL"},
		{"webhook relative", `{"sms":{"webhookURL":"/send"}}`, "sms.webhookURL"},
		{"webhook no host", `{"sms":{"webhookURL":"http://"}}`, "sms.webhookURL"},
		{"webhook missing", `{"sms":{"token":"t"}}`, "sms.webhookURL"},
		{"webhook too long", map[string]any{"sms": map[string]any{"webhookURL": "https://x.example/" + long(2031)}}, "sms.webhookURL"},
		{"token too long", map[string]any{"sms": map[string]any{"webhookURL": "https://x.example/", "token": long(4097)}}, "sms.token"},
		{"unknown field", `{"selfRegistration":"Open","selfRegistraton":"Closed"}`, "selfRegistraton"},
		{"unknown nested field", `{"phoneVerification":{"codeLenght":6}}`, "codeLenght"},
		{"malformed JSON", `{"username":`, ""},
		{"trailing data", `{} {}`, ""},
		{"stray closer", `{"selfRegistration":"Open"}}`, ""},
		{"array", `[]`, ""},
		{"null", `null`, ""},
		{"empty body", ``, ""},
	}
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		before := f.putPolicy(t, fullPolicyJSON) // switch closed
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				// Every well-formed case also asks to open registration, so
				// a refused PUT that still flipped the switch would show.
				body := c.body
				switch v := body.(type) {
				case string:
					if json.Valid([]byte(v)) && strings.HasPrefix(v, "{") && !strings.Contains(v, "selfRegistration") {
						body = `{"selfRegistration":"Open",` + strings.TrimPrefix(v, "{")
					}
				case map[string]any:
					m := map[string]any{"selfRegistration": "Open"}
					for k, x := range v {
						m[k] = x
					}
					body = m
				}
				r := f.do(t, "PUT", policyPath, body)
				wantError(t, r, http.StatusBadRequest, codeBadParam)
				if !strings.Contains(string(r.Body), c.field) {
					t.Errorf("error does not name %q: %s", c.field, r.Body)
				}
				wantPolicy(t, "policy after a refused PUT", f.policy(t), before)
				if s := f.sdkRegisterStatus(t); s != 0 {
					t.Fatalf("a refused PUT opened registration")
				}
			})
		}
	})
}

// The bounds themselves are accepted.
func TestConformancePolicyBoundaries(t *testing.T) {
	t.Parallel()
	regions := make([]any, 300)
	for i := range regions {
		regions[i] = fmt.Sprint(i + 1)
	}
	edges := []map[string]any{
		{
			"phoneVerification": map[string]any{"required": true, "codeLength": 4.0, "ttlSeconds": 60.0, "maxPerHour": 1.0, "maxPerDay": 1.0, "captchaRequired": true},
			"username":          map[string]any{"minLength": 1.0, "maxLength": 1.0, "pattern": strings.Repeat("a", 256)},
			"password":          map[string]any{"minLength": 128.0, "maxLength": 128.0, "allowSpaces": false},
			"allowedRegions":    regions,
			"sms":               map[string]any{"webhookURL": "http://x.example/" + strings.Repeat("a", 2048-17), "token": strings.Repeat("t", 4096)},
		},
		{
			"phoneVerification": map[string]any{"required": false, "codeLength": 8.0, "ttlSeconds": 86400.0, "maxPerHour": 1000.0, "maxPerDay": 1000.0, "captchaRequired": false},
			"username":          map[string]any{"minLength": 1.0, "maxLength": 128.0, "pattern": `^\p{Han}+$`},
			"password":          map[string]any{"minLength": 1.0, "maxLength": 128.0, "allowSpaces": true},
			"allowedRegions":    []any{"1", "1234"},
			"sms":               map[string]any{"webhookURL": "HTTPS://sms.example.com:8443/send", "token": ""},
		},
	}
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		for i, body := range edges {
			got := f.putPolicy(t, body)
			delete(got, "selfRegistration")
			wantPolicy(t, fmt.Sprintf("edge case %d", i), got, body)
		}
	})
}

func TestConformancePolicyAuth(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		for _, auth := range []testutil.Auth{testutil.Basic(f.app.Key, testutil.NewKey()), nil} {
			wantError(t, f.srv.Do(t, "GET", policyPath, auth, nil), http.StatusUnauthorized, codeAuthFailed)
			wantError(t, f.srv.Do(t, "PUT", policyPath, auth, fullPolicyJSON), http.StatusUnauthorized, codeAuthFailed)
		}
		wantPolicy(t, "after unauthenticated PUTs", f.policy(t), asJSON(t, defaultPolicyJSON))
		wantError(t, f.do(t, "DELETE", policyPath, nil), http.StatusMethodNotAllowed, codeBadParam)
	})
}

// A body over 4 MiB → 413/899003, nothing written.
func TestConformancePolicyOversizedBody(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		big := `{"selfRegistration":"Closed","sms":{"webhookURL":"https://x.example/","token":"` + strings.Repeat("a", 5<<20) + `"}}`
		wantError(t, f.do(t, "PUT", policyPath, big), http.StatusRequestEntityTooLarge, codeBadParam)
		wantPolicy(t, "after an oversized PUT", f.policy(t), asJSON(t, defaultPolicyJSON))
	})
}

func TestConformancePolicyTenantIsolation(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		a := newFixture(t, b, nil)
		other := a.otherApp(t)
		a.putPolicy(t, fullPolicyJSON)
		wantPolicy(t, "app B after A's PUT", other.policy(t), asJSON(t, defaultPolicyJSON))
		if s := other.sdkRegisterStatus(t); s != 1 {
			t.Fatalf("A closing registration closed B's")
		}
		bPolicy := `{"allowedRegions":["44"],"sms":{"webhookURL":"http://b.example/","token":"b"}}`
		other.putPolicy(t, bPolicy)
		wantPolicy(t, "app A after B's PUT", a.policy(t), asJSON(t, fullPolicyJSON))
		// A's secret does not open B's policy.
		r := a.srv.Do(t, "GET", policyPath, testutil.Basic(other.app.Key, a.app.Secret), nil)
		wantError(t, r, http.StatusUnauthorized, codeAuthFailed)
	})
}

// A purge removes the policy with the app: the same appKey created again
// starts from the defaults.
func TestConformancePolicyPurgedWithTheApp(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		platform := testutil.Bearer(f.srv.Token)
		f.putPolicy(t, fullPolicyJSON)

		// Disabling keeps it.
		wantStatus(t, f.srv.Do(t, "DELETE", "/platform/v1/apps/"+f.app.Key, platform, nil), http.StatusNoContent)
		wantStatus(t, f.srv.Do(t, "PUT", "/platform/v1/apps/"+f.app.Key, platform, map[string]any{"masterSecret": f.app.Secret}), http.StatusOK)
		wantPolicy(t, "after disable and enable", f.policy(t), asJSON(t, fullPolicyJSON))

		wantStatus(t, f.srv.Do(t, "DELETE", "/platform/v1/apps/"+f.app.Key+"?purge=true", platform, nil), http.StatusNoContent)
		wantError(t, f.do(t, "GET", policyPath, nil), http.StatusUnauthorized, codeAuthFailed)
		wantStatus(t, f.srv.Do(t, "PUT", "/platform/v1/apps/"+f.app.Key, platform, map[string]any{"masterSecret": f.app.Secret}), http.StatusCreated)
		wantPolicy(t, "re-created app", f.policy(t), asJSON(t, defaultPolicyJSON))
	})
}
