package fault

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver, to see the server answer

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// What hack/with-postgres.sh exports besides the DSN: the server binaries
// and the operating-system user they run as.
const (
	envPostgresBindir = "CHAT_TEST_POSTGRES_BINDIR"
	envPostgresUser   = "CHAT_TEST_POSTGRES_USER"
)

// pgTools runs PostgreSQL's programs as the right user.
type pgTools struct {
	bindir string
	// cred switches to the server's user when the tests run as root
	// (initdb, pg_ctl and postgres refuse root); nil runs as ourselves.
	cred *syscall.Credential
}

// postgresTools returns the binaries hack/with-postgres.sh found. Without
// them the test is skipped, or fails under CHAT_TEST_REQUIRE_POSTGRES=1,
// as chatserver/testutil does for the DSN.
func postgresTools(t *testing.T) pgTools {
	t.Helper()
	dsn, bindir := os.Getenv(testutil.EnvPostgresDSN), os.Getenv(envPostgresBindir)
	if dsn == "" || bindir == "" {
		msg := fmt.Sprintf("%s or %s is not set: this test stops and starts a PostgreSQL server of its own, "+
			"from the binaries hack/with-postgres.sh finds (make test runs it)", testutil.EnvPostgresDSN, envPostgresBindir)
		if os.Getenv(testutil.EnvRequirePostgres) == "1" {
			t.Fatalf("%s; %s=1 requires it", msg, testutil.EnvRequirePostgres)
		}
		t.Skip(msg)
	}
	for _, prog := range []string{"initdb", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(bindir, prog)); err != nil {
			t.Fatalf("%s=%s: %v", envPostgresBindir, bindir, err)
		}
	}
	tools := pgTools{bindir: bindir}
	if os.Geteuid() != 0 {
		return tools
	}
	name := os.Getenv(envPostgresUser)
	if name == "" || name == "root" {
		t.Fatalf("running as root: %s must name the unprivileged user PostgreSQL runs as (hack/with-postgres.sh sets it), not %q",
			envPostgresUser, name)
	}
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatalf("%s=%s: %v", envPostgresUser, name, err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	tools.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	return tools
}

// command prepares one of the server's programs, run as its user from dir.
func (p pgTools) command(dir, prog string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(p.bindir, prog), args...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	return cmd
}

// postgres is a PostgreSQL server of the test's own, in a temporary
// directory, that the test may stop and start: the one hack/with-postgres.sh
// started is shared with the other packages' tests, which may be running at
// the same time.
type postgres struct {
	tools     pgTools
	dir, data string
	port      int
	logPath   string
	cmd       *exec.Cmd
	done      chan struct{} // closed when the running postmaster exits
}

// startPostgres initialises a cluster and starts it on a free loopback
// port. It is shut down and deleted when the test ends.
func startPostgres(t *testing.T, tools pgTools) *postgres {
	t.Helper()
	// The socket path must stay under ~107 bytes, and the server's user
	// must be able to reach the directory: $TMPDIR may be root's own.
	base := os.TempDir()
	if len(base) > 60 || tools.cred != nil {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "chat-fault-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if tools.cred != nil {
		if err := os.Chown(dir, int(tools.cred.Uid), int(tools.cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	p := &postgres{tools: tools, dir: dir, data: filepath.Join(dir, "data"), logPath: filepath.Join(dir, "postgres.log")}
	initdb := tools.command(dir, "initdb", "-D", p.data, "-U", "postgres", "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	// fsync and full_page_writes guard against the machine crashing, which
	// this test does not do. synchronous_commit stays on: with it off, a
	// commit is acknowledged before its WAL is written, and an immediate
	// shutdown may lose it; chatserver acknowledges a send once its
	// commit is acknowledged, so the suite needs that to mean written.
	conf := fmt.Sprintf("\n# --- test/fault ---\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n"+
		"fsync = off\nfull_page_writes = off\nsynchronous_commit = on\nmax_connections = 150\n",
		strings.ReplaceAll(dir, "'", "''"))
	f, err := os.OpenFile(filepath.Join(p.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(conf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.running() {
			_ = p.ctl("stop", "-m", "immediate")
			p.wait(30 * time.Second)
		}
	})
	for attempt := 1; ; attempt++ {
		p.port = freePort(t)
		err := p.tryStart()
		if err == nil {
			return p
		}
		if attempt == 5 || !strings.Contains(tail(p.logPath, 20), "could not bind") {
			t.Fatalf("starting PostgreSQL: %v\n%s", err, tail(p.logPath, 30))
		}
	}
}

// dsn is the server's URL for chatserver.
func (p *postgres) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// start starts the stopped server again, on its port and data directory.
func (p *postgres) start(t *testing.T) {
	t.Helper()
	if err := p.tryStart(); err != nil {
		t.Fatalf("starting PostgreSQL again: %v\n%s", err, tail(p.logPath, 30))
	}
}

// tryStart runs the postmaster as a child (it dies with the test binary)
// and waits until it answers.
func (p *postgres) tryStart() error {
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := p.tools.command(p.dir, "postgres", "-D", p.data, "-p", strconv.Itoa(p.port))
	cmd.Stdout, cmd.Stderr = logf, logf
	// SIGQUIT is PostgreSQL's immediate shutdown: no postmaster outlives
	// the test binary.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	p.cmd, p.done = cmd, make(chan struct{})
	done := p.done
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if err := ping(p.dsn()); err == nil {
			return nil
		} else if !p.running() {
			return fmt.Errorf("the postmaster exited: %v", cmd.ProcessState)
		} else if time.Now().After(deadline) {
			return fmt.Errorf("no answer within 60s: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop shuts the server down with pg_ctl stop -m mode (fast: roll back
// and disconnect every session; immediate: abort, and recover from the
// WAL at the next start) and waits until the postmaster is gone.
func (p *postgres) stop(t *testing.T, mode string) {
	t.Helper()
	if err := p.ctl("stop", "-m", mode); err != nil {
		t.Fatalf("pg_ctl stop -m %s: %v\n%s", mode, err, tail(p.logPath, 30))
	}
	if !p.wait(30 * time.Second) {
		t.Fatalf("the postmaster is still running after pg_ctl stop -m %s", mode)
	}
}

// ctl runs pg_ctl on the data directory, waiting for it to finish.
func (p *postgres) ctl(args ...string) error {
	args = append(append([]string{}, args...), "-D", p.data, "-w", "-t", "60")
	out, err := p.tools.command(p.dir, "pg_ctl", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w: %s", err, out)
	}
	return nil
}

func (p *postgres) running() bool {
	if p.done == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// wait reports whether the postmaster exited within d.
func (p *postgres) wait(d time.Duration) bool {
	if p.done == nil {
		return true
	}
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// ping checks that the database at dsn answers.
func ping(dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// freePort returns a loopback TCP port nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
