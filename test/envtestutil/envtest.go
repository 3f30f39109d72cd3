// Package envtestutil is what the envtest suites and benchmarks share: finding
// the envtest binaries and the CRDs, a Resolver that points ChatServers at
// chatservers running in the test process, starting such a chatserver, and
// playing the part of a cluster's workload controllers, which do not run
// under envtest.
//
// Its functions report problems as errors, so that `go test` tests,
// benchmarks and Ginkgo specs can each skip or fail their own way;
// StartForTest is the one that does it for a `go test` test.
package envtestutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

const (
	// EnvAssets is envtest's own variable: the directory holding
	// kube-apiserver and etcd (hack/envtest-assets.sh prints it).
	EnvAssets = "KUBEBUILDER_ASSETS"
	// EnvRequire, when "1", turns missing assets into a failure: `make test`
	// and `make bench` set it so the envtest suites can never be skipped.
	EnvRequire = "CHAT_TEST_REQUIRE_ENVTEST"
)

// NotConfiguredError is Assets' error when EnvAssets is not set.
type NotConfiguredError struct {
	// Required is set when EnvRequire=1: the caller must fail rather than
	// skip.
	Required bool
}

func (e *NotConfiguredError) Error() string {
	const fix = "build the binaries with `make envtest-assets` and export " +
		EnvAssets + "=\"$(hack/envtest-assets.sh)\" (`make test` and `make bench` do both)"
	if e.Required {
		return EnvAssets + " is not set but " + EnvRequire + "=1 requires the envtest suites: " + fix
	}
	return EnvAssets + " is not set, so the envtest suites are skipped; to run them, " + fix
}

// ShouldSkip reports whether err means "no envtest binaries, and that is
// allowed": the caller skips. Any other non-nil error is a failure.
func ShouldSkip(err error) bool {
	var nc *NotConfiguredError
	return errors.As(err, &nc) && !nc.Required
}

// Assets returns the directory of the envtest binaries, from EnvAssets. When
// that is not set the error is a *NotConfiguredError (see ShouldSkip); when
// the directory lacks a binary envtest runs, it is a plain error.
func Assets() (string, error) {
	dir := os.Getenv(EnvAssets)
	if dir == "" {
		return "", &NotConfiguredError{Required: os.Getenv(EnvRequire) == "1"}
	}
	for _, bin := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, bin)); err != nil {
			return "", fmt.Errorf("%s=%s holds no %s: rebuild the binaries with `make envtest-assets` (%w)", EnvAssets, dir, bin, err)
		}
	}
	return dir, nil
}

var (
	rootOnce sync.Once
	rootDir  string
	errRoot  error
)

// RepoRoot is the directory holding the repository's go.mod, found by
// walking up from the working directory (a test's is its package's).
func RepoRoot() (string, error) {
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			errRoot = err
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				rootDir = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				errRoot = errors.New("no go.mod in the working directory or above it")
				return
			}
			dir = parent
		}
	})
	return rootDir, errRoot
}

// CRDDir is config/crd/bases, the CRDs controller-gen writes.
func CRDDir() (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", fmt.Errorf("finding the repository root: %w", err)
	}
	return filepath.Join(root, "config", "crd", "bases"), nil
}

// NewEnvironment is an envtest environment on the binaries Assets finds,
// which installs the CRDs of CRDDir when started. Its error is Assets'
// when there are no binaries (see ShouldSkip).
func NewEnvironment() (*envtest.Environment, error) {
	env, err := NewBareEnvironment()
	if err != nil {
		return nil, err
	}
	crds, err := CRDDir()
	if err != nil {
		return nil, err
	}
	env.CRDDirectoryPaths = []string{crds}
	env.ErrorIfCRDPathMissing = true
	return env, nil
}

// NewBareEnvironment is NewEnvironment without the CRDs: kube-apiserver and
// etcd alone.
func NewBareEnvironment() (*envtest.Environment, error) {
	assets, err := Assets()
	if err != nil {
		return nil, err
	}
	return &envtest.Environment{BinaryAssetsDirectory: assets}, nil
}

// StartForTest starts the environment newEnv (NewEnvironment or
// NewBareEnvironment) for the `go test` test or benchmark t, stops it when
// t ends, and returns a client with opts. When there are no envtest
// binaries it skips t, or fails it under EnvRequire=1.
func StartForTest(t testing.TB, newEnv func() (*envtest.Environment, error), opts client.Options) client.Client {
	t.Helper()
	env, err := newEnv()
	if ShouldSkip(err) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("start envtest with %s=%s: %v (rebuild the binaries with `make envtest-assets`)",
			EnvAssets, env.BinaryAssetsDirectory, err)
	}
	t.Logf("envtest control plane up in %v", time.Since(t0).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stop envtest: %v", err)
		}
	})
	c, err := client.New(cfg, opts)
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return c
}

// NewScheme knows the kinds the operator works with, as main.go registers
// them: client-go's built-in kinds and ours.
func NewScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(imv1alpha1.AddToScheme(s))
	return s
}
