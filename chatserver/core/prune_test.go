package core_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// The pruning loop deletes dead end-user rows across apps: expired
// sessions (of users who never log in again), unspent verifications,
// codes, captchas and upload tokens past their expiry, code sends older
// than a day and attempt windows no limit reads. Live rows stay.
func TestPruneDeletesExpiredEndUserRows(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		e := newCodeEnv(t, b, nil, core.WithSessionTTL(time.Hour))
		if _, err := e.svc.RegisterUsers(ctx, e.app, []core.NewUser{
			{Username: "alice", Password: "password1"}, {Username: "bobby", Password: "password1"}}); err != nil {
			t.Fatal(err)
		}
		// Rows that will die: alice never logs in again, nobody spends
		// the verification, the code, the captcha or the upload token.
		if _, _, err := e.svc.CreateSession(ctx, e.app, "alice", "web"); err != nil {
			t.Fatal(err)
		}
		e.verify("86", "13900000001", "register", e.send("86", "13900000001", "register"), nil)
		e.send("86", "13900000002", "register")
		if _, err := e.svc.NewCaptcha(core.WithClientAddr(ctx, "203.0.113.7"), e.app); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.IssueUploadToken(ctx, e.app, "alice"); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(25 * time.Hour) // past every expiry and the day's code window
		if _, _, err := e.svc.CreateSession(ctx, e.app, "bobby", "web"); err != nil {
			t.Fatal(err)
		}

		now := e.clock.Now().UnixMilli()
		dead := map[string]string{
			"sessions":            "expires_at <= ?",
			"phone_verifications": "expires_at <= ?",
			"verification_codes":  "expires_at <= ?",
			"captchas":            "expires_at <= ?",
			"upload_tokens":       "expires_at <= ?",
			"code_sends":          "sent_at <= ? - 86400000",
			"auth_attempts":       "window_start <= ? - 900000",
		}
		count := func(table, where string) int64 {
			t.Helper()
			var n int64
			q := "SELECT COUNT(*) FROM " + table + " WHERE " + strings.ReplaceAll(where, "?", strconv.FormatInt(now, 10))
			if err := e.raw.QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		var want int64
		for table, where := range dead {
			n := count(table, where)
			if n == 0 {
				t.Fatalf("%s has no dead row to prune", table)
			}
			want += n
		}
		got, err := e.svc.Prune(ctx, core.PruneOptions{Batch: 1})
		if err != nil {
			t.Fatal(err)
		}
		for table, where := range dead {
			if n := count(table, where); n != 0 {
				t.Errorf("%s: %d dead rows left", table, n)
			}
		}
		if got.Expired != want {
			t.Errorf("Prune reported %d expired rows, want %d", got.Expired, want)
		}
		if n := count("sessions", "1 = 1"); n != 1 {
			t.Errorf("%d sessions left, want bobby's live one", n)
		}
	})
}
