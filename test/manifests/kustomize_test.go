package manifests_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

// What config/default installs: `make deploy` applies it as it is.
const (
	operatorNamespace = "chat-operator-system"
	namePrefix        = "chat-operator-"
	managerName       = namePrefix + "controller-manager"
)

// clusterScoped are the kinds in config/default that live in no namespace.
var clusterScoped = map[string]bool{
	"Namespace": true, "CustomResourceDefinition": true, "ClusterRole": true, "ClusterRoleBinding": true,
}

func TestCRDBuild(t *testing.T) {
	objs := build(t, "config/crd")
	bases, err := filepath.Glob(filepath.Join(repoRoot(t), "config/crd/bases/*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// Every generated CRD is listed in the kustomization, and kustomize
	// passes it through untouched.
	if len(objs) != len(bases) {
		t.Errorf("config/crd builds %d objects but config/crd/bases holds %d CRDs: list every base in config/crd/kustomization.yaml", len(objs), len(bases))
	}
	for _, path := range bases {
		rel, _ := filepath.Rel(repoRoot(t), path)
		want := readObject(t, rel).(*apiextensionsv1.CustomResourceDefinition)
		got := named[*apiextensionsv1.CustomResourceDefinition](t, objs, want.Name)
		if !equality.Semantic.DeepEqual(got, want) {
			t.Errorf("config/crd changes %s on the way through kustomize", rel)
		}
	}
	checkCRDs(t, objs)
}

func TestDefaultBuild(t *testing.T) {
	objs := build(t, "config/default")
	t.Run("placement", func(t *testing.T) { checkPlacement(t, objs) })
	t.Run("CRDs", func(t *testing.T) { checkCRDs(t, objs) })
	t.Run("manager RBAC", func(t *testing.T) { checkManagerRBAC(t, objs) })
	t.Run("manager Deployment", func(t *testing.T) { checkDeployment(t, objs) })
	t.Run("metrics Service", func(t *testing.T) { checkMetricsService(t, objs) })
	t.Run("images", func(t *testing.T) {
		dep := named[*appsv1.Deployment](t, objs, managerName)
		want := managerImages(t)
		if got := managerContainer(t, dep).Image; got != want["controller"] {
			t.Errorf("manager image = %q, want %q from config/manager/kustomization.yaml", got, want["controller"])
		}
		if got := chatServerImage(t, dep); got != want["chatserver"] {
			t.Errorf("--chatserver-image = %q, want %q from config/manager/kustomization.yaml", got, want["chatserver"])
		}
	})
}

// checkPlacement: namespaced objects are in the operator's namespace, and
// names carry the prefix (CRD names cannot; the Namespace is named
// by kustomize's namespace field).
func checkPlacement(t *testing.T, objs []client.Object) {
	ns := named[*corev1.Namespace](t, objs, operatorNamespace)
	if got := ns.Labels["pod-security.kubernetes.io/enforce"]; got != "restricted" {
		t.Errorf("Namespace %s enforces Pod Security %q, want restricted", ns.Name, got)
	}
	for _, o := range objs {
		kind := o.GetObjectKind().GroupVersionKind().Kind
		switch {
		case clusterScoped[kind] && o.GetNamespace() != "":
			t.Errorf("%s %s is cluster-scoped but has namespace %q", kind, o.GetName(), o.GetNamespace())
		case !clusterScoped[kind] && o.GetNamespace() != operatorNamespace:
			t.Errorf("%s %s is in namespace %q, want %s", kind, o.GetName(), o.GetNamespace(), operatorNamespace)
		}
		if kind != "Namespace" && kind != "CustomResourceDefinition" && !strings.HasPrefix(o.GetName(), namePrefix) {
			t.Errorf("%s %s lacks the name prefix %s", kind, o.GetName(), namePrefix)
		}
	}
}

// checkCRDs: one namespaced CRD per API kind, served and stored at
// v1alpha1 with a status subresource.
func checkCRDs(t *testing.T, objs []client.Object) {
	crds := all[*apiextensionsv1.CustomResourceDefinition](objs)
	if len(crds) != len(kinds()) {
		t.Errorf("%d CRDs, want one per kind %v", len(crds), kinds())
	}
	for _, kind := range kinds() {
		crd := crdFor(crds, kind)
		if crd == nil {
			t.Errorf("no CRD for kind %s", kind)
			continue
		}
		if want := crd.Spec.Names.Plural + "." + imv1alpha1.GroupVersion.Group; crd.Name != want {
			t.Errorf("CRD %s: name %q, want %q", kind, crd.Name, want)
		}
		if crd.Spec.Scope != apiextensionsv1.NamespaceScoped {
			t.Errorf("CRD %s: scope %s, want Namespaced", kind, crd.Spec.Scope)
		}
		served := false
		for _, v := range crd.Spec.Versions {
			if v.Name == imv1alpha1.GroupVersion.Version && v.Served && v.Storage && v.Subresources != nil && v.Subresources.Status != nil {
				served = true
			}
		}
		if !served {
			t.Errorf("CRD %s: no served, stored %s version with a status subresource", kind, imv1alpha1.GroupVersion.Version)
		}
	}
}

func crdFor(crds []*apiextensionsv1.CustomResourceDefinition, kind string) *apiextensionsv1.CustomResourceDefinition {
	for _, crd := range crds {
		if crd.Spec.Group == imv1alpha1.GroupVersion.Group && crd.Spec.Names.Kind == kind {
			return crd
		}
	}
	return nil
}

func checkDeployment(t *testing.T, objs []client.Object) {
	dep := named[*appsv1.Deployment](t, objs, managerName)
	sel, err := metav1.LabelSelectorAsSelector(dep.Spec.Selector)
	if err != nil || !sel.Matches(labels.Set(dep.Spec.Template.Labels)) {
		t.Errorf("the Deployment's selector %v does not select its own pods %v (%v)", dep.Spec.Selector, dep.Spec.Template.Labels, err)
	}
	pod := dep.Spec.Template.Spec
	if pod.TerminationGracePeriodSeconds == nil || *pod.TerminationGracePeriodSeconds != 10 {
		t.Errorf("terminationGracePeriodSeconds = %v, want 10", pod.TerminationGracePeriodSeconds)
	}
	named[*corev1.ServiceAccount](t, objs, pod.ServiceAccountName)

	c := managerContainer(t, dep)
	for _, arg := range []string{"--leader-elect", "--health-probe-bind-address=:8081", "--metrics-bind-address=:8080"} {
		if !hasArg(c, arg) {
			t.Errorf("manager args %q lack %s", c.Args, arg)
		}
	}
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil {
			t.Errorf("no HTTP %s probe", p.name)
			continue
		}
		if p.probe.HTTPGet.Path != p.path || containerPort(c, p.probe.HTTPGet.Port.String()) != 8081 {
			t.Errorf("%s probe: GET %s on port %s, want %s on 8081", p.name, p.probe.HTTPGet.Path, p.probe.HTTPGet.Port.String(), p.path)
		}
	}
	if containerPort(c, "8080") != 8080 {
		t.Errorf("the manager container does not declare the metrics port 8080")
	}

	// The restricted Pod Security Standard; the API server test enforces it
	// for real, this names the fields when it fails.
	psc, sc := pod.SecurityContext, c.SecurityContext
	switch {
	case psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot:
		t.Error("the pod does not set runAsNonRoot")
	case psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
		t.Error("the pod does not use the RuntimeDefault seccomp profile")
	case sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Error("the manager container does not forbid privilege escalation")
	case sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL":
		t.Error("the manager container does not drop ALL capabilities")
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Error("the manager container's root filesystem is writable")
	}
	req, lim := c.Resources.Requests, c.Resources.Limits
	if req.Cpu().IsZero() || req.Memory().IsZero() || lim.Memory().IsZero() {
		t.Errorf("manager resources %v: want cpu and memory requests and a memory limit", c.Resources)
	}
}

func checkMetricsService(t *testing.T, objs []client.Object) {
	dep := named[*appsv1.Deployment](t, objs, managerName)
	svc := named[*corev1.Service](t, objs, namePrefix+"controller-manager-metrics-service")
	if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(dep.Spec.Template.Labels)) {
		t.Errorf("Service %s selects %v, not the manager's pods %v", svc.Name, svc.Spec.Selector, dep.Spec.Template.Labels)
	}
	c := managerContainer(t, dep)
	for _, p := range svc.Spec.Ports {
		if p.Port == 8080 && containerPort(c, p.TargetPort.String()) == 8080 {
			return
		}
	}
	t.Errorf("Service %s has no port 8080 reaching the manager's metrics port: %v", svc.Name, svc.Spec.Ports)
}

func managerContainer(t *testing.T, dep *appsv1.Deployment) corev1.Container {
	t.Helper()
	for _, c := range dep.Spec.Template.Spec.Containers {
		if c.Name == "manager" {
			return c
		}
	}
	t.Fatalf("Deployment %s has no container named manager", dep.Name)
	return corev1.Container{}
}

func hasArg(c corev1.Container, arg string) bool {
	for _, a := range c.Args {
		if a == arg {
			return true
		}
	}
	return false
}

// containerPort resolves a probe's or Service's port (a number or a port
// name) to the container port number, or 0.
func containerPort(c corev1.Container, port string) int32 {
	for _, p := range c.Ports {
		if p.Name == port || port == strconv.Itoa(int(p.ContainerPort)) {
			return p.ContainerPort
		}
	}
	return 0
}
