package main

// Tests of the chatserver process (issue #2 §2 and the README quickstart):
// configuration, the generated platform token, the printed quickstart
// followed to the letter, restarts, both databases, graceful shutdown.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// syncBuffer is an io.Writer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// process is a run() call in a goroutine.
type process struct {
	addr   string // host:port from the "Serving" log line
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan error

	once sync.Once
	err  error
}

// servingAddr finds the address of the {"msg":"Serving","addr":...} line.
func servingAddr(out string) string {
	for line := range strings.SplitSeq(out, "\n") {
		var rec struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal([]byte(strings.TrimSpace(line)), &rec) == nil && rec.Msg == "Serving" && rec.Addr != "" {
			return rec.Addr
		}
	}
	return ""
}

// start runs the server with args and env (nothing else of the real
// environment leaks in) and waits until it serves.
func start(t *testing.T, args []string, env map[string]string) *process {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &process{stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	getenv := func(k string) string { return env[k] }
	go func() { p.done <- run(ctx, args, getenv, p.stderr) }()
	t.Cleanup(func() { _ = p.stop() })
	deadline := time.After(60 * time.Second)
	for p.addr == "" {
		select {
		case err := <-p.done:
			p.once.Do(func() { p.err = err })
			t.Fatalf("run returned before serving: %v\nstderr:\n%s", err, p.stderr)
		case <-deadline:
			t.Fatalf("no \"Serving\" log line within 60s; stderr:\n%s", p.stderr)
		case <-time.After(10 * time.Millisecond):
			p.addr = servingAddr(p.stderr.String())
		}
	}
	return p
}

// stop cancels the context and returns run's result.
func (p *process) stop() error {
	p.once.Do(func() {
		p.cancel()
		select {
		case p.err = <-p.done:
		case <-time.After(30 * time.Second):
			p.err = errors.New("run did not return within 30s of cancel")
		}
	})
	return p.err
}

func (p *process) server(token string) *testutil.Server {
	return &testutil.Server{URL: "http://" + p.addr, Token: token}
}

// readToken reads the generated token file and checks its mode.
func readToken(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "platform-token")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("platform token file: %v", err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("%s has mode %o, want 600", path, perm)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) < 16 {
		t.Errorf("generated token %q is too short to be a secret", tok)
	}
	return tok
}

func noTokenIn(t *testing.T, out, token string) {
	t.Helper()
	if token != "" && strings.Contains(out, token) {
		t.Errorf("stderr contains the platform token:\n%s", out)
	}
}

// curlCmd is one curl command of the printed quickstart.
type curlCmd struct {
	line    string
	method  string
	url     string
	headers [][2]string
	data    *string
	user    string
}

// shellWords splits a command line the way sh would for the quoting the
// quickstart uses: '...', "..." and backslash escapes.
func shellWords(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				t.Fatalf("unbalanced ' in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				t.Fatalf("unbalanced \" in %q", s)
			}
			inWord = true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

var catRE = regexp.MustCompile(`\$\(cat ([^)]+)\)`)

// parseQuickstart extracts the curl commands of the printed quickstart,
// substituting $(cat <file>) with the file's contents as a shell would.
func parseQuickstart(t *testing.T, out string) []curlCmd {
	t.Helper()
	joined := strings.ReplaceAll(out, "\\\n", " ")
	var cmds []curlCmd
	for line := range strings.SplitSeq(joined, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "curl ") {
			continue
		}
		expanded := catRE.ReplaceAllStringFunc(line, func(m string) string {
			path := catRE.FindStringSubmatch(m)[1]
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("quickstart reads %s: %v", path, err)
			}
			return strings.TrimRight(string(b), "\n") // $(...) strips trailing newlines
		})
		words := shellWords(t, expanded)
		c := curlCmd{line: line}
		for i := 1; i < len(words); i++ {
			w := words[i]
			next := func() string {
				if i+1 >= len(words) {
					t.Fatalf("curl option %s without a value in %q", w, line)
				}
				i++
				return words[i]
			}
			switch w {
			case "-s", "-S", "-sS", "-Ss", "--silent", "--show-error", "-i", "-v", "-f", "--fail":
			case "-X", "--request":
				c.method = next()
			case "-H", "--header":
				k, v, ok := strings.Cut(next(), ":")
				if !ok {
					t.Fatalf("bad header in %q", line)
				}
				c.headers = append(c.headers, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
			case "-d", "--data", "--data-raw", "--data-binary":
				d := next()
				c.data = &d
			case "-u", "--user":
				c.user = next()
			default:
				if strings.HasPrefix(w, "-") {
					t.Fatalf("the test does not know curl option %s in %q", w, line)
				}
				c.url = w
			}
		}
		if c.method == "" {
			c.method = "GET"
			if c.data != nil {
				c.method = "POST"
			}
		}
		cmds = append(cmds, c)
	}
	return cmds
}

// exec sends the request curl would send. hostport, when set, replaces the
// URL's host (the server listens elsewhere after a restart).
func (c curlCmd) exec(t *testing.T, hostport string) (int, []byte) {
	t.Helper()
	u := c.url
	if hostport != "" {
		u = regexp.MustCompile(`^http://[^/]+`).ReplaceAllString(u, "http://"+hostport)
	}
	var body io.Reader
	if c.data != nil {
		body = strings.NewReader(*c.data)
	}
	req, err := http.NewRequest(c.method, u, body)
	if err != nil {
		t.Fatalf("%q: %v", c.line, err)
	}
	req.Header.Set("User-Agent", "curl/8.0.0")
	req.Header.Set("Accept", "*/*")
	if c.data != nil {
		// What curl -d sends unless told otherwise.
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, h := range c.headers {
		req.Header.Set(h[0], h[1])
	}
	if c.user != "" {
		user, pass, _ := strings.Cut(c.user, ":")
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%q: %v", c.line, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// TestQuickstartFollowed runs chatserver as the README's first command does
// (embedded default database, no token) and then runs the commands it
// prints, as printed.
func TestQuickstartFollowed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := []string{"--listen", "127.0.0.1:0", "--data-dir", dir}
	p := start(t, args, nil)
	token := readToken(t, dir)
	out := p.stderr.String()
	noTokenIn(t, out, token)
	if !strings.Contains(out, "curl") {
		t.Fatalf("no quickstart (curl) printed:\n%s", out)
	}
	cmds := parseQuickstart(t, out)
	var sawCreate, sawRegister bool
	var getAlice *curlCmd
	for i, c := range cmds {
		status, body := c.exec(t, "")
		t.Logf("%s %s → %d %s", c.method, c.url, status, body)
		switch {
		case c.method == "PUT" && strings.Contains(c.url, "/platform/v1/apps/"):
			sawCreate = true
			if status != http.StatusCreated {
				t.Errorf("creating the demo tenant as printed (%q): %d, want 201: %s", c.line, status, body)
			}
		case c.method == "POST" && strings.HasSuffix(c.url, "/v1/users/"):
			sawRegister = true
			if status != http.StatusCreated || bytes.Contains(body, []byte(`"error"`)) {
				t.Errorf("registering as printed (%q): %d, want 201 without errors: %s", c.line, status, body)
			}
		case c.method == "GET" && strings.HasSuffix(c.url, "/v1/users/alice"):
			getAlice = &cmds[i]
			var u struct {
				Username string `json:"username"`
			}
			if err := json.Unmarshal(body, &u); status != http.StatusOK || err != nil || u.Username != "alice" {
				t.Errorf("reading alice as printed (%q): %d, want 200 with username alice: %s", c.line, status, body)
			}
		default:
			if status/100 != 2 {
				t.Errorf("quickstart command %q: status %d: %s", c.line, status, body)
			}
		}
	}
	if !sawCreate || !sawRegister || getAlice == nil {
		t.Fatalf("the quickstart must create a tenant, register alice and read her back; printed:\n%s", out)
	}

	// Restarted on the same data directory: same token, same data.
	if err := p.stop(); err != nil {
		t.Fatalf("run after cancel: %v", err)
	}
	p2 := start(t, args, nil)
	if tok := readToken(t, dir); tok != token {
		t.Errorf("restart generated a new token")
	}
	noTokenIn(t, p2.stderr.String(), token)
	if status, body := getAlice.exec(t, p2.addr); status != http.StatusOK {
		t.Errorf("GET alice after restart: %d: %s", status, body)
	}
	if err := p2.stop(); err != nil {
		t.Errorf("run after cancel: %v", err)
	}
}

// TestGeneratedTokenIsReused checks the generated-token path with a tenant
// of the test's own, independent of the printed quickstart.
func TestGeneratedTokenIsReused(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "not-yet-created")
	args := []string{"--listen", "127.0.0.1:0", "--data-dir", dir}
	p := start(t, args, nil)
	token := readToken(t, dir)
	out := p.stderr.String()
	noTokenIn(t, out, token)
	if !strings.Contains(out, filepath.Join(dir, "platform-token")) {
		t.Errorf("the log does not say where the generated token is:\n%s", out)
	}
	if !strings.Contains(out, "curl") {
		t.Errorf("no quickstart printed for a generated token:\n%s", out)
	}

	srv := p.server(token)
	if r := srv.Do(t, "GET", "/platform/v1/apps", testutil.Bearer(token+"x"), nil); r.Status != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", r.Status)
	}
	app := srv.CreateApp(t, nil)
	r := srv.Do(t, "POST", "/v1/users/", app.As(), []map[string]string{{"username": "alice", "password": "secret123"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("register: %d: %s", r.Status, r.Body)
	}
	if r := srv.Do(t, "GET", "/v1/users/alice", app.As(), nil); r.Status != http.StatusOK {
		t.Fatalf("GET alice: %d: %s", r.Status, r.Body)
	}
	if err := p.stop(); err != nil {
		t.Fatalf("run after cancel: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "chatserver.db")); err != nil {
		t.Errorf("default database is not <data-dir>/chatserver.db: %v", err)
	}

	p2 := start(t, args, nil)
	if tok := readToken(t, dir); tok != token {
		t.Errorf("restart changed the token file")
	}
	noTokenIn(t, p2.stderr.String(), token)
	srv2 := p2.server(token)
	if r := srv2.Do(t, "GET", "/platform/v1/apps/"+app.Key, testutil.Bearer(token), nil); r.Status != http.StatusOK {
		t.Errorf("old token after restart: %d: %s", r.Status, r.Body)
	}
	if r := srv2.Do(t, "GET", "/v1/users/alice", app.As(), nil); r.Status != http.StatusOK {
		t.Errorf("alice after restart: %d: %s", r.Status, r.Body)
	}
	if err := p2.stop(); err != nil {
		t.Errorf("run after cancel: %v", err)
	}
}

// TestExplicitConfig runs the server configured through the environment
// twins, through flags, and through flags that override conflicting
// environment values, on both databases.
func TestExplicitConfig(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		modes := []string{"env", "flags", "flags over env"}
		for _, mode := range modes {
			t.Run(mode, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				dbURL := b.NewURL(t)
				token := "explicit" + rand.Text()
				var args []string
				var env map[string]string
				flags := []string{"--listen", "127.0.0.1:0", "--data-dir", dir, "--database", dbURL, "--platform-token", token}
				switch mode {
				case "env":
					env = map[string]string{
						"CHAT_LISTEN_ADDR":    "127.0.0.1:0",
						"CHAT_DATA_DIR":       dir,
						"CHAT_DATABASE_URL":   dbURL,
						"CHAT_PLATFORM_TOKEN": token,
					}
				case "flags":
					args = flags
				case "flags over env":
					args = flags
					env = map[string]string{
						"CHAT_LISTEN_ADDR":    "256.0.0.1:99999",
						"CHAT_DATA_DIR":       filepath.Join(dir, "env-dir"),
						"CHAT_DATABASE_URL":   "sqlite:" + filepath.Join(dir, "env-dir", "env.db"),
						"CHAT_PLATFORM_TOKEN": "env-token-" + rand.Text(),
					}
				}
				p := start(t, args, env)
				out := p.stderr.String()
				noTokenIn(t, out, token)
				if strings.Contains(out, "curl") {
					t.Errorf("quickstart printed although a token was configured:\n%s", out)
				}
				if _, err := os.Stat(filepath.Join(dir, "platform-token")); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("token file written although a token was configured (stat: %v)", err)
				}
				if _, err := os.Stat(filepath.Join(dir, "env-dir")); mode == "flags over env" && !errors.Is(err, os.ErrNotExist) {
					t.Errorf("the environment's data dir was used over the flag's (stat: %v)", err)
				}

				srv := p.server(token)
				if r := srv.Do(t, "GET", "/platform/v1/info", testutil.Bearer("env-token"), nil); r.Status != http.StatusUnauthorized {
					t.Errorf("wrong token: %d, want 401", r.Status)
				}
				r := srv.Do(t, "GET", "/platform/v1/info", testutil.Bearer(token), nil)
				var info struct {
					Database string `json:"database"`
				}
				r.JSON(t, &info)
				if r.Status != http.StatusOK || info.Database != b.Name {
					t.Errorf("info: %d %s, want database %q", r.Status, r.Body, b.Name)
				}
				app := srv.CreateApp(t, nil)
				if r := srv.Do(t, "POST", "/v1/users/", app.As(), []map[string]string{{"username": "alice", "password": "secret123"}}); r.Status != http.StatusCreated {
					t.Fatalf("register: %d: %s", r.Status, r.Body)
				}
				if r := srv.Do(t, "GET", "/v1/users/alice", app.As(), nil); r.Status != http.StatusOK {
					t.Errorf("GET alice: %d: %s", r.Status, r.Body)
				}
				if err := p.stop(); err != nil {
					t.Errorf("run after cancel: %v", err)
				}
				if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
					if _, err := os.Stat(path); err != nil {
						t.Errorf("configured SQLite file not used: %v", err)
					}
					if _, err := os.Stat(filepath.Join(dir, "chatserver.db")); !errors.Is(err, os.ErrNotExist) {
						t.Errorf("default database created although one was configured (stat: %v)", err)
					}
				}
			})
		}
	})
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	token := "tok" + rand.Text()
	p := start(t, []string{"--listen", "127.0.0.1:0", "--platform-token", token, "--data-dir", t.TempDir()}, nil)
	srv := p.server(token)
	if r := srv.Do(t, "GET", "/healthz", func(*http.Request) {}, nil); r.Status != http.StatusOK {
		t.Fatalf("healthz: %d", r.Status)
	}
	app := srv.CreateApp(t, nil)

	// A request in flight when the context ends: its headers and half its
	// body are sent before the cancel, the rest after.
	pr, pw := io.Pipe()
	req, err := http.NewRequest("POST", "http://"+p.addr+"/v1/users/", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(app.Key, app.Secret)
	type result struct {
		status int
		body   []byte
		err    error
	}
	resc := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			resc <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		resc <- result{resp.StatusCode, b, err}
	}()
	if _, err := io.WriteString(pw, `[{"username":"inflight",`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // let the server start handling it
	stopped := make(chan error, 1)
	go func() { stopped <- p.stop() }()
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-stopped:
		t.Errorf("run returned (%v) while a request was in flight", err)
		stopped <- err
	default:
	}
	if _, err := io.WriteString(pw, `"password":"secret123"}]`); err != nil {
		t.Errorf("finishing the in-flight request: %v", err)
	}
	pw.Close()
	res := <-resc
	if res.err != nil || res.status != http.StatusCreated {
		t.Errorf("in-flight request during shutdown: %d %v: %s", res.status, res.err, res.body)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("run after cancel = %v, want nil", err)
	}
	conn, err := net.DialTimeout("tcp", p.addr, time.Second)
	if err == nil {
		conn.Close()
		t.Errorf("still listening on %s after shutdown", p.addr)
	}
}

func TestRunFailsOnBadConfig(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() }) // after the parallel subtests, unlike defer
	cases := []struct {
		name string
		args []string
	}{
		{"bad log level", []string{"--log-level", "loud"}},
		{"unknown flag", []string{"--no-such-flag"}},
		{"address in use", []string{"--listen", busy.Addr().String()}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"--data-dir", t.TempDir(), "--platform-token", "tok" + rand.Text()}, c.args...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := run(ctx, args, func(string) string { return "" }, io.Discard); err == nil {
				t.Errorf("run(%v) = nil, want an error", c.args)
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	t.Parallel()
	type want struct {
		listen, database, dataDir, token string
		level                            slog.Level
	}
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		want    want
		wantErr bool
	}{
		{
			name: "defaults",
			want: want{":8080", "sqlite:chatserver-data/chatserver.db", "chatserver-data", "", slog.LevelInfo},
		},
		{
			name: "env twins",
			env: map[string]string{
				"CHAT_LISTEN_ADDR": ":9000", "CHAT_DATABASE_URL": "postgres://u@h/db",
				"CHAT_DATA_DIR": "/var/lib/chat", "CHAT_PLATFORM_TOKEN": "envtok",
			},
			want: want{":9000", "postgres://u@h/db", "/var/lib/chat", "envtok", slog.LevelInfo},
		},
		{
			name: "env data dir sets the default database",
			env:  map[string]string{"CHAT_DATA_DIR": "/srv/chat"},
			want: want{":8080", "sqlite:/srv/chat/chatserver.db", "/srv/chat", "", slog.LevelInfo},
		},
		{
			name: "flags",
			args: []string{"--listen", "127.0.0.1:7000", "--database", "sqlite:/tmp/x.db", "--data-dir", "/d", "--platform-token", "flagtok"},
			want: want{"127.0.0.1:7000", "sqlite:/tmp/x.db", "/d", "flagtok", slog.LevelInfo},
		},
		{
			name: "flags override env",
			args: []string{"--listen", ":7001", "--database", "sqlite:/flag.db", "--data-dir", "/flagdir", "--platform-token", "flagtok"},
			env: map[string]string{
				"CHAT_LISTEN_ADDR": ":9000", "CHAT_DATABASE_URL": "postgres://u@h/db",
				"CHAT_DATA_DIR": "/envdir", "CHAT_PLATFORM_TOKEN": "envtok",
			},
			want: want{":7001", "sqlite:/flag.db", "/flagdir", "flagtok", slog.LevelInfo},
		},
		{
			name: "flag data dir over env data dir sets the default database",
			args: []string{"--data-dir", "/flagdir"},
			env:  map[string]string{"CHAT_DATA_DIR": "/envdir"},
			want: want{":8080", "sqlite:/flagdir/chatserver.db", "/flagdir", "", slog.LevelInfo},
		},
		{
			name: "explicit database is kept whatever the data dir",
			args: []string{"--data-dir", "/flagdir"},
			env:  map[string]string{"CHAT_DATABASE_URL": "sqlite:/elsewhere.db"},
			want: want{":8080", "sqlite:/elsewhere.db", "/flagdir", "", slog.LevelInfo},
		},
		{
			name: "flag listen over env listen only",
			args: []string{"--listen", ":1"},
			env:  map[string]string{"CHAT_LISTEN_ADDR": ":2", "CHAT_PLATFORM_TOKEN": "envtok"},
			want: want{":1", "sqlite:chatserver-data/chatserver.db", "chatserver-data", "envtok", slog.LevelInfo},
		},
		{
			name: "log level debug",
			args: []string{"--log-level", "debug"},
			want: want{":8080", "sqlite:chatserver-data/chatserver.db", "chatserver-data", "", slog.LevelDebug},
		},
		{
			name: "log level warn",
			args: []string{"--log-level=warn"},
			want: want{":8080", "sqlite:chatserver-data/chatserver.db", "chatserver-data", "", slog.LevelWarn},
		},
		{name: "bad log level", args: []string{"--log-level", "loud"}, wantErr: true},
		{name: "unknown flag", args: []string{"--bogus"}, wantErr: true},
		{name: "positional argument", args: []string{"serve"}, wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := parseConfig(c.args, func(k string) string { return c.env[k] }, io.Discard)
			if c.wantErr {
				if err == nil {
					t.Errorf("parseConfig(%v) = %+v, want an error", c.args, cfg)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseConfig(%v): %v", c.args, err)
			}
			got := want{cfg.listen, cfg.database, cfg.dataDir, cfg.platformToken, cfg.logLevel}
			if got != c.want {
				t.Errorf("parseConfig(%v, %v)\n got %+v\nwant %+v", c.args, c.env, got, c.want)
			}
		})
	}
}

func TestTrustedProxiesFlag(t *testing.T) {
	t.Parallel()
	cfg, err := parseConfig([]string{"--trusted-proxies", "10.0.0.0/8, 192.168.1.7,fd00::/8"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("fd00::/8")}
	if !slices.Equal(cfg.trustedProxies, want) {
		t.Fatalf("trustedProxies = %v, want %v", cfg.trustedProxies, want)
	}
	cfg, err = parseConfig(nil, func(k string) string { return map[string]string{"CHAT_TRUSTED_PROXIES": "10.1.0.0/16"}[k] }, io.Discard)
	if err != nil || !slices.Equal(cfg.trustedProxies, []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}) {
		t.Fatalf("from the environment: %v, %v", cfg.trustedProxies, err)
	}
	if _, err := parseConfig([]string{"--trusted-proxies", "10.0.0.0/8,ingress"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Fatal("a host name was accepted as a trusted proxy")
	}
}

func TestSMSAllowLoopbackFlag(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		env  string
		want bool
	}{
		{nil, "", false},
		{[]string{"--sms-allow-loopback"}, "", true},
		{nil, "true", true},
		{[]string{"--sms-allow-loopback=false"}, "true", false},
	} {
		cfg, err := parseConfig(c.args, func(k string) string {
			if k == "CHAT_SMS_ALLOW_LOOPBACK" {
				return c.env
			}
			return ""
		}, io.Discard)
		if err != nil || cfg.smsAllowLoopback != c.want {
			t.Errorf("parseConfig(%v, env %q): smsAllowLoopback %v, %v; want %v", c.args, c.env, cfg.smsAllowLoopback, err, c.want)
		}
	}
}
