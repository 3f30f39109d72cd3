package manifests_test

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/chat-operator/chat-operator/test/envtestutil"
)

// TestManifestsOnAPIServer has a real kube-apiserver judge what the
// unit tests can only approximate: the CRDs' OpenAPI bounds and CEL rules
// for the samples, and the restricted Pod Security Standard for the
// manager's pod. Everything is a server-side dry run, so nothing needs a
// controller or a node.
func TestManifestsOnAPIServer(t *testing.T) {
	// kube-apiserver and etcd with the CRDs installed. Without envtest
	// binaries this skips, or fails under CHAT_TEST_REQUIRE_ENVTEST=1.
	c := envtestutil.StartForTest(t, envtestutil.NewEnvironment, client.Options{Scheme: scheme})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("samples", func(t *testing.T) {
		ns := createNamespace(ctx, t, c, "samples", nil)
		for _, obj := range build(t, "config/samples") {
			obj.SetNamespace(ns)
			dryRunCreate(ctx, t, c, obj)
		}
	})

	t.Run("default", func(t *testing.T) {
		objs := build(t, "config/default")
		for _, obj := range objs {
			switch obj.(type) {
			case *apiextensionsv1.CustomResourceDefinition:
				// Already installed from config/crd/bases, which
				// TestCRDBuild shows the build passes through unchanged.
			case *corev1.Namespace:
				// Created for real: dry-run objects need an existing namespace.
				if err := c.Create(ctx, obj); err != nil {
					t.Fatalf("create Namespace %s: %v", obj.GetName(), err)
				}
			default:
				dryRunCreate(ctx, t, c, obj)
			}
		}
	})

	t.Run("manager pod is restricted", func(t *testing.T) {
		ns := createNamespace(ctx, t, c, "pss-restricted", map[string]string{
			"pod-security.kubernetes.io/enforce":         "restricted",
			"pod-security.kubernetes.io/enforce-version": "latest",
		})
		// A control: if a bare pod passes, Pod Security is not enforced and
		// the real check below would prove nothing.
		bare := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "bare", Namespace: ns},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
		}
		if err := c.Create(ctx, bare, client.DryRunAll); err == nil {
			t.Fatal("a pod with no security context was admitted: the API server does not enforce Pod Security")
		}
		tmpl := named[*appsv1.Deployment](t, build(t, "config/default"), managerName).Spec.Template
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "manager", Namespace: ns, Labels: tmpl.Labels, Annotations: tmpl.Annotations},
			Spec:       tmpl.Spec,
		}
		dryRunCreate(ctx, t, c, pod)
	})
}

func createNamespace(ctx context.Context, t *testing.T, c client.Client, name string, labels map[string]string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	if err := c.Create(ctx, ns); err != nil {
		t.Fatalf("create Namespace %s: %v", name, err)
	}
	return name
}

// dryRunCreate asks the API server to validate and admit obj without
// storing it. Strict field validation makes a field the schema does not
// know an error rather than a warning.
func dryRunCreate(ctx context.Context, t *testing.T, c client.Client, obj client.Object) {
	t.Helper()
	kind := obj.GetObjectKind().GroupVersionKind().Kind
	if err := c.Create(ctx, obj, client.DryRunAll, client.FieldValidation(metav1.FieldValidationStrict)); err != nil {
		t.Errorf("%s %s/%s is rejected by the API server: %v", kind, obj.GetNamespace(), obj.GetName(), err)
	}
}
