package controllers

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	chatclient "github.com/chat-operator/chat-operator/chatserver/client"
)

// desiredTenant is the platform API's view of what the ChatApp declares.
func desiredTenant(app *imv1alpha1.ChatApp, masterSecret string) chatclient.AppSpec {
	l := app.Spec.Limits
	return chatclient.AppSpec{
		MasterSecret: masterSecret,
		Limits: chatclient.Limits{
			SensitiveWords: int(l.SensitiveWords), SensitiveWordLength: int(l.SensitiveWordLength),
			BatchRegister: int(l.BatchRegister), BatchDelete: int(l.BatchDelete),
			FriendsPerCall: int(l.FriendsPerCall), MsgBodyBytes: int(l.MsgBodyBytes),
			UploadBytes: int(l.UploadBytes), GroupMembers: int(l.GroupMembers),
			ChatroomMembers: int(l.ChatroomMembers), ChatroomMembersPerCall: int(l.ChatroomMembersPerCall),
		},
		Features: chatclient.Features{CrossAppAllowed: app.Spec.Features.CrossAppAllowed},
		Disabled: app.Spec.Suspend,
	}
}

// effectiveLimits fills unset limits with the server's defaults, which is
// how the server stores and reports them; the same table serves both.
func effectiveLimits(l chatclient.Limits) chatclient.Limits {
	return l.WithDefaults()
}

// tenantMatches is the Observe half of the sync: does the registered
// tenant already look as declared?
func tenantMatches(got chatclient.App, want chatclient.AppSpec) bool {
	a, b := slices.Clone(got.Features.CrossAppAllowed), slices.Clone(want.Features.CrossAppAllowed)
	slices.Sort(a)
	slices.Sort(b)
	return got.Disabled == want.Disabled &&
		effectiveLimits(got.Limits) == effectiveLimits(want.Limits) &&
		slices.Equal(slices.Compact(a), slices.Compact(b))
}

// syncTenant registers the tenant or corrects it. A resync of an unchanged
// app costs one GET and no write.
func (r *ChatAppReconciler) syncTenant(ctx context.Context, run *appRun) error {
	app := run.app
	key := app.Spec.AppKey
	platform, err := r.conn.platform(ctx, run.server)
	if err != nil {
		return err
	}
	want := desiredTenant(app, run.masterSecret)
	fingerprint := secretFingerprint(key, run.masterSecret)
	rotated := run.credentials.Annotations[appliedSecretAnnotation] != fingerprint

	got, err := platform.GetApp(ctx, key)
	switch {
	case err == nil && !rotated && tenantMatches(got, want):
		return nil
	case err != nil && !chatclient.IsNotFound(err):
		return callError("reading the tenant", err)
	}
	_, created, err := platform.PutApp(ctx, key, want)
	if err != nil {
		return callError("registering the tenant", err)
	}
	if err := r.recordAppliedSecret(ctx, run.credentials, fingerprint); err != nil {
		return err
	}
	reason, note := "TenantUpdated", "Updated tenant %s in the server"
	switch {
	case created:
		reason, note = "TenantRegistered", "Registered tenant %s in the server"
	case rotated && got.AppKey != "":
		reason, note = "SecretRotated", "Pushed a new masterSecret for tenant %s"
	}
	log.FromContext(ctx).Info("Syncing tenant", "chatapp", client.ObjectKeyFromObject(app), "appKey", key, "result", reason)
	r.events.Eventf(app, nil, corev1.EventTypeNormal, reason, "Sync", note, key)
	return nil
}

// recordAppliedSecret notes on the credentials Secret which masterSecret
// the server now has.
func (r *ChatAppReconciler) recordAppliedSecret(ctx context.Context, secret *corev1.Secret, fingerprint string) error {
	if secret.Annotations[appliedSecretAnnotation] == fingerprint {
		return nil
	}
	patch := client.MergeFrom(secret.DeepCopy())
	if secret.Annotations == nil {
		secret.Annotations = map[string]string{}
	}
	secret.Annotations[appliedSecretAnnotation] = fingerprint
	if err := r.Patch(ctx, secret, patch); err != nil {
		return fmt.Errorf("recording the applied masterSecret on Secret %s: %w", secret.Name, err)
	}
	return nil
}

// setAppStatus fills the ChatApp's own status fields; conclude sets the
// conditions.
func (r *ChatAppReconciler) setAppStatus(run *appRun, err error) {
	app := run.app
	if run.server != nil {
		app.Status.Endpoint = r.opts.Resolver.Endpoint(run.server)
	}
	if run.credentials != nil {
		app.Status.SecretName = run.credentials.Name
	}
	switch {
	case err == nil:
		app.Status.AppKey = app.Spec.AppKey
	case isWait(err, imv1alpha1.ReasonConflict):
		// The key belongs to another ChatApp; this one holds nothing.
		app.Status.AppKey = ""
	}
}
