package controllers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

// Keys of the managed database's Secret.
const (
	postgresPasswordKey = "password"
	postgresDSNKey      = "dsn"
	postgresUser        = "chat"
	postgresDatabase    = "chat"
	postgresPort        = 5432
)

// reconcilePlatformToken makes sure the platform token Secret exists and
// reads the token. The token is generated once and never regenerated: a
// Secret that already holds one, generated earlier or created by hand
// before the ChatServer, is left exactly as it is. Only a missing or empty
// token is filled in.
func (r *ChatServerReconciler) reconcilePlatformToken(ctx context.Context, run *chatServerRun) error {
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
		Namespace: run.server.Namespace, Name: PlatformTokenSecretName(run.server),
	}}
	err := r.read(ctx, client.ObjectKeyFromObject(secret), secret)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("while reading the platform token Secret: %w", err)
	}
	if err == nil && len(secret.Data[PlatformTokenKey]) > 0 {
		run.token = string(secret.Data[PlatformTokenKey])
		return nil
	}
	err = r.apply(ctx, run.server, componentChatServer, secret, func() error {
		markGenerated(secret)
		if len(secret.Data[PlatformTokenKey]) == 0 {
			setSecretValue(secret, PlatformTokenKey, newPlatformToken())
		}
		return nil
	})
	if err != nil {
		return err
	}
	run.token = string(secret.Data[PlatformTokenKey])
	return nil
}

// reconcileDatabaseSecret keeps the managed database's Secret: a password
// generated once (an existing one is kept, whoever wrote it) and the DSN
// the chatserver connects with, derived from the password and kept in step
// with it.
func (r *ChatServerReconciler) reconcileDatabaseSecret(ctx context.Context, run *chatServerRun) error {
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
		Namespace: run.server.Namespace, Name: postgresName(run.server),
	}}
	err := r.apply(ctx, run.server, componentPostgres, secret, func() error {
		markGenerated(secret)
		password := string(secret.Data[postgresPasswordKey])
		if password == "" {
			password = newPassword()
			setSecretValue(secret, postgresPasswordKey, password)
		}
		setSecretValue(secret, postgresDSNKey, managedDSN(run.server, password))
		return nil
	})
	if err != nil {
		return err
	}
	run.dsnRef = &imv1alpha1.SecretKeySelector{Name: secret.Name, Key: postgresDSNKey}
	run.dsn = string(secret.Data[postgresDSNKey])
	return nil
}

// readExternalDSN reads the DSN of an external database from the Secret key
// the spec names. That Secret is the platform team's and usually not
// labelled, so it is read past the cache; a missing Secret or key blocks
// the Deployment, which could not start without it.
func (r *ChatServerReconciler) readExternalDSN(ctx context.Context, run *chatServerRun) error {
	ref := run.server.Spec.Database.External.DSNSecretRef
	var secret corev1.Secret
	err := r.read(ctx, client.ObjectKey{Namespace: run.server.Namespace, Name: ref.Name}, &secret)
	switch {
	case apierrors.IsNotFound(err):
		return run.waitForDatabase(imv1alpha1.ReasonSecretNotFound,
			fmt.Sprintf("Waiting for Secret %s, which should hold the database DSN under key %q", ref.Name, ref.Key))
	case err != nil:
		return fmt.Errorf("while reading the database DSN Secret %s: %w", ref.Name, err)
	case len(secret.Data[ref.Key]) == 0:
		return run.waitForDatabase(imv1alpha1.ReasonSecretNotFound,
			fmt.Sprintf("Secret %s has no key %q holding the database DSN", ref.Name, ref.Key))
	}
	run.dsnRef = &ref
	run.dsn = string(secret.Data[ref.Key])
	run.database = observation{ready: true, reason: imv1alpha1.ReasonReconciled,
		message: fmt.Sprintf("External database DSN found in Secret %s, key %q", ref.Name, ref.Key)}
	return nil
}

// waitForDatabase records that the database cannot be wired yet, and
// returns the wait that stops the steps.
func (run *chatServerRun) waitForDatabase(reason, message string) error {
	run.database = observation{reason: reason, message: message}
	return waiting(reason, "%s", message)
}

// markGenerated labels a Secret the operator generates so the cache, which
// holds only labelled Secrets, sees it and edits to it trigger a reconcile.
func markGenerated(secret *corev1.Secret) {
	metav1.SetMetaDataLabel(&secret.ObjectMeta, imv1alpha1.WatchLabel, "true")
}

func setSecretValue(secret *corev1.Secret, key, value string) {
	if secret.Data == nil {
		secret.Data = map[string][]byte{}
	}
	secret.Data[key] = []byte(value)
}

// managedDSN is the URL the chatserver reaches the managed PostgreSQL at:
// the StatefulSet's only pod through its headless Service.
func managedDSN(server *imv1alpha1.ChatServer, password string) string {
	host := fmt.Sprintf("%s-0.%s.%s.svc:%d", postgresName(server), postgresName(server), server.Namespace, postgresPort)
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(postgresUser, password),
		Host:     host,
		Path:     "/" + postgresDatabase,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// newPlatformToken returns 256 random bits, hex encoded.
func newPlatformToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails: crypto/rand panics instead
	return hex.EncodeToString(b)
}

// newPassword returns 130 random bits as 26 letters and digits, safe in a
// URL and in a shell.
func newPassword() string { return rand.Text() }
