package jmessage_test

// Hostile text on the admin API: NUL bytes and invalid UTF-8, in bodies,
// paths, queries and credentials, are refused with the seed's 400
// envelope (899003) on both stores, and store nothing; and one tenant's
// refused messages never fail another tenant's sends that share a
// database commit with them.

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// rawSend is a POST /v1/messages body with fromName and text spliced in
// as raw JSON string contents, so tests can send bytes that json.Marshal
// would repair.
func rawSend(from, to, fromName, text string) []byte {
	return []byte(`{"version":1,"target_type":"single","target_id":"` + to + `","from_type":"user","from_id":"` +
		from + `","from_name":"` + fromName + `","msg_type":"text","msg_body":{"extras":{},"text":"` + text + `"}}`)
}

func TestBadMessagesOfOneTenantDoNotFailAnothersSends(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		attacker := newFixture(t, b, nil)
		victim := attacker.otherApp(t)
		attacker.register(t, "sender", "target")
		victim.register(t, "sender", "target")

		const bad, good = 150, 450
		badBodies := [][]byte{
			rawSend("sender", "target", `a\u0000b`, "hello"),
			rawSend("sender", "target", "bob", "caf\xe9"),   // Latin-1, not UTF-8
			rawSend("sender", "target", "bob\x00", "hello"), // a raw NUL
			rawSend("sender", "target", "bob", `nul \u0000 inside`),
		}
		var wg sync.WaitGroup
		badStatus := make([]int, bad)
		goodStatus := make([]int, good)
		for i := range bad {
			wg.Go(func() {
				r, err := attacker.srv.Send("POST", "/v1/messages", attacker.app.As(), badBodies[i%len(badBodies)])
				if err == nil {
					badStatus[i] = r.Status
				}
			})
		}
		sem := make(chan struct{}, 16)
		for i := range good {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				r, err := victim.srv.Send("POST", "/v1/messages", victim.app.As(),
					gmText("sender", "single", "target", fmt.Sprintf("good %d", i)))
				if err == nil {
					goodStatus[i] = r.Status
				}
			})
		}
		wg.Wait()
		failed := 0
		for _, s := range goodStatus {
			if s != http.StatusCreated {
				failed++
			}
		}
		if failed > 0 {
			t.Errorf("%d of the other tenant's %d good sends failed while bad messages were sent", failed, good)
		}
		for i, s := range badStatus {
			if s != http.StatusBadRequest {
				t.Errorf("bad message %d (%q) answered %d, want 400", i, badBodies[i%len(badBodies)], s)
				break
			}
		}
	})
}

func TestNULAndInvalidUTF8AreRefusedWithTheSeedEnvelope(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		f.registerUsers(t, user("alice", "nickname", "Alice"))
		for _, tc := range []struct {
			name, method, path string
			body               any
		}{
			{"escaped NUL in a field", "PUT", "/v1/users/alice", `{"nickname":"a\u0000b"}`},
			{"raw invalid UTF-8 in a field", "PUT", "/v1/users/alice", "{\"nickname\":\"a\xffb\"}"},
			{"NUL in extras", "PUT", "/v1/users/alice", `{"extras":{"k":"v\u0000"}}`},
			{"NUL in a key of extras", "PUT", "/v1/users/alice", `{"extras":{"k\u0000":"v"}}`},
			{"NUL in a registration", "POST", "/v1/users/", `[{"username":"bobby","password":"secret123","nickname":"\u0000"}]`},
			{"NUL in a path", "GET", "/v1/users/al%00ice", nil},
			{"invalid UTF-8 in a path", "GET", "/v1/users/al%FFice", nil},
			{"NUL in a query value", "GET", "/v1/resource?mediaId=%00", nil},
			{"invalid UTF-8 in a query value", "GET", "/v1/users/?start=0&count=%C3", nil},
			{"NUL in a query name", "GET", "/v1/users/?start=0&count=10&x%00=1", nil},
			{"NUL in a word", "POST", "/v1/sensitiveword", `["bad\u0000"]`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantError(t, f.do(t, tc.method, tc.path, tc.body), http.StatusBadRequest, codeBadParam)
			})
		}
		if got := f.getUser(t, "alice"); got["nickname"] != "Alice" || len(got) == 0 {
			t.Errorf("alice after the refused updates: %v", got)
		}
		if f.userExists(t, "bobby") {
			t.Error("a refused registration created bobby")
		}
		// Credentials that break the rule are refused like any wrong ones
		// (the seed's 401), never with a database error.
		for _, key := range []string{f.app.Key[:23] + "\x00", f.app.Key[:23] + "\xff"} {
			r := f.srv.Do(t, "GET", "/v1/users/alice", testutil.Basic(key, f.app.Secret), nil)
			if r.Status != http.StatusBadRequest && r.Status != http.StatusUnauthorized {
				t.Errorf("appKey %q: %s, want 400 or 401", key, describe(r))
			}
			if code := r.ErrorCode(t); code != codeBadParam && code != codeAuthFailed {
				t.Errorf("appKey %q: error code %d, want %d or %d", key, code, codeBadParam, codeAuthFailed)
			}
		}
	})
}
