package sealtalk_test

import (
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// Requests no endpoint matches are answered in the SealTalk envelope too.
func TestUnmatchedPaths(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		f.call(t, "GET", "no/such/endpoint", "", nil).want(t, 404, 404)
		f.call(t, "POST", "find/86", "", nil).want(t, 404, 404)
		// A known path with the wrong method.
		r := f.call(t, "PUT", "login", "", map[string]any{})
		r.want(t, 405, 405)
		if r.Header.Get("Allow") == "" {
			t.Fatal("405 without Allow")
		}
		f.call(t, "DELETE", "sync/0", "", nil).want(t, 405, 405)
	})
}
