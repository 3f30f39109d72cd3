package manifests_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"
)

// The manager needs two images: its own and the chatserver's default, which
// it hands to ChatServers that leave spec.image empty. Both are set through
// kustomize `images:` (config/manager/kustomizeconfig.yaml makes the
// CHATSERVER_IMAGE env var an image field), so `kustomize edit set image`
// in config/manager or an overlay's `images:` changes both the same way.

// TestImagesOverlay is what an install with a registry's images does: an
// overlay's `images:` must reach the manager container and the default
// chatserver image alike.
func TestImagesOverlay(t *testing.T) {
	dir := t.TempDir()
	// kustomize refuses absolute paths to bases; a relative one, however
	// far up, is fine.
	base, err := filepath.Rel(dir, filepath.Join(repoRoot(t), "config/default"))
	if err != nil {
		t.Fatal(err)
	}
	kustomization := "resources:\n- " + base + `
images:
- name: controller
  newName: registry.example.com/chat-operator
  newTag: v1.2.3
- name: chatserver
  newName: registry.example.com/chatserver
  newTag: v1.2.3
`
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(kustomization), 0o644); err != nil {
		t.Fatal(err)
	}
	dep := named[*appsv1.Deployment](t, build(t, dir), managerName)
	if got, want := managerContainer(t, dep).Image, "registry.example.com/chat-operator:v1.2.3"; got != want {
		t.Errorf("manager image = %q, want %q", got, want)
	}
	if got, want := chatServerImage(t, dep), "registry.example.com/chatserver:v1.2.3"; got != want {
		t.Errorf("--chatserver-image = %q, want %q", got, want)
	}
}

// managerImages are the `images:` entries of config/manager, as
// `kustomize edit set image` writes them: name → the image they produce.
func managerImages(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "config/manager/kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k types.Kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatalf("config/manager/kustomization.yaml: %v", err)
	}
	images := map[string]string{}
	for _, img := range k.Images {
		ref := img.NewName
		if ref == "" {
			ref = img.Name
		}
		switch {
		case img.Digest != "":
			ref += "@" + img.Digest
		case img.NewTag != "":
			ref += ":" + img.NewTag
		}
		images[img.Name] = ref
	}
	for _, name := range []string{"controller", "chatserver"} {
		if images[name] == "" {
			t.Fatalf("config/manager/kustomization.yaml has no images: entry named %s", name)
		}
	}
	return images
}

var envRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// chatServerImage is the value the manager receives as --chatserver-image,
// with $(VAR) references expanded from the container's env the way the
// kubelet does.
func chatServerImage(t *testing.T, dep *appsv1.Deployment) string {
	t.Helper()
	c := managerContainer(t, dep)
	env := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env[e.Name] = e.Value
		}
	}
	for _, arg := range c.Args {
		if v, ok := strings.CutPrefix(arg, "--chatserver-image="); ok {
			return envRef.ReplaceAllStringFunc(v, func(ref string) string {
				name := envRef.FindStringSubmatch(ref)[1]
				if val, ok := env[name]; ok {
					return val
				}
				t.Errorf("--chatserver-image refers to $(%s), which the manager container does not set", name)
				return ref
			})
		}
	}
	t.Fatalf("manager args %q have no --chatserver-image", c.Args)
	return ""
}
