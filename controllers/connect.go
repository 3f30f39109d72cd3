package controllers

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	chatclient "github.com/chat-operator/chat-operator/chatserver/client"
)

// connector builds chatserver API clients. Only it combines the resolver's
// endpoint with credentials; the reconcilers never format URLs.
type connector struct {
	reader client.Reader
	// apiReader finds a token Secret created by hand without the watch
	// label, which the cache cannot see.
	apiReader  client.Reader
	resolver   Resolver
	httpClient *http.Client
}

// platform returns a platform API client for server, authenticated with
// the token the ChatServer controller generated.
func (c connector) platform(ctx context.Context, server *imv1alpha1.ChatServer) (*chatclient.Platform, error) {
	var secret corev1.Secret
	key := types.NamespacedName{Namespace: server.Namespace, Name: PlatformTokenSecretName(server)}
	if err := getSecret(ctx, c.reader, c.apiReader, key, &secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, waiting(imv1alpha1.ReasonServerNotReady, "ChatServer %s/%s has no platform token yet", server.Namespace, server.Name)
		}
		return nil, fmt.Errorf("reading the platform token of %s/%s: %w", server.Namespace, server.Name, err)
	}
	p, err := chatclient.NewPlatform(c.resolver.Endpoint(server), string(secret.Data[PlatformTokenKey]), c.httpClient)
	if err != nil {
		return nil, fmt.Errorf("connecting to ChatServer %s/%s: %w", server.Namespace, server.Name, err)
	}
	return p, nil
}

// admin returns an admin API client of one tenant.
func (c connector) admin(server *imv1alpha1.ChatServer, appKey, masterSecret string) (*chatclient.Admin, error) {
	a, err := chatclient.NewAdmin(c.resolver.Endpoint(server), appKey, masterSecret, c.httpClient)
	if err != nil {
		return nil, fmt.Errorf("connecting to app %s: %w", appKey, err)
	}
	return a, nil
}

// callError turns a failed chatserver call into a wait when the server is
// not answering, so an outage shows as a condition and a backoff rather
// than an error storm; any other failure is the server refusing what we
// declared, which a person must fix, so it waits too, with the server's
// message.
func callError(what string, err error) error {
	if chatclient.IsUnavailable(err) {
		return waiting(imv1alpha1.ReasonServerUnreachable, "%s: %v", what, err)
	}
	return waiting(imv1alpha1.ReasonServerRejected, "%s: %v", what, err)
}

// getSecret reads a Secret from the cache, and past it when the cache does
// not hold it: the cache keeps only Secrets labelled
// imv1alpha1.WatchLabel, so one created by hand is found and respected
// rather than clashed with.
func getSecret(ctx context.Context, cache, live client.Reader, key types.NamespacedName, secret *corev1.Secret) error {
	err := cache.Get(ctx, key, secret)
	if apierrors.IsNotFound(err) {
		return live.Get(ctx, key, secret)
	}
	return err
}
