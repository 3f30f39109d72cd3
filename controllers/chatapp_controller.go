package controllers

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

// +kubebuilder:rbac:groups=im.chat-operator.dev,resources=chatapps,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=im.chat-operator.dev,resources=chatapps/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=im.chat-operator.dev,resources=chatapps/finalizers,verbs=update
// +kubebuilder:rbac:groups=im.chat-operator.dev,resources=chatservers,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// ChatAppReconciler registers a ChatApp's tenant in its ChatServer and keeps
// it as declared: limits, features, suspension and the master secret.
type ChatAppReconciler struct {
	base
}

// appRun is what one reconcile of a ChatApp learns as its steps go.
type appRun struct {
	app          *imv1alpha1.ChatApp
	server       *imv1alpha1.ChatServer
	credentials  *corev1.Secret
	masterSecret string
}

// Reconcile reads as the list of steps it takes.
func (r *ChatAppReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	app := &imv1alpha1.ChatApp{}
	if err := r.Get(ctx, req.NamespacedName, app); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !app.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, app)
	}
	if wrote, err := r.prepare(ctx, app); err != nil || wrote {
		return ctrl.Result{}, err
	}
	before := app.DeepCopy()
	run := &appRun{app: app}
	err := runSteps(ctx, run,
		r.resolveServer,
		r.claimAppKey,
		r.ensureCredentials,
		r.syncTenant,
	)
	r.setAppStatus(run, err)
	return r.conclude(ctx, app, before, err, imv1alpha1.ConditionSynced)
}

// resolveServer finds the ChatServer and checks the app may use it.
func (r *ChatAppReconciler) resolveServer(ctx context.Context, run *appRun) error {
	app := run.app
	server, err := r.serverOf(ctx, app)
	if err != nil {
		return err
	}
	key := client.ObjectKeyFromObject(server)
	if !server.AllowsNamespace(app.Namespace) {
		return waiting(imv1alpha1.ReasonNamespaceNotAllowed,
			"ChatServer %s does not list namespace %q in spec.allowedNamespaces", key, app.Namespace)
	}
	if !isConditionTrue(server, imv1alpha1.ConditionReady) {
		return waiting(imv1alpha1.ReasonServerNotReady, "ChatServer %s is not Ready", key)
	}
	run.server = server
	return nil
}

func setupChatApp(mgr ctrl.Manager, opts Options) error {
	r := &ChatAppReconciler{base: newBase(mgr, opts)}
	return ctrl.NewControllerManagedBy(mgr).
		For(&imv1alpha1.ChatApp{}, builder.WithPredicates(specOrDeletionChanged())).
		Owns(&corev1.Secret{}).
		Watches(&imv1alpha1.ChatServer{}, handler.EnqueueRequestsFromMapFunc(r.appsOfServer),
			builder.WithPredicates(serverAvailabilityChanged())).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.appsOfSecret)).
		Watches(&imv1alpha1.ChatApp{}, handler.EnqueueRequestsFromMapFunc(r.appsSharingKey),
			builder.WithPredicates(predicate.Funcs{
				// Only a departure frees a key for a waiting claimant.
				CreateFunc: func(event.CreateEvent) bool { return false },
				UpdateFunc: func(e event.UpdateEvent) bool { return !e.ObjectNew.GetDeletionTimestamp().IsZero() },
			})).
		WithOptions(controller.Options{MaxConcurrentReconciles: opts.MaxConcurrentReconciles}).
		Named("chatapp").
		Complete(r)
}
