package controllers

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	chatclient "github.com/chat-operator/chat-operator/chatserver/client"
)

// +kubebuilder:rbac:groups=im.chat-operator.dev,resources=sensitivewordlists;registrationpolicies,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=im.chat-operator.dev,resources=sensitivewordlists/status;registrationpolicies/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=im.chat-operator.dev,resources=sensitivewordlists/finalizers;registrationpolicies/finalizers,verbs=update

// configObject is a kind that configures one ChatApp in its namespace
// through the app's admin API.
type configObject interface {
	tracked
	AppName() string
}

// configRun is what one reconcile of a config object learns.
type configRun[T configObject] struct {
	obj    T
	app    *imv1alpha1.ChatApp
	server *imv1alpha1.ChatServer
	admin  *chatclient.Admin
	// masterSecret signs fingerprints kept in status, so they reveal
	// nothing to whoever can read the object.
	masterSecret string
	// peers are the live objects of the same kind for the same app, this
	// one included.
	peers []T
}

// configKind is the small per-kind plug-in of the one config reconciler:
// declare what the app should have, and take this object's part back out.
type configKind[T configObject] interface {
	newObject() T
	newList() client.ObjectList
	// sync makes the app match what the peers declare together.
	sync(ctx context.Context, r *configReconciler[T], run *configRun[T]) error
	// cleanup removes this object's part when it is deleted; run.peers
	// no longer contains it.
	cleanup(ctx context.Context, r *configReconciler[T], run *configRun[T]) error
	// setStatus fills the kind's own status fields after sync.
	setStatus(run *configRun[T], err error)
}

// configReconciler syncs one config kind into the running tenants.
type configReconciler[T configObject] struct {
	base
	kind  configKind[T]
	locks *keyedMutex
}

// Reconcile reads as the list of steps it takes.
func (r *configReconciler[T]) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := r.kind.newObject()
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	// Every object of one app changes the same server state; one at a
	// time keeps two lists' diffs from racing.
	unlock := r.locks.lock(obj.GetNamespace() + "/" + obj.AppName())
	defer unlock()

	if !obj.GetDeletionTimestamp().IsZero() {
		return r.reconcileDelete(ctx, obj)
	}
	if wrote, err := ensureFinalizer(ctx, r.Client, obj); err != nil || wrote {
		return ctrl.Result{}, err
	}
	before := obj.DeepCopyObject().(T)
	run := &configRun[T]{obj: obj}
	err := runSteps(ctx, run,
		r.connectApp,
		r.listAllPeers,
		r.sync,
	)
	r.kind.setStatus(run, err)
	return r.conclude(ctx, obj, before, err, imv1alpha1.ConditionSynced)
}

// connectApp finds the ChatApp, waits for it to be Ready, and opens its
// admin API with the credentials the ChatApp controller keeps.
func (r *configReconciler[T]) connectApp(ctx context.Context, run *configRun[T]) error {
	ns := run.obj.GetNamespace()
	app := &imv1alpha1.ChatApp{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: ns, Name: run.obj.AppName()}, app); err != nil {
		if apierrors.IsNotFound(err) {
			return waiting(imv1alpha1.ReasonAppNotFound, "ChatApp %s/%s not found", ns, run.obj.AppName())
		}
		return fmt.Errorf("reading ChatApp %s/%s: %w", ns, run.obj.AppName(), err)
	}
	if !isConditionTrue(app, imv1alpha1.ConditionReady) || app.Status.AppKey == "" {
		return waiting(imv1alpha1.ReasonAppNotReady, "ChatApp %s is not Ready", app.Name)
	}
	server, err := r.serverOf(ctx, app)
	if err != nil {
		return err
	}
	var creds corev1.Secret
	if err := r.Get(ctx, client.ObjectKey{Namespace: ns, Name: app.CredentialsSecretName()}, &creds); err != nil {
		if apierrors.IsNotFound(err) {
			return waiting(imv1alpha1.ReasonAppNotReady, "Secret %s not found", app.CredentialsSecretName())
		}
		return fmt.Errorf("reading the credentials of %s: %w", app.Name, err)
	}
	admin, err := r.conn.admin(server, app.Status.AppKey, string(creds.Data[CredentialsMasterSecret]))
	if err != nil {
		return err
	}
	run.app, run.server, run.admin = app, server, admin
	run.masterSecret = string(creds.Data[CredentialsMasterSecret])
	return nil
}

// listAllPeers gathers the live objects of this kind for the same app,
// this one included.
func (r *configReconciler[T]) listAllPeers(ctx context.Context, run *configRun[T]) error {
	return r.listPeers(ctx, run, false)
}

// sync hands the declared state to the kind's plug-in.
func (r *configReconciler[T]) sync(ctx context.Context, run *configRun[T]) error {
	return r.kind.sync(ctx, r, run)
}

// listPeers gathers the live objects of this kind for the same app; a
// deleting object is left out, and so is this one when excludeSelf.
func (r *configReconciler[T]) listPeers(ctx context.Context, run *configRun[T], excludeSelf bool) error {
	list := r.kind.newList()
	if err := r.List(ctx, list, client.InNamespace(run.obj.GetNamespace()),
		client.MatchingFields{indexConfigApp: run.obj.AppName()}); err != nil {
		return fmt.Errorf("listing the config of app %s: %w", run.obj.AppName(), err)
	}
	run.peers = nil
	for _, o := range itemsOf(list) {
		peer := o.(T)
		if !peer.GetDeletionTimestamp().IsZero() || (excludeSelf && peer.GetUID() == run.obj.GetUID()) {
			continue
		}
		run.peers = append(run.peers, peer)
	}
	return nil
}

// reconcileDelete takes this object's part out of the app, then lets the
// object go. A missing app or server counts as cleaned; an unreachable
// one is retried for CleanupTimeout, then abandoned with a warning.
func (r *configReconciler[T]) reconcileDelete(ctx context.Context, obj T) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(obj, Finalizer) {
		return ctrl.Result{}, nil
	}
	run := &configRun[T]{obj: obj}
	err := r.connectApp(ctx, run)
	switch {
	case isWait(err, imv1alpha1.ReasonAppNotFound), isWait(err, imv1alpha1.ReasonServerNotFound),
		isWait(err, imv1alpha1.ReasonAppNotReady):
		err = nil // nothing registered to clean
	case err == nil:
		if err = r.listPeers(ctx, run, true); err == nil {
			err = r.kind.cleanup(ctx, r, run)
		}
	}
	return r.finishCleanup(ctx, obj, err)
}

// objectsOfApp maps a ChatApp to the config objects of this kind that
// refer to it.
func (r *configReconciler[T]) objectsOfApp(ctx context.Context, app client.Object) []reconcile.Request {
	return requestsFor(ctx, r.Client, r.kind.newList(), indexConfigApp, app.GetName(), client.InNamespace(app.GetNamespace()))
}

// peersOfObject wakes the other objects of the same app, since they share
// the app's merged state.
func (r *configReconciler[T]) peersOfObject(ctx context.Context, obj client.Object) []reconcile.Request {
	c, ok := obj.(T)
	if !ok {
		return nil
	}
	return requestsFor(ctx, r.Client, r.kind.newList(), indexConfigApp, c.AppName(), client.InNamespace(obj.GetNamespace()))
}

func setupConfig[T configObject](mgr ctrl.Manager, opts Options, name string, kind configKind[T], extra func(*builder.Builder, *configReconciler[T]) *builder.Builder) error {
	r := &configReconciler[T]{base: newBase(mgr, opts), kind: kind, locks: newKeyedMutex()}
	b := ctrl.NewControllerManagedBy(mgr).
		For(kind.newObject(), builder.WithPredicates(specOrDeletionChanged())).
		Watches(&imv1alpha1.ChatApp{}, handler.EnqueueRequestsFromMapFunc(r.objectsOfApp),
			builder.WithPredicates(appReferenceChanged())).
		Watches(kind.newObject(), handler.EnqueueRequestsFromMapFunc(r.peersOfObject),
			builder.WithPredicates(specOrDeletionChanged())).
		WithOptions(controller.Options{MaxConcurrentReconciles: opts.MaxConcurrentReconciles}).
		Named(name)
	if extra != nil {
		b = extra(b, r)
	}
	return b.Complete(r)
}

// keyedMutex serialises work per key.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	sync.Mutex
	users int
}

func newKeyedMutex() *keyedMutex { return &keyedMutex{locks: map[string]*keyedLock{}} }

func (k *keyedMutex) lock(key string) (unlock func()) {
	k.mu.Lock()
	l := k.locks[key]
	if l == nil {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
