package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// clients is the concurrency the issue asks the request rate at.
const clients = 16

var httpClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * clients, MaxConnsPerHost: 2 * clients}}

func send(b *testing.B, method, url string, app testutil.App, body []byte) int {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.SetBasicAuth(app.Key, app.Secret)
	resp, err := httpClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// BenchmarkBatchRegister500 times POST /v1/users/ with 500 new users,
// password hashing included.
func BenchmarkBatchRegister500(b *testing.B) {
	for _, be := range testutil.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			srv := testutil.StartServer(b, be)
			app := srv.CreateApp(b, nil)
			b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "cores")
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				batch := make([]map[string]string, 500)
				for j := range batch {
					batch[j] = map[string]string{"username": fmt.Sprintf("user%d_%d", i, j), "password": "password123"}
				}
				body, _ := json.Marshal(batch)
				if code := send(b, "POST", srv.URL+"/v1/users/", app, body); code != http.StatusCreated {
					b.Fatalf("register: status %d", code)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/batch")
		})
	}
}

// BenchmarkAdminAPI measures GET and PUT /v1/users/{username} with 16
// concurrent clients: requests per second and p50/p99 latency.
func BenchmarkAdminAPI(b *testing.B) {
	for _, be := range testutil.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			srv := testutil.StartServer(b, be)
			app := srv.CreateApp(b, nil)
			users := make([]map[string]string, 100)
			for i := range users {
				users[i] = map[string]string{"username": fmt.Sprintf("user%03d", i), "password": "password123"}
			}
			if resp := srv.Do(b, "POST", "/v1/users/", app.As(), users); resp.Status != http.StatusCreated {
				b.Fatalf("seeding users: %d %s", resp.Status, resp.Body)
			}
			b.Run("GET", func(b *testing.B) {
				rate(b, func(i int64) int {
					return send(b, "GET", fmt.Sprintf("%s/v1/users/user%03d", srv.URL, i%100), app, nil)
				}, http.StatusOK)
			})
			b.Run("PUT", func(b *testing.B) {
				rate(b, func(i int64) int {
					body := fmt.Appendf(nil, `{"nickname":"n%d","signature":"bench"}`, i)
					return send(b, "PUT", fmt.Sprintf("%s/v1/users/user%03d", srv.URL, i%100), app, body)
				}, http.StatusNoContent)
			})
		})
	}
}

// rate runs b.N calls of do from 16 goroutines and reports throughput and
// latency percentiles.
func rate(b *testing.B, do func(i int64) int, want int) {
	var next atomic.Int64
	lat := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	b.ResetTimer()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				start := time.Now()
				if code := do(i); code != want {
					b.Errorf("request %d: status %d, want %d", i, code, want)
					return
				}
				lat[i] = time.Since(start)
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
