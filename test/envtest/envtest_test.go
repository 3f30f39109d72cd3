// Package envtest_test checks that envtest can start a real kube-apiserver and
// etcd (built by hack/envtest-assets.sh) and that a controller-runtime client
// can write and read objects through it. The operator's own envtest suites
// build on this.
package envtest_test

import (
	"context"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

const (
	// envAssets is envtest's own variable: the directory holding
	// kube-apiserver and etcd.
	envAssets = "KUBEBUILDER_ASSETS"
	// envRequire, when "1", turns missing assets into a failure:
	// `make test` sets it so the envtest suites can never be skipped.
	envRequire = "CHAT_TEST_REQUIRE_ENVTEST"
)

// start runs an envtest control plane for the test and stops it at cleanup.
func start(t *testing.T) client.Client {
	t.Helper()
	assets := os.Getenv(envAssets)
	if assets == "" {
		if os.Getenv(envRequire) == "1" {
			t.Fatalf("%s is not set but %s=1: build the binaries with `make envtest-assets` "+
				"and run the tests through `make test` (or export %s=\"$(hack/envtest-assets.sh)\")",
				envAssets, envRequire, envAssets)
		}
		t.Skipf("%s not set: envtest suites are skipped (make test runs them; make envtest-assets builds the binaries)", envAssets)
	}
	env := &envtest.Environment{BinaryAssetsDirectory: assets}
	t0 := time.Now()
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("start envtest with %s=%s: %v (rebuild the binaries with `make envtest-assets`)", envAssets, assets, err)
	}
	t.Logf("envtest control plane up in %v", time.Since(t0).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stop envtest: %v", err)
		}
	})
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return c
}

func TestNamespaceAndConfigMapRoundTrip(t *testing.T) {
	c := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "envtest-smoke"}}
	if err := c.Create(ctx, ns); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "settings"},
		Data:       map[string]string{"greeting": "hello"},
	}
	if err := c.Create(ctx, cm); err != nil {
		t.Fatalf("create configmap: %v", err)
	}

	var gotNS corev1.Namespace
	if err := c.Get(ctx, client.ObjectKey{Name: ns.Name}, &gotNS); err != nil {
		t.Fatalf("get namespace: %v", err)
	}
	if gotNS.UID == "" || gotNS.Status.Phase != corev1.NamespaceActive {
		t.Fatalf("namespace read back as uid=%q phase=%q, want a uid and phase Active", gotNS.UID, gotNS.Status.Phase)
	}
	var gotCM corev1.ConfigMap
	if err := c.Get(ctx, client.ObjectKeyFromObject(cm), &gotCM); err != nil {
		t.Fatalf("get configmap: %v", err)
	}
	if gotCM.Data["greeting"] != "hello" || gotCM.UID == "" {
		t.Fatalf("configmap read back as uid=%q data=%v, want a uid and greeting=hello", gotCM.UID, gotCM.Data)
	}
}
