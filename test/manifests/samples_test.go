package manifests_test

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

// config/samples is a whole tenant as a GitOps repository holds it. Each
// object must decode strictly (done by build), and together they must work:
// every reference resolves inside the samples, so `kubectl apply -k
// config/samples` into any namespace gives objects that can all become
// Ready.
func TestSamples(t *testing.T) {
	objs := build(t, "config/samples")

	t.Run("every kind", func(t *testing.T) {
		for _, kind := range kinds() {
			if !slices.ContainsFunc(objs, func(o client.Object) bool { return o.GetObjectKind().GroupVersionKind().Kind == kind }) {
				t.Errorf("no %s sample", kind)
			}
		}
	})
	t.Run("every file", func(t *testing.T) { checkSampleFiles(t) })
	t.Run("one namespace", func(t *testing.T) {
		for _, o := range objs {
			if o.GetNamespace() != objs[0].GetNamespace() {
				t.Errorf("%s %s is in namespace %q, %s %s in %q: the samples refer to each other within one namespace",
					o.GetObjectKind().GroupVersionKind().Kind, o.GetName(), o.GetNamespace(),
					objs[0].GetObjectKind().GroupVersionKind().Kind, objs[0].GetName(), objs[0].GetNamespace())
			}
		}
	})
	t.Run("ChatApp to ChatServer", func(t *testing.T) { checkServerRefs(t, objs) })
	t.Run("config kinds to ChatApp", func(t *testing.T) { checkAppRefs(t, objs) })
	t.Run("Secret references", func(t *testing.T) { checkSecretRefs(t, objs) })
}

// checkSampleFiles: every YAML file in config/samples is in the
// kustomization, so none is silently left out of `apply -k`.
func checkSampleFiles(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "config/samples")
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k types.Kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatalf("config/samples/kustomization.yaml: %v", err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if name := filepath.Base(f); name != "kustomization.yaml" && !slices.Contains(k.Resources, name) {
			t.Errorf("config/samples/%s is not listed in config/samples/kustomization.yaml", name)
		}
	}
}

func checkServerRefs(t *testing.T, objs []client.Object) {
	servers := all[*imv1alpha1.ChatServer](objs)
	for _, app := range all[*imv1alpha1.ChatApp](objs) {
		i := slices.IndexFunc(servers, func(s *imv1alpha1.ChatServer) bool {
			return s.Name == app.Spec.ServerRef.Name && s.Namespace == app.ServerNamespace()
		})
		switch {
		case i < 0:
			t.Errorf("ChatApp %s: serverRef %s/%s is not a sample ChatServer", app.Name, app.ServerNamespace(), app.Spec.ServerRef.Name)
		case !servers[i].AllowsNamespace(app.Namespace):
			t.Errorf("ChatApp %s: ChatServer %s does not allow namespace %q", app.Name, servers[i].Name, app.Namespace)
		}
	}
}

// checkAppRefs: lists and policies name a sample ChatApp, at most one
// policy per app (a second is a Conflict), and each app's merged words fit
// its limits (else WithinCapacity=False).
func checkAppRefs(t *testing.T, objs []client.Object) {
	apps := map[string]*imv1alpha1.ChatApp{}
	for _, app := range all[*imv1alpha1.ChatApp](objs) {
		apps[app.Name] = app
	}
	words := map[string]sets.Set[string]{}
	lists := map[string]int{}
	for _, l := range all[*imv1alpha1.SensitiveWordList](objs) {
		if apps[l.AppName()] == nil {
			t.Errorf("SensitiveWordList %s: appRef %q is not a sample ChatApp", l.Name, l.AppName())
			continue
		}
		if words[l.AppName()] == nil {
			words[l.AppName()] = sets.New[string]()
		}
		words[l.AppName()].Insert(l.Spec.Words...)
		lists[l.AppName()]++
	}
	if !slices.ContainsFunc(slices.Collect(maps.Values(lists)), func(n int) bool { return n > 1 }) {
		t.Error("no ChatApp has two SensitiveWordLists: the samples should show lists being merged")
	}
	for name, set := range words {
		limits := model.Limits{
			SensitiveWords:      int(apps[name].Spec.Limits.SensitiveWords),
			SensitiveWordLength: int(apps[name].Spec.Limits.SensitiveWordLength),
		}.WithDefaults()
		if set.Len() > limits.SensitiveWords {
			t.Errorf("ChatApp %s: its lists hold %d words, over its limit of %d", name, set.Len(), limits.SensitiveWords)
		}
		for w := range set {
			if utf8.RuneCountInString(w) > limits.SensitiveWordLength {
				t.Errorf("ChatApp %s: word %q is longer than its limit of %d", name, w, limits.SensitiveWordLength)
			}
		}
	}

	policies := map[string]string{}
	for _, p := range all[*imv1alpha1.RegistrationPolicy](objs) {
		if apps[p.AppName()] == nil {
			t.Errorf("RegistrationPolicy %s: appRef %q is not a sample ChatApp", p.Name, p.AppName())
		}
		if other, ok := policies[p.AppName()]; ok {
			t.Errorf("RegistrationPolicies %s and %s both target ChatApp %s: one would be in Conflict", other, p.Name, p.AppName())
		}
		policies[p.AppName()] = p.Name
		// The CRD cannot check RE2 syntax; the server would reject it.
		if u := p.Spec.Username; u != nil && u.Pattern != "" {
			if _, err := regexp.Compile(u.Pattern); err != nil {
				t.Errorf("RegistrationPolicy %s: username.pattern: %v", p.Name, err)
			}
		}
	}
}

// checkSecretRefs: every Secret a sample points at is in the samples, has
// the key, and carries the watch label, so an edit takes effect at once.
func checkSecretRefs(t *testing.T, objs []client.Object) {
	type ref struct {
		from string
		sel  *imv1alpha1.SecretKeySelector
	}
	var refs []ref
	for _, s := range all[*imv1alpha1.ChatServer](objs) {
		if ext := s.Spec.Database.External; ext != nil {
			refs = append(refs, ref{"ChatServer " + s.Name, &ext.DSNSecretRef})
		}
	}
	for _, a := range all[*imv1alpha1.ChatApp](objs) {
		if a.Spec.MasterSecretRef != nil {
			refs = append(refs, ref{"ChatApp " + a.Name, a.Spec.MasterSecretRef})
		}
	}
	for _, p := range all[*imv1alpha1.RegistrationPolicy](objs) {
		if p.Spec.SMS != nil && p.Spec.SMS.TokenSecretRef != nil {
			refs = append(refs, ref{"RegistrationPolicy " + p.Name, p.Spec.SMS.TokenSecretRef})
		}
	}
	for _, r := range refs {
		i := slices.IndexFunc(all[*corev1.Secret](objs), func(s *corev1.Secret) bool { return s.Name == r.sel.Name })
		if i < 0 {
			t.Errorf("%s: Secret %s is not in the samples", r.from, r.sel.Name)
			continue
		}
		secret := all[*corev1.Secret](objs)[i]
		_, inData := secret.Data[r.sel.Key]
		_, inStringData := secret.StringData[r.sel.Key]
		if !inData && !inStringData {
			t.Errorf("%s: Secret %s has no key %q", r.from, secret.Name, r.sel.Key)
		}
		if secret.Labels[imv1alpha1.WatchLabel] != "true" {
			t.Errorf("%s: Secret %s lacks the label %s=true, so edits wait for the next resync", r.from, secret.Name, imv1alpha1.WatchLabel)
		}
	}
}
