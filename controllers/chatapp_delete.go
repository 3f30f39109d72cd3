package controllers

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	chatclient "github.com/chat-operator/chat-operator/chatserver/client"
)

// reconcileDelete applies the deletion policy in the server, then lets the
// ChatApp go. Nothing keeps it in Terminating for long: an app that never
// registered, or lost its key to a conflict, has nothing to clean; a
// server that is gone counts as cleaned; one that does not answer is given
// CleanupTimeout, then abandoned with a warning.
func (r *ChatAppReconciler) reconcileDelete(ctx context.Context, app *imv1alpha1.ChatApp) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(app, Finalizer) {
		return ctrl.Result{}, nil
	}
	return r.finishCleanup(ctx, app, r.cleanupTenant(ctx, app))
}

// cleanupTenant disables (Retain) or purges (Delete) the tenant.
func (r *ChatAppReconciler) cleanupTenant(ctx context.Context, app *imv1alpha1.ChatApp) error {
	if app.Status.AppKey == "" || app.Status.AppKey != app.Spec.AppKey {
		return nil // never registered by this ChatApp
	}
	server, err := r.serverOf(ctx, app)
	if isWait(err, imv1alpha1.ReasonServerNotFound) {
		return nil // a server that is gone holds no tenant
	}
	if err != nil {
		return err
	}
	if !server.DeletionTimestamp.IsZero() {
		return nil // the whole server and its data are going
	}
	platform, err := r.conn.platform(ctx, server)
	if err != nil {
		if isWait(err, imv1alpha1.ReasonServerNotReady) {
			return nil // no token: the server never ran, so holds no tenant
		}
		return err
	}
	purge := app.Spec.DeletionPolicy == imv1alpha1.DeletionPolicyDelete
	if err := platform.DeleteApp(ctx, app.Spec.AppKey, purge); err != nil && !chatclient.IsNotFound(err) {
		return callError("removing the tenant", err)
	}
	action := "Disabled"
	if purge {
		action = "Purged"
	}
	r.events.Eventf(app, nil, corev1.EventTypeNormal, "Tenant"+action, "Delete", "%s tenant %s (deletionPolicy %s)",
		action, app.Spec.AppKey, app.Spec.DeletionPolicy)
	return nil
}
