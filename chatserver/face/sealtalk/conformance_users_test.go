package sealtalk_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/sms/smstest"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

func TestSendCode(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, map[string]any{"phoneVerification": map[string]any{"maxPerHour": 2, "maxPerDay": 2}})
		for _, path := range []string{"send_code", "send_code_yp"} {
			r := f.call(t, "POST", path, "", map[string]any{"region": 86, "phone": 13912345678})
			r.want(t, 200, 200)
			if r.Result != nil {
				t.Fatalf("%s: result %s, the seed shows none", path, r.Result)
			}
		}
		msgs := f.sms.Requests()
		if len(msgs) != 2 || msgs[1].Message.Phone != "13912345678" || msgs[1].Message.Region != "86" {
			t.Fatalf("webhook got %+v", msgs)
		}
		// 5000: over the per-phone limit.
		f.call(t, "POST", "send_code", "", map[string]any{"region": 86, "phone": 13912345678}).want(t, 200, 5000)
		// 400: a malformed request.
		f.call(t, "POST", "send_code", "", map[string]any{"region": 86, "phone": "12x"}).want(t, 400, 400)
		// The SMS webhook keeps failing: not the caller's fault, and not a
		// server fault either; a clear return code in the 200 envelope.
		f.sms.AnswerAlways(http.StatusBadGateway)
		r := f.call(t, "POST", "send_code", "", map[string]any{"region": 86, "phone": 13900000000})
		r.want(t, 200, 3000)
		if !strings.Contains(r.Message, "SMS") || strings.Contains(r.Message, f.sms.URL) {
			t.Errorf("webhook failure message %q: want a clear SMS message that does not show the webhook", r.Message)
		}
		// A tenant with no SMS webhook at all answers the same way.
		other := &fixture{srv: f.srv, app: f.srv.CreateApp(t, nil)}
		r = other.call(t, "POST", "send_code", "", map[string]any{"region": 86, "phone": 13912345678})
		r.want(t, 200, 3000)
		if !strings.Contains(r.Message, "not configured") {
			t.Errorf("no-webhook message %q: want it to say SMS is not configured", r.Message)
		}
	})
}

func TestVerifyCode(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		for _, v := range []struct{ send, verify string }{{"send_code", "verify_code"}, {"send_code_yp", "verify_code_yp"}} {
			f.call(t, "POST", v.send, "", map[string]any{"region": 86, "phone": 13912345678}).want(t, 200, 200)
			code := f.sms.LastCode()
			wrong := "0000000"[:len(code)]
			if wrong == code {
				wrong = "1111111"[:len(code)]
			}
			f.call(t, "POST", v.verify, "", map[string]any{"region": 86, "phone": 13912345678, "code": wrong}).want(t, 200, 1000)
			r := f.call(t, "POST", v.verify, "", map[string]any{"region": 86, "phone": 13912345678, "code": code})
			r.want(t, 200, 200)
			var out struct {
				Token string `json:"verification_token"`
			}
			r.result(t, &out)
			if out.Token == "" {
				t.Fatalf("%s: no verification_token in %s", v.verify, r.Result)
			}
			// A code works once.
			f.call(t, "POST", v.verify, "", map[string]any{"region": 86, "phone": 13912345678, "code": code}).want(t, 200, 1000)
		}
	})
}

func TestVerifyCodeExpired(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		clock := testutil.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
		srv := testutil.StartServer(t, b, core.WithClock(clock.Now))
		f := &fixture{srv: srv, app: srv.CreateApp(t, nil), sms: smstest.Start(t, "sms-token")}
		f.setPolicy(t, map[string]any{"phoneVerification": map[string]any{"ttlSeconds": 60}})
		f.call(t, "POST", "send_code", "", map[string]any{"region": 86, "phone": 13912345678}).want(t, 200, 200)
		clock.Advance(61 * time.Second)
		f.call(t, "POST", "verify_code", "", map[string]any{"region": 86, "phone": 13912345678, "code": f.sms.LastCode()}).
			want(t, 200, 2000)
	})
}

func TestRegionList(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, map[string]any{"allowedRegions": []string{"86", "1"}})
		r := f.call(t, "GET", "regionlist", "", nil)
		r.want(t, 200, 200)
		var out []struct {
			Region string `json:"region"`
			Locale struct {
				En, Zh string
			} `json:"locale"`
		}
		r.result(t, &out)
		if len(out) != 2 || out[0].Region != "1" || out[1].Region != "86" || out[1].Locale.En == "" || out[1].Locale.Zh == "" {
			t.Fatalf("regionlist answered %s", r.Result)
		}
	})
}

func TestCheckPhoneAvailable(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		check := func() bool {
			r := f.call(t, "POST", "check_phone_available", "", map[string]any{"region": 86, "phone": 13912345678})
			r.want(t, 200, 200)
			var free bool
			r.result(t, &free)
			return free
		}
		if !check() {
			t.Fatal("a new phone is not available")
		}
		f.signUp(t, "13912345678", "P@ssw0rd")
		if check() {
			t.Fatal("a registered phone is still available")
		}
		f.call(t, "POST", "check_phone_available", "", map[string]any{"region": 86}).want(t, 400, 400)
	})
}

func TestRegister(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, map[string]any{"password": map[string]any{"minLength": 6, "maxLength": 20, "allowSpaces": false}})
		vt := f.verify(t, "13912345678")
		// 400: the password breaks the policy (no spaces).
		f.call(t, "POST", "register", "", map[string]any{"nickname": "Tom", "password": "P@ss w0rd", "verification_token": vt}).
			want(t, 400, 400)
		r := f.call(t, "POST", "register", "", map[string]any{"nickname": "Tom", "password": "P@ssw0rd", "verification_token": vt})
		r.want(t, 200, 200)
		var out struct {
			ID string `json:"id"`
		}
		r.result(t, &out)
		if len(out.ID) != 11 { // a new user's id is keyed (see ids_test.go)
			t.Fatalf("id %q", out.ID)
		}
		// The generated username is the id: the admin API reaches the user.
		u := f.srv.Do(t, "GET", "/v1/users/"+out.ID, f.app.As(), nil)
		if u.Status != http.StatusOK || !strings.Contains(string(u.Body), `"nickname":"Tom"`) {
			t.Fatalf("admin GET /v1/users/%s: %d %s", out.ID, u.Status, u.Body)
		}
		// 404: the token is spent.
		f.call(t, "POST", "register", "", map[string]any{"nickname": "Tom", "password": "P@ssw0rd", "verification_token": vt}).
			want(t, 404, 404)
		f.call(t, "POST", "register", "", map[string]any{"nickname": "Tom", "password": "P@ssw0rd", "verification_token": "nope"}).
			want(t, 404, 404)
		// A phone registers once.
		vt = f.verify(t, "13912345678")
		f.call(t, "POST", "register", "", map[string]any{"nickname": "Tom", "password": "P@ssw0rd", "verification_token": vt}).
			want(t, 400, 400)
	})
}

func TestRegisterClosed(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		vt := f.verify(t, "13912345678")
		f.setPolicy(t, map[string]any{"selfRegistration": "Closed"})
		f.call(t, "POST", "register", "", map[string]any{"nickname": "Tom", "password": "P@ssw0rd", "verification_token": vt}).
			want(t, 403, 403)
	})
}

func TestLoginLogout(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		id, token := f.signUp(t, "13912345678", "P@ssw0rd")
		// 1000: wrong password, unknown phone.
		f.call(t, "POST", "login", "", map[string]any{"region": 86, "phone": 13912345678, "password": "wrong-pass"}).want(t, 200, 1000)
		f.call(t, "POST", "login", "", map[string]any{"region": 86, "phone": 13900000000, "password": "P@ssw0rd"}).want(t, 200, 1000)

		// Login sets the cookie with the token it returns.
		r := f.call(t, "POST", "login", "", map[string]any{"region": "86", "phone": "13912345678", "password": "P@ssw0rd"})
		r.want(t, 200, 200)
		var login struct{ ID, Token string }
		r.result(t, &login)
		if login.ID != id || !strings.Contains(r.Header.Get("Set-Cookie"), "rong_im_auth="+login.Token) {
			t.Fatalf("login: %+v, Set-Cookie %q", login, r.Header.Get("Set-Cookie"))
		}

		// The token works on the gateway, as a cookie and as a Bearer token.
		if status, err := f.dialGateway(t, token); err != nil {
			t.Fatalf("gateway refused the login token: %d %v", status, err)
		}
		f.call(t, "POST", "get_token", token, nil).want(t, 200, 200)
		req, _ := http.NewRequest("POST", f.srv.URL+"/apps/"+f.app.Key+"/user/get_token", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		f.send(t, req).want(t, 200, 200)

		// Logout revokes the token: refused here and on the gateway.
		f.call(t, "POST", "logout", token, nil).want(t, 200, 200)
		f.call(t, "POST", "get_token", token, nil).want(t, 403, 403)
		if _, err := f.dialGateway(t, token); err == nil {
			t.Fatal("the gateway accepted a revoked token")
		}
		// The other session is still live.
		f.call(t, "POST", "get_token", login.Token, nil).want(t, 200, 200)
		// No token at all.
		f.call(t, "POST", "logout", "", nil).want(t, 403, 403)
	})
}

func TestGetToken(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		_, token := f.signUp(t, "13912345678", "P@ssw0rd")
		r := f.call(t, "POST", "get_token", token, nil)
		r.want(t, 200, 200)
		var out struct{ ID, Token string }
		r.result(t, &out)
		if status, err := f.dialGateway(t, out.Token); err != nil {
			t.Fatalf("gateway refused get_token's token: %d %v", status, err)
		}
	})
}

func TestOtherTenantsTokenRefused(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		_, token := f.signUp(t, "13912345678", "P@ssw0rd")
		other := &fixture{srv: f.srv, app: f.srv.CreateApp(t, nil), sms: f.sms}
		other.call(t, "POST", "get_token", token, nil).want(t, 403, 403)
		if _, err := other.dialGateway(t, token); err == nil {
			t.Fatal("another tenant's gateway accepted the token")
		}
	})
}

func TestExternalIDRoundTrip(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	// Ids from before keyed ids keep 8 characters; new ones have 11.
	legacy := model.App{Key: "old", IDKey: key, LegacyUserIDs: 1 << 40}
	keyed := model.App{Key: "new", IDKey: key}
	for _, c := range []struct {
		app    model.App
		length int
	}{{legacy, 8}, {keyed, 11}} {
		for _, id := range []int64{1, 2, 61, 62, 1 << 20, 1 << 40} {
			ext := core.ExternalID(c.app, id)
			back, ok := core.ParseExternalID(c.app, ext)
			if !ok || back != id || len(ext) != c.length || !core.ValidUsername(ext) {
				t.Fatalf("%d → %q → %d %v", id, ext, back, ok)
			}
		}
		for _, garbage := range []string{"!!!!!!!!", "!!!!!!!!!!!"} {
			if _, ok := core.ParseExternalID(c.app, garbage); ok {
				t.Fatal("parsed garbage")
			}
		}
	}
}
