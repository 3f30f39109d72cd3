package ws_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// idleSessions is the session count of issue #5's idle-memory benchmark.
const idleSessions = 10_000

// Environment of the client process BenchmarkIdleSessions starts.
const (
	envIdleURL    = "CHAT_IDLE_CLIENT_URL"
	envIdleTokens = "CHAT_IDLE_CLIENT_TOKENS"
)

// BenchmarkIdleSessions: server memory per idle WebSocket session with
// 10,000 authenticated sessions open. The clients run in a separate
// process (this test binary, re-run as TestIdleClients), so only the
// server's side is counted: the Go heap in use plus goroutine stacks
// (runtime.MemStats HeapInuse + StackInuse), after forced GCs, before
// the sessions open and once they are all set up (the server's memory
// stops falling), divided by their number. It measures once,
// whatever b.N. CHAT_IDLE_HEAP_PROFILE=<file> also writes a heap profile
// of the server with every allocation sampled, taken with the sessions
// open.
func BenchmarkIdleSessions(b *testing.B) {
	if os.Getenv("CHAT_IDLE_HEAP_PROFILE") != "" {
		runtime.MemProfileRate = 1
	}
	be := testutil.Backends(b)[0]
	srv := testutil.StartServer(b, be)
	f := &fixture{srv: srv, app: srv.CreateApp(b, nil)}
	tokens := idleTokens(b, f, idleSessions)
	path := b.TempDir() + "/tokens"
	if err := os.WriteFile(path, []byte(strings.Join(tokens, "\n")), 0o600); err != nil {
		b.Fatal(err)
	}

	heapBefore, stackBefore, gBefore := settledMemory()
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleClients$", "-test.v")
	cmd.Env = append(os.Environ(), envIdleURL+"="+"ws"+strings.TrimPrefix(f.srv.URL, "http")+"/apps/"+f.app.Key+"/ws",
		envIdleTokens+"="+path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		stdin.Close()
		_ = cmd.Wait()
	}()
	lines := bufio.NewScanner(stdout)
	ready := false
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "ready") {
			ready = true
			break
		}
	}
	if !ready {
		b.Fatal("the client process never got its sessions open")
	}
	go func() {
		for lines.Scan() {
		}
	}()
	// The clients are connected once the server answered the upgrade, but
	// the server may still be setting sessions up (replay, presence
	// record): measure once its memory stops falling.
	heapAfter, stackAfter, gAfter := settledMemory()
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); {
		time.Sleep(time.Second)
		h, s, g := settledMemory()
		settled := h+s >= (heapAfter+stackAfter)*99/100
		heapAfter, stackAfter, gAfter = h, s, g
		if settled {
			break
		}
	}
	if p := os.Getenv("CHAT_IDLE_HEAP_PROFILE"); p != "" {
		out, _ := os.Create(p)
		runtime.MemProfileRate = 1
		_ = pprof.WriteHeapProfile(out)
		out.Close()
	}
	per := float64(heapAfter+stackAfter-heapBefore-stackBefore) / idleSessions
	b.ReportMetric(per, "B/session")
	b.ReportMetric(float64(heapAfter-heapBefore)/idleSessions, "heap-B/session")
	b.ReportMetric(float64(stackAfter-stackBefore)/idleSessions, "stack-B/session")
	b.ReportMetric(float64(gAfter-gBefore)/idleSessions, "goroutines/session")
}

// settledMemory is the heap and stack in use after the GC has run to a
// fixed point (stacks shrink over a few cycles), and the goroutine count.
func settledMemory() (heap, stack uint64, goroutines int) {
	var m runtime.MemStats
	for range 5 {
		runtime.GC()
		time.Sleep(50 * time.Millisecond)
	}
	runtime.ReadMemStats(&m)
	return m.HeapInuse, m.StackInuse, runtime.NumGoroutine()
}

// idleTokens creates n users with one login session each, straight in the
// store (no password hashing: nobody logs in with a password here), and
// returns the sessions' tokens.
func idleTokens(t testing.TB, f *fixture, n int) []string {
	t.Helper()
	ctx := context.Background()
	app, err := f.srv.Svc.GetApp(ctx, f.app.Key)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tokens := make([]string, n)
	err = f.srv.Store.Write(ctx, func(q *store.Q) error {
		for i := range n {
			id, err := q.InsertUser(ctx, model.User{AppID: app.ID, Username: fmt.Sprintf("idle%05d", i), PasswordHash: "x",
				Created: now, Modified: now})
			if err != nil {
				return err
			}
			tokens[i] = rand.Text()
			hash := sha256.Sum256([]byte(tokens[i]))
			if _, err := q.InsertSession(ctx, model.Session{AppID: app.ID, UserID: id, Device: "web", Created: now,
				Expires: now.Add(time.Hour)}, hash[:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}

// TestIdleClients is the client process of BenchmarkIdleSessions: it
// opens a session per token, prints "ready", and holds them until stdin
// closes. Without the benchmark's environment it does nothing.
func TestIdleClients(t *testing.T) {
	url, path := os.Getenv(envIdleURL), os.Getenv(envIdleTokens)
	if url == "" || path == "" {
		t.Skip("run by BenchmarkIdleSessions")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tokens := strings.Split(string(data), "\n")
	tr := &http.Transport{MaxIdleConnsPerHost: -1}
	conns := make([]*websocket.Conn, len(tokens))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed error
	next := make(chan int)
	for range 32 {
		wg.Go(func() {
			for i := range next {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				c, _, err := websocket.Dial(ctx, url+"?since=0", &websocket.DialOptions{
					HTTPClient: &http.Client{Transport: tr},
					HTTPHeader: http.Header{"Authorization": {"Bearer " + tokens[i]}},
				})
				cancel()
				if err != nil {
					mu.Lock()
					failed = fmt.Errorf("session %d: %w", i, err)
					mu.Unlock()
					continue
				}
				c.CloseRead(context.Background()) // answers pings
				conns[i] = c
			}
		})
	}
	for i := range tokens {
		next <- i
	}
	close(next)
	wg.Wait()
	if failed != nil {
		t.Fatal(failed)
	}
	fmt.Println("ready " + strconv.Itoa(len(conns)))
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
}
