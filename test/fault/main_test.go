package fault

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// chatserverBin is the chatserver binary TestMain built for this run.
var chatserverBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

// buildAndRun builds chatserver into a temporary directory, removed
// afterwards, and runs the tests.
func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "chat-fault-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "fault:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	gocmd, err := goCommand()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fault: the go command is needed to build chatserver:", err)
		return 1
	}
	chatserverBin = filepath.Join(dir, "chatserver")
	build := exec.Command(gocmd, "build", "-o", chatserverBin, "github.com/chat-operator/chat-operator/chatserver/cmd/chatserver")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "fault: building chatserver:", err)
		return 1
	}
	return m.Run()
}

// goCommand is the go command of the toolchain that built this test, or
// the one on PATH.
func goCommand() (string, error) {
	//lint:ignore SA1019 the test binary records the GOROOT it was built with
	if root := runtime.GOROOT(); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p, nil
		}
	}
	return exec.LookPath("go")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
