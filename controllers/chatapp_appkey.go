package controllers

import (
	"context"
	"crypto/rand"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomAlphanumeric returns n letters and digits from crypto/rand, without
// modulo bias.
func randomAlphanumeric(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		_, _ = rand.Read(buf) // never fails: crypto/rand panics instead
		for _, b := range buf {
			// 248 is the largest multiple of 62 below 256.
			if b < 248 && len(out) < n {
				out = append(out, alphanumeric[int(b)%len(alphanumeric)])
			}
		}
	}
	return string(out)
}

// prepare adds the finalizer and generates the appKey into the spec when
// empty, in one write: a new app then costs one patch, not two. The spec,
// not the status, holds the key so it survives a backup and restore of the
// object; the CRD's CEL rule keeps it from changing afterwards. It reports
// whether it wrote, since the write triggers the next round.
func (r *ChatAppReconciler) prepare(ctx context.Context, app *imv1alpha1.ChatApp) (bool, error) {
	needKey := app.Spec.AppKey == ""
	if !needKey && controllerutil.ContainsFinalizer(app, Finalizer) {
		return false, nil
	}
	patch := client.MergeFromWithOptions(app.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.AddFinalizer(app, Finalizer)
	if needKey {
		app.Spec.AppKey = randomAlphanumeric(24)
	}
	if err := r.Patch(ctx, app, patch); err != nil {
		return false, fmt.Errorf("adding the finalizer and appKey: %w", err)
	}
	if needKey {
		log.FromContext(ctx).Info("Generated appKey", "chatapp", client.ObjectKeyFromObject(app), "appKey", app.Spec.AppKey)
		r.events.Eventf(app, nil, corev1.EventTypeNormal, "AppKeyGenerated", "Create", "Generated appKey %s", app.Spec.AppKey)
	}
	return true, nil
}

// claimAppKey stops an app whose appKey another ChatApp on the same server
// already holds. The oldest claim wins, so the outcome does not depend on
// which object the controller happened to see first; the later one
// touches nothing in the server.
func (r *ChatAppReconciler) claimAppKey(ctx context.Context, run *appRun) error {
	app := run.app
	var peers imv1alpha1.ChatAppList
	if err := r.List(ctx, &peers, client.MatchingFields{indexAppKey: appKeyIndexKey(app)}); err != nil {
		return fmt.Errorf("listing ChatApps with appKey %s: %w", app.Spec.AppKey, err)
	}
	for i := range peers.Items {
		peer := &peers.Items[i]
		if peer.UID == app.UID || !claimedBefore(peer, app) {
			continue
		}
		return waiting(imv1alpha1.ReasonConflict, "appKey %s is already claimed by ChatApp %s/%s on this server",
			app.Spec.AppKey, peer.Namespace, peer.Name)
	}
	return nil
}

// claimedBefore orders two claims on one thing (an appKey, an app's
// policy): creation time, then namespace and name so that equal
// timestamps still give one answer.
func claimedBefore(a, b client.Object) bool {
	ta, tb := a.GetCreationTimestamp(), b.GetCreationTimestamp()
	if !ta.Equal(&tb) {
		return ta.Before(&tb)
	}
	return a.GetNamespace()+"/"+a.GetName() < b.GetNamespace()+"/"+b.GetName()
}
