package controllers

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	chatclient "github.com/chat-operator/chat-operator/chatserver/client"
)

// +kubebuilder:rbac:groups=im.chat-operator.dev,resources=chatservers,verbs=get;list;watch
// +kubebuilder:rbac:groups=im.chat-operator.dev,resources=chatservers/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=im.chat-operator.dev,resources=chatservers/finalizers,verbs=update
// +kubebuilder:rbac:groups=apps,resources=deployments;statefulsets,verbs=get;list;watch;create;update;patch
// +kubebuilder:rbac:groups="",resources=services;secrets,verbs=get;list;watch;create;update;patch
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// ChatServerReconciler turns a ChatServer into its Secrets, its database
// (a PostgreSQL StatefulSet, or a DSN the platform team keeps in a Secret),
// the chatserver Deployment, its Service and PodDisruptionBudget, and
// reports whether the running server answers.
//
// It needs no finalizer: every object it creates carries a controller
// owner reference, so the garbage collector removes them with the
// ChatServer, and deleting one can never get stuck.
type ChatServerReconciler struct {
	base
}

// chatServerRun is what one reconcile learns on its way through the steps;
// the status is computed from it at the end, in one place.
type chatServerRun struct {
	server *imv1alpha1.ChatServer

	// token is the platform token the chatserver is started with.
	token string
	// dsnRef is the Secret key the chatserver reads CHAT_DATABASE_URL from,
	// and dsn its value (hashed into the pod template, never stored).
	dsnRef *imv1alpha1.SecretKeySelector
	dsn    string

	// database says whether the database is ready, and if not why. A
	// database that cannot be wired yet stops the steps with a wait.
	database observation

	// deployment is the chatserver Deployment as last read or written;
	// nil while the steps waited before it exists.
	deployment *appsv1.Deployment
	// endpoint is where the resolver says the server answers. serverSeen
	// says whether it was asked for its info, and info or serverErr what
	// it answered.
	endpoint   string
	serverSeen bool
	info       *chatclient.Info
	serverErr  error
}

// observation is a readiness verdict with the reason a person reads.
type observation struct {
	ready   bool
	reason  string
	message string
}

// Reconcile runs the steps in order and writes the status once, at the end.
func (r *ChatServerReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	server := &imv1alpha1.ChatServer{}
	if err := r.Get(ctx, req.NamespacedName, server); err != nil {
		if apierrors.IsNotFound(err) {
			r.backoff.reset(req.NamespacedName)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, fmt.Errorf("while fetching the ChatServer: %w", err)
	}
	if !server.DeletionTimestamp.IsZero() {
		// The garbage collector removes what the owner references tie to
		// the server; there is nothing to clean up and nothing to wait for.
		r.backoff.reset(req.NamespacedName)
		return ctrl.Result{}, nil
	}

	before := server.DeepCopy()
	run := &chatServerRun{server: server, endpoint: r.opts.Resolver.Endpoint(server)}
	err := runSteps(ctx, run,
		r.reconcilePlatformToken,
		r.reconcileDatabase,
		r.reconcileDeployment,
		r.reconcileService,
		r.reconcilePodDisruptionBudget,
		r.observeServer,
	)
	return r.reconcileStatus(ctx, before, run, err)
}

// observeServer asks the running chatserver for its info with the platform
// token, once the workloads say it should answer. A failure is a state
// (the Ready condition says why), not a reconcile error.
func (r *ChatServerReconciler) observeServer(ctx context.Context, run *chatServerRun) error {
	if !run.database.ready || !deploymentAvailable(run.deployment) {
		return nil
	}
	run.serverSeen = true
	platform, err := chatclient.NewPlatform(run.endpoint, run.token, r.opts.HTTPClient)
	if err != nil {
		run.serverErr = err
		return nil
	}
	info, err := platform.Info(ctx)
	if err != nil {
		run.serverErr = err
		return nil
	}
	run.info = &info
	return nil
}

// indexServerSecrets: a ChatServer by the names of the Secrets it reads
// (platform token, managed database, external DSN), so an edit to one of
// them, labelled for the cache but made by hand rather than owned, wakes
// the server at once.
const indexServerSecrets = "chatserver.secrets"

func serverSecretNames(obj client.Object) []string {
	server := obj.(*imv1alpha1.ChatServer)
	names := []string{PlatformTokenSecretName(server), postgresName(server)}
	if ext := server.Spec.Database.External; ext != nil {
		names = append(names, ext.DSNSecretRef.Name)
	}
	return names
}

// serversOfSecret maps a Secret to the ChatServers in its namespace that
// read it.
func (r *ChatServerReconciler) serversOfSecret(ctx context.Context, secret client.Object) []reconcile.Request {
	var servers imv1alpha1.ChatServerList
	if err := r.List(ctx, &servers, client.InNamespace(secret.GetNamespace()),
		client.MatchingFields{indexServerSecrets: secret.GetName()}); err != nil {
		logf.FromContext(ctx).Error(err, "Listing the ChatServers reading a Secret", "secret", client.ObjectKeyFromObject(secret))
		return nil
	}
	requests := make([]reconcile.Request, 0, len(servers.Items))
	for i := range servers.Items {
		requests = append(requests, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&servers.Items[i])})
	}
	return requests
}

// setupChatServer registers the ChatServer reconciler. Status writes do
// not trigger it (GenerationChangedPredicate); the owned objects do, so a
// Deployment becoming available or a generated Secret being edited is
// acted on at once, and so do labelled Secrets it reads but does not own.
func setupChatServer(mgr ctrl.Manager, opts Options) error {
	r := &ChatServerReconciler{base: newBase(mgr, opts)}
	// A server coming up is polled at least once a minute (or once per
	// resync period, if shorter): whether it answers is not something a
	// watch can report.
	r.backoff = newBackoff(time.Second, min(opts.ResyncPeriod, time.Minute))
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &imv1alpha1.ChatServer{},
		indexServerSecrets, serverSecretNames); err != nil {
		return fmt.Errorf("while indexing ChatServers by Secret: %w", err)
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("chatserver").
		For(&imv1alpha1.ChatServer{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&appsv1.Deployment{}).
		Owns(&appsv1.StatefulSet{}).
		Owns(&corev1.Service{}).
		Owns(&corev1.Secret{}).
		Owns(&policyv1.PodDisruptionBudget{}).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.serversOfSecret)).
		WithOptions(controller.Options{MaxConcurrentReconciles: opts.MaxConcurrentReconciles}).
		Complete(r)
}
