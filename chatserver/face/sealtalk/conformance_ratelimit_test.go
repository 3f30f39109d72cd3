package sealtalk_test

import (
	"encoding/json"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// Brute force on login: the issue asks for limits per account and per
// address. After the default 10 failed tries on one phone the server
// answers 429 in the SealTalk envelope, even to the right password; the
// tries of another phone are unaffected.
func TestLoginIsRateLimited(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		f.signUp(t, "13912340001", "secret123")
		f.signUp(t, "13912340002", "secret123")
		login := func(phone, password string) reply {
			return f.call(t, "POST", "login", "", map[string]any{"region": 86, "phone": json.Number(phone), "password": password})
		}
		for range 10 {
			login("13912340001", "wrong-password").want(t, 200, 1000)
		}
		login("13912340001", "secret123").want(t, 429, 429)
		login("13912340002", "secret123").want(t, 200, 200)
	})
}
