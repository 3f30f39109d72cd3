package controllers

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

// requestsFor lists objects of list's kind matching one field index, as
// reconcile requests.
func requestsFor(ctx context.Context, c client.Client, list client.ObjectList, field, value string, opts ...client.ListOption) []reconcile.Request {
	opts = append(opts, client.MatchingFields{field: value})
	if err := c.List(ctx, list, opts...); err != nil {
		log.FromContext(ctx).Error(err, "Listing objects for a watch", "field", field, "value", value)
		return nil
	}
	var out []reconcile.Request
	for _, obj := range itemsOf(list) {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(obj)})
	}
	return out
}

// itemsOf returns the items of one of our lists.
func itemsOf(list client.ObjectList) []client.Object {
	var out []client.Object
	switch l := list.(type) {
	case *imv1alpha1.ChatAppList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *imv1alpha1.SensitiveWordListList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *imv1alpha1.RegistrationPolicyList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	}
	return out
}

// appsOfServer: a ChatServer change wakes the apps on it.
func (r *ChatAppReconciler) appsOfServer(ctx context.Context, obj client.Object) []reconcile.Request {
	return requestsFor(ctx, r.Client, &imv1alpha1.ChatAppList{}, indexAppServer, serverIndexKey(obj.GetNamespace(), obj.GetName()))
}

// appsOfSecret: an edited masterSecret Secret wakes the apps using it, so
// a rotation reaches the server at once. Only labelled Secrets are in the
// cache; others are picked up at the next resync.
func (r *ChatAppReconciler) appsOfSecret(ctx context.Context, obj client.Object) []reconcile.Request {
	return requestsFor(ctx, r.Client, &imv1alpha1.ChatAppList{}, indexAppSecret, obj.GetName(), client.InNamespace(obj.GetNamespace()))
}

// appsSharingKey: when an app holding a key goes, the app waiting in
// Conflict for that key gets its turn.
func (r *ChatAppReconciler) appsSharingKey(ctx context.Context, obj client.Object) []reconcile.Request {
	app, ok := obj.(*imv1alpha1.ChatApp)
	if !ok || app.Spec.AppKey == "" {
		return nil
	}
	return requestsFor(ctx, r.Client, &imv1alpha1.ChatAppList{}, indexAppKey, appKeyIndexKey(app))
}
