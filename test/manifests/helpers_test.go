// Package manifests_test checks what the repository ships under config/:
// the generated CRDs, RBAC and deepcopy code are fresh, the kustomize bases
// build into what `make deploy` applies, and the samples are valid objects
// that refer to each other. With envtest binaries it also has a real
// kube-apiserver judge them.
package manifests_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	"github.com/chat-operator/chat-operator/test/envtestutil"
)

// scheme knows every kind config/ may hold, so each object decodes into
// its Go type rather than into a map that accepts anything.
var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(apiextensionsv1.AddToScheme(s))
	utilruntime.Must(imv1alpha1.AddToScheme(s))
	return s
}()

// strict fails on unknown and duplicated fields: a misspelt field in a
// manifest would otherwise be dropped silently by the API server.
var strict = serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()

// repoRoot is the directory holding go.mod. Tests run in their package's
// directory; every path in this package is relative to the root instead.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := envtestutil.RepoRoot()
	if err != nil {
		t.Fatalf("finding the repository root: %v", err)
	}
	return root
}

// build runs kustomize on dir (relative to the repository root, or
// absolute) with the options `kubectl apply -k` uses, and decodes every
// object strictly into its Go type.
func build(t testing.TB, dir string) []client.Object {
	t.Helper()
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(repoRoot(t), dir)
	}
	// kubectl (cli-runtime's KustomizeVisitor) sorts the legacy way:
	// Namespaces and CRDs first, so they exist before what uses them.
	opts := krusty.MakeDefaultOptions()
	opts.Reorder = krusty.ReorderOptionLegacy
	resources, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	var objs []client.Object
	for _, r := range resources.Resources() {
		data, err := r.AsYAML()
		if err != nil {
			t.Fatalf("kustomize build %s: %s: %v", dir, r.CurId(), err)
		}
		obj, err := decode(data)
		if err != nil {
			t.Fatalf("kustomize build %s: %s: %v", dir, r.CurId(), err)
		}
		objs = append(objs, obj)
	}
	return objs
}

// readObject strictly decodes one file holding one object.
func readObject(t testing.TB, path string) client.Object {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), path))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := decode(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return obj
}

func decode(data []byte) (client.Object, error) {
	obj, gvk, err := strict.Decode(data, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("strict decoding: %w", err)
	}
	co, ok := obj.(client.Object)
	if !ok {
		return nil, fmt.Errorf("%s is not an object with metadata", gvk)
	}
	co.GetObjectKind().SetGroupVersionKind(*gvk)
	return co, nil
}

// all returns the objects of type T, in build order.
func all[T client.Object](objs []client.Object) []T {
	var out []T
	for _, o := range objs {
		if typed, ok := o.(T); ok {
			out = append(out, typed)
		}
	}
	return out
}

// named returns the object of type T called name, failing the test when
// there is none.
func named[T client.Object](t testing.TB, objs []client.Object, name string) T {
	t.Helper()
	for _, o := range all[T](objs) {
		if o.GetName() == name {
			return o
		}
	}
	var zero T
	t.Fatalf("no %T named %q in the build", zero, name)
	return zero
}

// makefileVar reads a `NAME ?= value` (or := or =) line of the Makefile,
// so the tests use the same pinned tool versions as `make`.
func makefileVar(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s*[?:]?=\s*(\S+)\s*$`)
	m := re.FindSubmatch(data)
	if m == nil {
		t.Fatalf("Makefile has no %s = <value> line", name)
	}
	return string(m[1])
}

// kinds are the v1alpha1 kinds (not their lists), read from the scheme so a
// new kind is checked without editing these tests.
func kinds() []string {
	apiPkg := reflect.TypeFor[imv1alpha1.ChatServer]().PkgPath()
	var out []string
	for kind, typ := range scheme.KnownTypes(imv1alpha1.GroupVersion) {
		// AddToGroupVersion also registers metav1's WatchEvent and options;
		// list types are told apart by their Items, not their name
		// (SensitiveWordList is a kind, SensitiveWordListList its list).
		if _, isList := typ.FieldByName("Items"); typ.PkgPath() == apiPkg && !isList {
			out = append(out, kind)
		}
	}
	sort.Strings(out)
	return out
}
