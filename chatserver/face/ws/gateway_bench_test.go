package ws_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// benchSenders is the concurrency of issue #5's send benchmark.
const benchSenders = 16

var benchHTTP = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * benchSenders, MaxConnsPerHost: 2 * benchSenders}}

// postMessage sends a text through POST /v1/messages; text carries the
// send time so the receiver can measure latency.
func postMessage(b *testing.B, f *fixture, body map[string]any) {
	enc, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", f.srv.URL+"/v1/messages", bytes.NewReader(enc))
	req.SetBasicAuth(f.app.Key, f.app.Secret)
	resp, err := benchHTTP.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b.Errorf("send: status %d", resp.StatusCode)
	}
}

// stamp is a ~100-byte text holding the send time.
func stamp() string {
	s := strconv.FormatInt(time.Now().UnixNano(), 10) + " "
	return s + strings.Repeat("x", 100-len(s))
}

func sentAt(text string) time.Time {
	n, _ := strconv.ParseInt(strings.SplitN(text, " ", 2)[0], 10, 64)
	return time.Unix(0, n)
}

func reportPercentiles(b *testing.B, lat []time.Duration, unit string) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.50), "p50-"+unit)
	b.ReportMetric(p(0.95), "p95-"+unit)
	b.ReportMetric(p(0.99), "p99-"+unit)
}

// BenchmarkAdminSendToWebSocket: 100 sender/recipient pairs, 16 concurrent
// senders on the admin API, ~100-byte texts, every recipient online:
// delivered msg/s and send-to-receive latency.
func BenchmarkAdminSendToWebSocket(b *testing.B) {
	for _, be := range testutil.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			const pairs = 100
			var names []string
			for i := range pairs {
				names = append(names, fmt.Sprintf("from%03d", i), fmt.Sprintf("to%03d", i))
			}
			f := newFixture(b, be, names...)
			var received atomic.Int64
			var mu sync.Mutex
			var lat []time.Duration
			for i := range pairs {
				c := f.dial(b, f.login(b, fmt.Sprintf("to%03d", i)), "")
				go func() {
					for fr := range c.frames {
						if fr.Type != "message" {
							continue
						}
						d := time.Since(sentAt(fr.text(b)))
						mu.Lock()
						lat = append(lat, d)
						mu.Unlock()
						received.Add(1)
					}
				}()
			}
			var next atomic.Int64
			b.ResetTimer()
			var wg sync.WaitGroup
			for range benchSenders {
				wg.Go(func() {
					for {
						i := next.Add(1) - 1
						if i >= int64(b.N) {
							return
						}
						p := i % pairs
						postMessage(b, f, map[string]any{"version": 1, "target_type": "single", "from_type": "user",
							"msg_type": "text", "from_id": fmt.Sprintf("from%03d", p), "target_id": fmt.Sprintf("to%03d", p),
							"msg_body": map[string]any{"text": stamp()}})
					}
				})
			}
			wg.Wait()
			deadline := time.Now().Add(30 * time.Second)
			for received.Load() < int64(b.N) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			b.StopTimer()
			if got := received.Load(); got < int64(b.N) {
				b.Fatalf("received %d of %d", got, b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msg/s")
			mu.Lock()
			reportPercentiles(b, lat, "ms")
			mu.Unlock()
		})
	}
}

// BenchmarkGroupFanout500: one message to a 500-member group (owner
// included) with every member online; time until the last member has it.
func BenchmarkGroupFanout500(b *testing.B) {
	for _, be := range testutil.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			names := make([]string, 500)
			for i := range names {
				names[i] = fmt.Sprintf("member%03d", i)
			}
			f := newFixture(b, be, names...)
			r := f.srv.Do(b, "POST", "/v1/groups/", f.app.As(), map[string]any{
				"owner_username": names[0], "name": "big", "members_username": names[1:]})
			if r.Status != http.StatusCreated {
				b.Fatalf("creating group: %d %s", r.Status, r.Body)
			}
			var g struct {
				Gid int64 `json:"gid"`
			}
			r.JSON(b, &g)
			got := make(chan struct{}, 1024)
			for _, n := range names[1:] {
				c := f.dial(b, f.login(b, n), "")
				go func() {
					for fr := range c.frames {
						if fr.Type == "message" {
							got <- struct{}{}
						}
					}
				}()
			}
			var lat []time.Duration
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				postMessage(b, f, map[string]any{"version": 1, "target_type": "group", "from_type": "user",
					"msg_type": "text", "from_id": names[0], "target_id": fmt.Sprint(g.Gid),
					"msg_body": map[string]any{"text": stamp()}})
				for range len(names) - 1 {
					select {
					case <-got:
					case <-time.After(30 * time.Second):
						b.Fatal("a member never received the message")
					}
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			reportPercentiles(b, lat, "ms-to-last")
		})
	}
}

// BenchmarkCatchUp1000: a user reconnects after missing 1,000 messages;
// time from dialling until the last one arrives.
func BenchmarkCatchUp1000(b *testing.B) {
	for _, be := range testutil.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			f := newFixture(b, be, "sender", "reader")
			var wg sync.WaitGroup
			var next atomic.Int64
			for range benchSenders {
				wg.Go(func() {
					for next.Add(1) <= 1000 {
						postMessage(b, f, map[string]any{"version": 1, "target_type": "single", "from_type": "user",
							"msg_type": "text", "from_id": "sender", "target_id": "reader",
							"msg_body": map[string]any{"text": stamp()}})
					}
				})
			}
			wg.Wait()
			token := f.login(b, "reader")
			b.ResetTimer()
			for range b.N {
				c := f.dial(b, token, "since=0")
				for range 1000 {
					c.nextOf(b, "message")
				}
				_ = c.conn.CloseNow()
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/catch-up")
		})
	}
}
