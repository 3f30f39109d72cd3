package sealtalk_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

func TestResetPassword(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		_, token := f.signUp(t, "13912345678", "P@ssw0rd")
		vt := f.verify(t, "13912345678")
		f.call(t, "POST", "reset_password", "", map[string]any{"password": "N3wP@ssw0rd", "verification_token": vt}).want(t, 200, 200)
		// The token is spent; the old sessions and password are gone.
		f.call(t, "POST", "reset_password", "", map[string]any{"password": "N3wP@ssw0rd", "verification_token": vt}).want(t, 404, 404)
		f.call(t, "POST", "get_token", token, nil).want(t, 403, 403)
		f.call(t, "POST", "login", "", map[string]any{"region": 86, "phone": 13912345678, "password": "P@ssw0rd"}).want(t, 200, 1000)
		f.call(t, "POST", "login", "", map[string]any{"region": 86, "phone": 13912345678, "password": "N3wP@ssw0rd"}).want(t, 200, 200)
		f.call(t, "POST", "reset_password", "", map[string]any{"password": "N3wP@ssw0rd"}).want(t, 404, 404)
	})
}

func TestChangePassword(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, map[string]any{"password": map[string]any{"minLength": 6, "maxLength": 20, "allowSpaces": false}})
		_, token := f.signUp(t, "13912345678", "P@ssw0rdOld")
		f.call(t, "POST", "change_password", token, map[string]any{"oldPassword": "wrong-old", "newPassword": "P@ssw0rdNew"}).
			want(t, 200, 1000)
		f.call(t, "POST", "change_password", token, map[string]any{"oldPassword": "P@ssw0rdOld", "newPassword": "new pass"}).
			want(t, 400, 400)
		f.call(t, "POST", "change_password", token, map[string]any{"oldPassword": "P@ssw0rdOld", "newPassword": "P@ssw0rdNew"}).
			want(t, 200, 200)
		// Every session ends, the gateway's too.
		f.call(t, "POST", "get_token", token, nil).want(t, 403, 403)
		if _, err := f.dialGateway(t, token); err == nil {
			t.Fatal("the gateway accepted a token revoked by a password change")
		}
		f.call(t, "POST", "login", "", map[string]any{"region": 86, "phone": 13912345678, "password": "P@ssw0rdNew"}).want(t, 200, 200)
		f.call(t, "POST", "change_password", "", map[string]any{"oldPassword": "P@ssw0rdNew", "newPassword": "P@ssw0rdX"}).want(t, 403, 403)
	})
}

func TestSetNicknameAndPortrait(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		id, token := f.signUp(t, "13912345678", "P@ssw0rd")
		f.call(t, "POST", "set_nickname", token, map[string]any{"nickname": "Jerry"}).want(t, 200, 200)
		f.call(t, "POST", "set_portrait_uri", token, map[string]any{"portraitUri": "http://test.com/user/abc123.jpg"}).want(t, 200, 200)
		f.call(t, "POST", "set_nickname", token, map[string]any{}).want(t, 400, 400)
		f.call(t, "POST", "set_nickname", "", map[string]any{"nickname": "Jerry"}).want(t, 403, 403)
		u := f.srv.Do(t, "GET", "/v1/users/"+id, f.app.As(), nil)
		if u.Status != http.StatusOK || !strings.Contains(string(u.Body), `"nickname":"Jerry"`) ||
			!strings.Contains(string(u.Body), "abc123.jpg") {
			t.Fatalf("admin GET /v1/users/%s: %d %s", id, u.Status, u.Body)
		}
	})
}

func TestSetGenderAndUserInfo(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		id, token := f.signUp(t, "13912345678", "P@ssw0rd")
		f.call(t, "POST", "set_gender", token, map[string]any{"gender": "female"}).want(t, 200, 200)
		f.call(t, "POST", "set_gender", token, map[string]any{"gender": "other"}).want(t, 400, 400)
		for _, method := range []string{"POST", "GET"} {
			r := f.call(t, method, id, token, nil)
			r.want(t, 200, 200)
			var u map[string]any
			r.result(t, &u)
			if u["id"] != id || u["nickname"] != "Tom" || u["gender"] != "female" || u["phone"] != "13912345678" ||
				u["portraitUri"] != "" || u["stAccount"] != "" {
				t.Fatalf("%s /user/%s: %v", method, id, u)
			}
		}
		f.call(t, "GET", "zzzzzzzz", token, nil).want(t, 404, 404)
		f.call(t, "GET", id, "", nil).want(t, 403, 403)
	})
}
