package fault

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds a chatserver's start-up (migrations included), and
// stopTimeout a graceful stop, before the process is killed.
const (
	startTimeout = 60 * time.Second
	stopTimeout  = 15 * time.Second
)

// serverConfig is how to run one chatserver process.
type serverConfig struct {
	// name labels the process in logs and messages ("chatserver", "A").
	name string
	// database is the --database URL; empty means chatserver's default,
	// SQLite under dataDir.
	database string
	dataDir  string
	token    string
	// logDir receives <name>.log, appended to by every start.
	logDir string
}

// chatserver is one running chatserver process.
type chatserver struct {
	cfg  serverConfig
	url  string // http://127.0.0.1:<port>
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited
}

// startChatserver runs the chatserver binary on a free loopback port and
// waits until /readyz answers 200. It is stopped (SIGTERM) when the test
// ends if it is still running.
func startChatserver(t *testing.T, cfg serverConfig) *chatserver {
	t.Helper()
	logPath := filepath.Join(cfg.logDir, cfg.name+".log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(logf, "=== %s: starting %s\n", time.Now().Format(time.RFC3339Nano), cfg.name)
	args := []string{"--listen", "127.0.0.1:0", "--data-dir", cfg.dataDir, "--platform-token", cfg.token,
		"--shutdown-timeout", "5s"}
	if cfg.database != "" {
		args = append(args, "--database", cfg.database)
	}
	cmd := exec.Command(chatserverBin, args...)
	cmd.Env = withoutChatEnv(os.Environ())
	// The server dies with the test binary, whatever ends it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", cfg.name, err)
	}
	c := &chatserver{cfg: cfg, cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		defer close(c.done)
		defer logf.Close()
		scanServing(stderr, logf, addr)
		_ = cmd.Wait()
		fmt.Fprintf(logf, "=== %s: %s exited: %v\n", time.Now().Format(time.RFC3339Nano), cfg.name, cmd.ProcessState)
	}()
	t.Cleanup(func() { c.stop(t) })
	select {
	case a := <-addr:
		c.url = "http://" + a
	case <-c.done:
		t.Fatalf("%s exited before serving:\n%s", cfg.name, tail(logPath, 30))
	case <-time.After(startTimeout):
		t.Fatalf("%s did not start serving within %v:\n%s", cfg.name, startTimeout, tail(logPath, 30))
	}
	deadline := time.Now().Add(startTimeout)
	for {
		if code, _ := getStatus(c.url + "/readyz"); code == http.StatusOK {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s serves at %s but /readyz never answered 200:\n%s", cfg.name, c.url, tail(logPath, 30))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// scanServing copies the server's log lines to w and sends the address
// of its "Serving" line on addr.
func scanServing(r io.Reader, w io.Writer, addr chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	found := false
	for sc.Scan() {
		line := sc.Bytes()
		_, _ = w.Write(line)
		_, _ = w.Write([]byte{'\n'})
		if found || !bytes.Contains(line, []byte(`"Serving"`)) {
			continue
		}
		var l struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(line, &l) == nil && l.Msg == "Serving" && l.Addr != "" {
			found = true
			addr <- l.Addr
		}
	}
	_, _ = io.Copy(w, r)
}

// withoutChatEnv drops CHAT_* variables, so a developer's settings never
// reach the server: the flags say everything.
func withoutChatEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "CHAT_") {
			out = append(out, kv)
		}
	}
	return out
}

// alive reports whether the process is still running.
func (c *chatserver) alive() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// pid is the process id.
func (c *chatserver) pid() int { return c.cmd.Process.Pid }

// kill ends the process with SIGKILL and waits until it is gone.
func (c *chatserver) kill(t *testing.T) {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-c.done:
	case <-time.After(stopTimeout):
		t.Fatalf("%s (pid %d) still running after SIGKILL", c.cfg.name, c.pid())
	}
}

// stop ends the process gracefully (SIGTERM), killing it if it takes
// too long.
func (c *chatserver) stop(t *testing.T) {
	if !c.alive() {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(stopTimeout):
		t.Errorf("%s (pid %d) did not stop within %v of SIGTERM; killing it", c.cfg.name, c.pid(), stopTimeout)
		_ = c.cmd.Process.Signal(syscall.SIGKILL)
		<-c.done
	}
}

// logTail is the end of the server's log, for failure messages.
func (c *chatserver) logTail(lines int) string {
	return tail(filepath.Join(c.cfg.logDir, c.cfg.name+".log"), lines)
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(reading %s: %v)", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// dumpLogsOnFailure prints the end of each server's log if the test
// failed. Register it before starting the servers, so it runs after they
// stopped.
func dumpLogsOnFailure(t *testing.T, logDir string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		entries, _ := os.ReadDir(logDir)
		for _, e := range entries {
			t.Logf("--- end of %s:\n%s", e.Name(), tail(filepath.Join(logDir, e.Name()), 40))
		}
	})
}
