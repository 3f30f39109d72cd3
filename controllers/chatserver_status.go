package controllers

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	chatclient "github.com/chat-operator/chat-operator/chatserver/client"
)

// reconcileStatus computes the status from what the steps saw, writes it
// once if it changed, and picks when to look again. It is the only place a
// ChatServer's status is set.
//
// A failed step returns its error (the controller's rate limiter retries).
// Anything else returns a result and no error: a server that is not ready
// yet is looked at again after a backoff, a ready one after the resync
// period.
func (r *ChatServerReconciler) reconcileStatus(ctx context.Context, before *imv1alpha1.ChatServer,
	run *chatServerRun, stepErr error,
) (ctrl.Result, error) {
	server := run.server
	key := client.ObjectKeyFromObject(server)
	log := logf.FromContext(ctx)

	if stepErr != nil && isStale(stepErr) {
		// The cache was behind a write; the watch event of that write
		// brings the next round. Nothing failed, so the status stays.
		delay := r.backoff.next(key)
		log.V(1).Info("Retrying after a stale read", "error", stepErr.Error(), "requeueAfter", delay)
		return ctrl.Result{RequeueAfter: delay}, nil
	}

	computeChatServerStatus(server, run, stepErr)
	// A wait is a state the conditions already report, not a failure.
	var wait *waitError
	if errors.As(stepErr, &wait) {
		stepErr = nil
	}
	if err := patchStatus(ctx, r.Client, before, server); err != nil {
		return ctrl.Result{}, errors.Join(stepErr, fmt.Errorf("while writing the ChatServer status: %w", err))
	}
	r.recordTransitions(before, server)

	if stepErr != nil {
		r.events.Eventf(server, nil, corev1.EventTypeWarning, imv1alpha1.ReasonReconcileFailed, "Reconcile", "%v", stepErr)
		return ctrl.Result{}, stepErr
	}
	if isConditionTrue(server, imv1alpha1.ConditionReady) {
		r.backoff.reset(key)
		return ctrl.Result{RequeueAfter: jitter(r.opts.ResyncPeriod)}, nil
	}
	delay := r.backoff.next(key)
	ready := meta.FindStatusCondition(server.Status.Conditions, imv1alpha1.ConditionReady)
	log.V(1).Info("Waiting for the ChatServer to become ready", "reason", ready.Reason, "requeueAfter", delay)
	return ctrl.Result{RequeueAfter: delay}, nil
}

// computeChatServerStatus sets the conditions, readyReplicas, endpoint and
// observedGeneration from one run. A failed step marks only Ready: the
// other conditions keep what the last complete look saw. A wait (something
// the Deployment needs is missing) is reported through the conditions the
// run filled in; the reconcile did not succeed, so observedGeneration stays.
func computeChatServerStatus(server *imv1alpha1.ChatServer, run *chatServerRun, stepErr error) {
	server.Status.Endpoint = run.endpoint
	var wait *waitError
	waited := errors.As(stepErr, &wait)
	if stepErr != nil && !waited {
		setCondition(server, imv1alpha1.ConditionReady, false, imv1alpha1.ReasonReconcileFailed, stepErr.Error())
		return
	}

	database := run.database
	available := deploymentAvailability(run)
	setCondition(server, imv1alpha1.ConditionDatabaseReady, database.ready, database.reason, database.message)
	setCondition(server, imv1alpha1.ConditionAvailable, available.ready, available.reason, available.message)
	ready := serverReadiness(run, database, available)
	setCondition(server, imv1alpha1.ConditionReady, ready.ready, ready.reason, ready.message)

	if run.deployment != nil {
		server.Status.ReadyReplicas = run.deployment.Status.ReadyReplicas
	}
	if !waited {
		server.Status.ObservedGeneration = server.Generation
	}
}

// deploymentAvailability: the Deployment has an available replica.
func deploymentAvailability(run *chatServerRun) observation {
	dep := run.deployment
	switch {
	case dep == nil:
		return observation{reason: imv1alpha1.ReasonDeploymentNotReady,
			message: "The chatserver Deployment waits for the database to be wired"}
	case deploymentAvailable(dep):
		return observation{ready: true, reason: imv1alpha1.ReasonReconciled,
			message: fmt.Sprintf("Deployment %s has %d of %d replicas available",
				dep.Name, dep.Status.AvailableReplicas, desiredReplicas(run.server))}
	case desiredReplicas(run.server) == 0:
		return observation{reason: imv1alpha1.ReasonDeploymentNotReady,
			message: fmt.Sprintf("Deployment %s is scaled to zero replicas", dep.Name)}
	default:
		return observation{reason: imv1alpha1.ReasonDeploymentNotReady,
			message: fmt.Sprintf("Waiting for Deployment %s: %d of %d replicas available",
				dep.Name, dep.Status.AvailableReplicas, desiredReplicas(run.server))}
	}
}

// serverReadiness: the database is ready, the Deployment available, and the
// chatserver answers its platform API with the token.
func serverReadiness(run *chatServerRun, database, available observation) observation {
	switch {
	case !database.ready:
		return database
	case !available.ready:
		return available
	case !run.serverSeen:
		return observation{reason: imv1alpha1.ReasonServerUnreachable, message: "The chatserver was not asked yet"}
	case chatclient.IsUnauthorized(run.serverErr):
		return observation{reason: imv1alpha1.ReasonServerRejected,
			message: fmt.Sprintf("The chatserver at %s refused the platform token from Secret %s: %v",
				run.endpoint, PlatformTokenSecretName(run.server), run.serverErr)}
	case run.serverErr != nil:
		return observation{reason: imv1alpha1.ReasonServerUnreachable,
			message: fmt.Sprintf("Cannot reach the chatserver at %s: %v", run.endpoint, run.serverErr)}
	default:
		return observation{ready: true, reason: imv1alpha1.ReasonReconciled,
			message: fmt.Sprintf("chatserver %s (schema %d, %s) answers at %s",
				run.info.Version, run.info.SchemaVersion, run.info.Database, run.endpoint)}
	}
}

// recordTransitions emits an event for each condition whose status or
// reason changed: Normal when it became True or is still coming up, Warning
// when something that worked stopped working.
func (r *ChatServerReconciler) recordTransitions(before, after *imv1alpha1.ChatServer) {
	for _, typ := range []string{imv1alpha1.ConditionDatabaseReady, imv1alpha1.ConditionAvailable, imv1alpha1.ConditionReady} {
		was := meta.FindStatusCondition(before.Status.Conditions, typ)
		now := meta.FindStatusCondition(after.Status.Conditions, typ)
		if now == nil || was != nil && was.Status == now.Status && was.Reason == now.Reason {
			continue
		}
		switch {
		case now.Status == metav1.ConditionTrue:
			r.events.Eventf(after, nil, corev1.EventTypeNormal, typ, "Observe", "%s", now.Message)
		case was != nil && was.Status == metav1.ConditionTrue:
			r.events.Eventf(after, nil, corev1.EventTypeWarning, now.Reason, "Observe", "%s is False: %s", typ, now.Message)
		default:
			r.events.Eventf(after, nil, corev1.EventTypeNormal, now.Reason, "Observe", "%s is False: %s", typ, now.Message)
		}
	}
}
