package bench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// seedUsers registers n users named prefix0..prefix{n-1}.
func seedUsers(b *testing.B, srv *testutil.Server, app testutil.App, prefix string, n int) {
	for start := 0; start < n; start += 500 {
		batch := []map[string]string{}
		for i := start; i < min(n, start+500); i++ {
			batch = append(batch, map[string]string{"username": fmt.Sprintf("%s%d", prefix, i), "password": "password123"})
		}
		if resp := srv.Do(b, "POST", "/v1/users/", app.As(), batch); resp.Status != http.StatusCreated {
			b.Fatalf("seeding users: %d %s", resp.Status, resp.Body)
		}
	}
}

// BenchmarkSendMessage measures POST /v1/messages, one-to-one text of
// about 100 bytes, from 16 concurrent senders: stored messages per second
// and latency percentiles.
func BenchmarkSendMessage(b *testing.B) {
	for _, be := range testutil.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			srv := testutil.StartServer(b, be)
			app := srv.CreateApp(b, nil)
			seedUsers(b, srv, app, "user", 32)
			text := "Hello from the benchmark! This text is about one hundred bytes long, like a short chat message."
			rate(b, func(i int64) int {
				body, _ := json.Marshal(map[string]any{
					"version": 1, "target_type": "single", "from_type": "user", "msg_type": "text",
					"from_id": fmt.Sprintf("user%d", i%16), "target_id": fmt.Sprintf("user%d", 16+i%16),
					"msg_body": map[string]any{"text": text},
				})
				return send(b, "POST", srv.URL+"/v1/messages", app, body)
			}, http.StatusCreated)
		})
	}
}

// BenchmarkGroupMessage500 measures one text message to a 500-member
// group: validation, storing it and computing the 499 recipients.
func BenchmarkGroupMessage500(b *testing.B) {
	for _, be := range testutil.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			srv := testutil.StartServer(b, be)
			app := srv.CreateApp(b, nil)
			seedUsers(b, srv, app, "member", 500)
			members := make([]string, 499)
			for i := range members {
				members[i] = fmt.Sprintf("member%d", i+1)
			}
			resp := srv.Do(b, "POST", "/v1/groups/", app.As(), map[string]any{"owner_username": "member0", "name": "big", "members_username": members})
			if resp.Status != http.StatusCreated {
				b.Fatalf("creating group: %d %s", resp.Status, resp.Body)
			}
			var g struct {
				Gid int64 `json:"gid"`
			}
			resp.JSON(b, &g)
			body, _ := json.Marshal(map[string]any{
				"version": 1, "target_type": "group", "from_type": "user", "msg_type": "text",
				"from_id": "member0", "target_id": fmt.Sprint(g.Gid), "msg_body": map[string]any{"text": "hello everyone"},
			})
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if code := send(b, "POST", srv.URL+"/v1/messages", app, body); code != http.StatusCreated {
					b.Fatalf("status %d", code)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/msg")
		})
	}
}
