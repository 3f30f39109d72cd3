package manifests_test

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// permission is one verb on one resource, as an RBAC check asks it.
type permission struct {
	group, resource string
	verbs           []string
}

// ownedResources are what the reconcilers create and watch. The rules come
// from the +kubebuilder:rbac markers (config/rbac/role.yaml); this list
// catches a marker lost in a refactor, which envtest (running as admin)
// never would.
var ownedResources = []permission{
	{"", "secrets", []string{"get", "list", "watch", "create", "update", "patch"}},
	{"", "services", []string{"get", "list", "watch", "create", "update", "patch"}},
	{"apps", "deployments", []string{"get", "list", "watch", "create", "update", "patch"}},
	{"apps", "statefulsets", []string{"get", "list", "watch", "create", "update", "patch"}},
	{"policy", "poddisruptionbudgets", []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
}

// checkManagerRBAC: the generated ClusterRole arrives unchanged, is bound
// to the Deployment's ServiceAccount, and with the leader-election Role
// grants what the manager does.
func checkManagerRBAC(t *testing.T, objs []client.Object) {
	role := named[*rbacv1.ClusterRole](t, objs, namePrefix+"manager-role")
	generated := readObject(t, "config/rbac/role.yaml").(*rbacv1.ClusterRole)
	if !equality.Semantic.DeepEqual(role.Rules, generated.Rules) {
		t.Errorf("ClusterRole %s differs from the generated config/rbac/role.yaml", role.Name)
	}

	sa := named[*appsv1.Deployment](t, objs, managerName).Spec.Template.Spec.ServiceAccountName
	if !clusterRoleBound(objs, role.Name, sa) {
		t.Errorf("no ClusterRoleBinding binds ClusterRole %s to ServiceAccount %s/%s", role.Name, operatorNamespace, sa)
	}

	want := slices.Clone(ownedResources)
	for _, crd := range all[*apiextensionsv1.CustomResourceDefinition](objs) {
		g, plural := crd.Spec.Group, crd.Spec.Names.Plural
		want = append(want,
			permission{g, plural, []string{"get", "list", "watch"}},
			permission{g, plural + "/status", []string{"get", "update", "patch"}},
			// Owner references that block deletion need it.
			permission{g, plural + "/finalizers", []string{"update"}},
		)
	}
	for _, p := range want {
		for _, verb := range p.verbs {
			if !allows(role.Rules, p.group, p.resource, verb) {
				t.Errorf("ClusterRole %s does not allow %s on %s (group %q): a +kubebuilder:rbac marker is missing in controllers/; add it and run `make manifests`",
					role.Name, verb, p.resource, p.group)
			}
		}
	}
	// The reconcilers record events with either Events API.
	if !allows(role.Rules, "events.k8s.io", "events", "create") && !allows(role.Rules, "", "events", "create") {
		t.Errorf("ClusterRole %s does not allow creating events", role.Name)
	}

	// Leader election: a Lease, and the core/v1 event announcing the leader,
	// in the manager's own namespace.
	ns := namespacedRules(objs, sa)
	for _, verb := range []string{"get", "create", "update"} {
		if !allows(ns, "coordination.k8s.io", "leases", verb) {
			t.Errorf("ServiceAccount %s cannot %s leases in %s: leader election would fail", sa, verb, operatorNamespace)
		}
	}
	if !allows(ns, "", "events", "create") {
		t.Errorf("ServiceAccount %s cannot create core/v1 events in %s (leader election records one)", sa, operatorNamespace)
	}
}

// clusterRoleBound reports whether a ClusterRoleBinding grants the
// ClusterRole to the ServiceAccount in the operator's namespace.
func clusterRoleBound(objs []client.Object, role, sa string) bool {
	for _, b := range all[*rbacv1.ClusterRoleBinding](objs) {
		if b.RoleRef.Kind == "ClusterRole" && b.RoleRef.Name == role && hasSubject(b.Subjects, sa) {
			return true
		}
	}
	return false
}

// namespacedRules are the rules RoleBindings in the operator's namespace
// grant the ServiceAccount.
func namespacedRules(objs []client.Object, sa string) []rbacv1.PolicyRule {
	var rules []rbacv1.PolicyRule
	for _, b := range all[*rbacv1.RoleBinding](objs) {
		if b.Namespace != operatorNamespace || !hasSubject(b.Subjects, sa) {
			continue
		}
		switch b.RoleRef.Kind {
		case "Role":
			for _, r := range all[*rbacv1.Role](objs) {
				if r.Name == b.RoleRef.Name && r.Namespace == b.Namespace {
					rules = append(rules, r.Rules...)
				}
			}
		case "ClusterRole":
			for _, r := range all[*rbacv1.ClusterRole](objs) {
				if r.Name == b.RoleRef.Name {
					rules = append(rules, r.Rules...)
				}
			}
		}
	}
	return rules
}

func hasSubject(subjects []rbacv1.Subject, sa string) bool {
	return slices.ContainsFunc(subjects, func(s rbacv1.Subject) bool {
		return s.Kind == rbacv1.ServiceAccountKind && s.Name == sa && s.Namespace == operatorNamespace
	})
}

// allows evaluates rules the way the RBAC authorizer does for a resource
// request (no resourceNames: the manager lists and creates).
func allows(rules []rbacv1.PolicyRule, group, resource, verb string) bool {
	match := func(list []string, v string) bool {
		return slices.Contains(list, v) || slices.Contains(list, rbacv1.ResourceAll)
	}
	for _, r := range rules {
		if len(r.ResourceNames) == 0 && match(r.APIGroups, group) && match(r.Resources, resource) && match(r.Verbs, verb) {
			return true
		}
	}
	return false
}
