package controllers

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

// serverOf reads the ChatServer app's serverRef names. A missing one is a
// ServerNotFound wait, not an error: an app may be declared before its
// server, and the ChatServer watch brings it back once the server exists.
// It is the one place every reconciler resolves an app's server.
func (b *base) serverOf(ctx context.Context, app *imv1alpha1.ChatApp) (*imv1alpha1.ChatServer, error) {
	server := &imv1alpha1.ChatServer{}
	key := client.ObjectKey{Namespace: app.ServerNamespace(), Name: app.Spec.ServerRef.Name}
	if err := b.Get(ctx, key, server); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, waiting(imv1alpha1.ReasonServerNotFound, "ChatServer %s not found", key)
		}
		return nil, fmt.Errorf("reading ChatServer %s of ChatApp %s: %w", key, app.Name, err)
	}
	return server, nil
}
