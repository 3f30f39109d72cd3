// Package envtest_test checks that envtest can start a real kube-apiserver and
// etcd (built by hack/envtest-assets.sh) and that a controller-runtime client
// can write and read objects through it. The operator's own envtest suites
// build on this.
package envtest_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/chat-operator/chat-operator/test/envtestutil"
)

func TestNamespaceAndConfigMapRoundTrip(t *testing.T) {
	// kube-apiserver and etcd alone: no CRDs. Without envtest binaries
	// this skips, or fails under CHAT_TEST_REQUIRE_ENVTEST=1.
	c := envtestutil.StartForTest(t, envtestutil.NewBareEnvironment, client.Options{})
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
