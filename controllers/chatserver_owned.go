package controllers

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

// Components, the app.kubernetes.io/name of what a ChatServer owns.
const (
	componentChatServer = "chatserver"
	componentPostgres   = "postgres"
)

// Well-known labels every owned object carries.
const (
	labelName      = "app.kubernetes.io/name"
	labelInstance  = "app.kubernetes.io/instance"
	labelManagedBy = "app.kubernetes.io/managed-by"
	managedBy      = "chat-operator"
)

// ownedWrites counts the write requests the ChatServer controller sends
// for the objects it owns. An unchanged ChatServer adds nothing to it,
// however often it is resynced.
var ownedWrites = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "chat_operator_owned_object_writes_total",
	Help: "Write requests (create, update, delete) for objects a ChatServer owns, by kind and operation.",
}, []string{"kind", "operation"})

func init() { metrics.Registry.MustRegister(ownedWrites) }

// selectorLabels pick the pods of one component of one ChatServer. They
// are part of immutable selectors, so they never change.
func selectorLabels(server *imv1alpha1.ChatServer, component string) map[string]string {
	return map[string]string{labelName: component, labelInstance: server.Name}
}

// ownedLabels are set on every object a ChatServer owns, and on its pods.
func ownedLabels(server *imv1alpha1.ChatServer, component string) map[string]string {
	l := selectorLabels(server, component)
	l[labelManagedBy] = managedBy
	l[imv1alpha1.ServerLabel] = server.Name
	return l
}

// withLabels returns have with want set on it, keeping the labels others
// put there.
func withLabels(have, want map[string]string) map[string]string {
	if have == nil {
		have = make(map[string]string, len(want))
	}
	maps.Copy(have, want)
	return have
}

// apply creates obj, or brings the fields mutate sets up to date, and
// writes only when something changed: a field-level comparison, after
// mutate, against what the cache holds. mutate sets only the fields the
// operator owns and leaves those the API server defaults alone, so an
// unchanged object compares equal and a no-op reconcile writes nothing.
//
// obj carries the name and namespace on entry and the stored object on
// return. Every object gets the owned labels of component and a controller
// owner reference to server.
func (r *ChatServerReconciler) apply(ctx context.Context, server *imv1alpha1.ChatServer, component string,
	obj client.Object, mutate func() error,
) error {
	kind := r.kindOf(obj)
	key := client.ObjectKeyFromObject(obj)
	log := logf.FromContext(ctx).WithValues(lowerKind(kind), key)
	desire := func() error {
		if err := mutate(); err != nil {
			return err
		}
		obj.SetLabels(withLabels(obj.GetLabels(), ownedLabels(server, component)))
		return controllerutil.SetControllerReference(server, obj, r.Scheme())
	}

	if err := r.read(ctx, key, obj); err != nil {
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("while reading %s %s: %w", kind, key.Name, err)
		}
		if err := desire(); err != nil {
			return fmt.Errorf("while building %s %s: %w", kind, key.Name, err)
		}
		log.Info("Creating " + kind)
		ownedWrites.WithLabelValues(kind, "create").Inc()
		if err := r.Create(ctx, obj); err != nil {
			return fmt.Errorf("while creating %s %s: %w", kind, key.Name, err)
		}
		r.events.Eventf(server, obj, corev1.EventTypeNormal, "Created", "Create", "Created %s %s", kind, key.Name)
		return nil
	}

	existing := obj.DeepCopyObject().(client.Object)
	if err := desire(); err != nil {
		return fmt.Errorf("while building %s %s: %w", kind, key.Name, err)
	}
	if equality.Semantic.DeepEqual(existing, obj) {
		return nil
	}
	log.Info("Updating " + kind)
	// The optimistic lock makes a change computed from a stale cache fail
	// with a conflict (and retry) instead of undoing someone's write.
	patch := client.MergeFromWithOptions(existing, client.MergeFromWithOptimisticLock{})
	ownedWrites.WithLabelValues(kind, "update").Inc()
	if err := r.Patch(ctx, obj, patch); err != nil {
		return fmt.Errorf("while updating %s %s: %w", kind, key.Name, err)
	}
	r.events.Eventf(server, obj, corev1.EventTypeNormal, "Updated", "Update", "Updated %s %s", kind, key.Name)
	return nil
}

// deleteOwned deletes obj if it exists and server controls it.
func (r *ChatServerReconciler) deleteOwned(ctx context.Context, server *imv1alpha1.ChatServer, obj client.Object) error {
	kind := r.kindOf(obj)
	key := client.ObjectKeyFromObject(obj)
	if err := r.Get(ctx, key, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("while reading %s %s: %w", kind, key.Name, err)
	}
	if !metav1.IsControlledBy(obj, server) {
		return nil
	}
	logf.FromContext(ctx).Info("Deleting "+kind, lowerKind(kind), key)
	ownedWrites.WithLabelValues(kind, "delete").Inc()
	if err := r.Delete(ctx, obj, client.Preconditions{UID: new(obj.GetUID())}); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("while deleting %s %s: %w", kind, key.Name, err)
	}
	r.events.Eventf(server, obj, corev1.EventTypeNormal, "Deleted", "Delete", "Deleted %s %s", kind, key.Name)
	return nil
}

// isStale reports whether err only says the cache was behind the API
// server: a conflict on update, or an object created meanwhile.
func isStale(err error) bool {
	return apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)
}

// read gets obj from the cache. Secrets are looked up past the cache
// when it does not hold them, since it holds only labelled ones: a Secret
// created by hand before its ChatServer is then adopted or respected, not
// clashed with on create.
func (r *ChatServerReconciler) read(ctx context.Context, key types.NamespacedName, obj client.Object) error {
	if secret, isSecret := obj.(*corev1.Secret); isSecret {
		return getSecret(ctx, r.Client, r.apiReader, key, secret)
	}
	return r.Get(ctx, key, obj)
}

// kindOf names obj's kind for logs, events and errors.
func (r *ChatServerReconciler) kindOf(obj client.Object) string {
	gvk, err := r.GroupVersionKindFor(obj)
	if err != nil {
		return fmt.Sprintf("%T", obj)
	}
	return gvk.Kind
}

// lowerKind is the log key of an object of kind: "Deployment" → "deployment".
func lowerKind(kind string) string { return strings.ToLower(kind) }
