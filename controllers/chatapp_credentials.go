package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

// Keys of the credentials Secret.
const (
	CredentialsAppKey       = "appKey"
	CredentialsMasterSecret = "masterSecret"
	CredentialsAdminURL     = "adminURL"
	CredentialsClientURL    = "clientURL"
)

// appliedSecretAnnotation on the credentials Secret fingerprints the
// masterSecret last pushed to the server. The server keeps only a salted
// hash, so this is how a resync knows, without a second call, whether a
// rotation is pending. It lives on the Secret, readable only by those who
// can read the secret itself.
const appliedSecretAnnotation = "im.chat-operator.dev/applied-secret-sha256"

// secretPattern is the server's masterSecret format.
var secretPattern = regexp.MustCompile(`^[A-Za-z0-9]{24}$`)

func secretFingerprint(appKey, secret string) string {
	sum := sha256.Sum256([]byte(appKey + ":" + secret))
	return hex.EncodeToString(sum[:])
}

// ensureCredentials makes sure the Secret <name>-credentials holds the
// appKey, the masterSecret and the URLs. A generated masterSecret is
// generated once: an existing one is kept, and an edited one is a
// rotation, which syncTenant pushes.
func (r *ChatAppReconciler) ensureCredentials(ctx context.Context, run *appRun) error {
	app := run.app
	secret, exists, err := r.credentialsSecret(ctx, app)
	if err != nil {
		return err
	}
	masterSecret, err := r.masterSecret(ctx, app, secret)
	if err != nil {
		return err
	}
	endpoint := r.opts.Resolver.Endpoint(run.server)
	want := map[string][]byte{
		CredentialsAppKey:       []byte(app.Spec.AppKey),
		CredentialsMasterSecret: []byte(masterSecret),
		CredentialsAdminURL:     []byte(endpoint),
		CredentialsClientURL:    []byte(endpoint + "/apps/" + app.Spec.AppKey),
	}
	run.credentials, run.masterSecret = secret, masterSecret
	if exists && maps.EqualFunc(secret.Data, want, bytesEqual) && secret.Labels[imv1alpha1.WatchLabel] == "true" &&
		metav1.IsControlledBy(secret, app) {
		return nil
	}
	return r.writeCredentials(ctx, app, secret, exists, want)
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

// credentialsSecret reads the Secret from the cache, falling back to the
// API server for one created without the watch label (the cache cannot
// see it), which is then adopted.
func (r *ChatAppReconciler) credentialsSecret(ctx context.Context, app *imv1alpha1.ChatApp) (*corev1.Secret, bool, error) {
	secret := &corev1.Secret{}
	key := client.ObjectKey{Namespace: app.Namespace, Name: app.CredentialsSecretName()}
	err := getSecret(ctx, r.Client, r.apiReader, key, secret)
	switch {
	case err == nil:
		return secret, true, nil
	case apierrors.IsNotFound(err):
		secret.ObjectMeta = metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}
		return secret, false, nil
	default:
		return nil, false, fmt.Errorf("reading Secret %s: %w", key, err)
	}
}

// masterSecret is the secret the tenant should have: the referenced one,
// else the one in the credentials Secret, else a new one.
func (r *ChatAppReconciler) masterSecret(ctx context.Context, app *imv1alpha1.ChatApp, credentials *corev1.Secret) (string, error) {
	var value string
	var from string
	switch ref := app.Spec.MasterSecretRef; {
	case ref != nil:
		v, err := readSecretKey(ctx, r.apiReader, app.Namespace, *ref)
		if err != nil {
			return "", err
		}
		value, from = v, fmt.Sprintf("key %q of Secret %s", ref.Key, ref.Name)
	case len(credentials.Data[CredentialsMasterSecret]) > 0:
		value, from = string(credentials.Data[CredentialsMasterSecret]), "Secret "+credentials.Name
	default:
		return randomAlphanumeric(24), nil
	}
	if !secretPattern.MatchString(value) {
		return "", waiting(imv1alpha1.ReasonInvalidSpec, "the masterSecret in %s must be exactly 24 letters and digits", from)
	}
	return value, nil
}

// writeCredentials creates or updates the Secret.
func (r *ChatAppReconciler) writeCredentials(ctx context.Context, app *imv1alpha1.ChatApp, secret *corev1.Secret, exists bool, data map[string][]byte) error {
	if secret.Labels == nil {
		secret.Labels = map[string]string{}
	}
	secret.Labels[imv1alpha1.WatchLabel] = "true"
	secret.Labels[imv1alpha1.AppLabel] = app.Name
	secret.Labels["app.kubernetes.io/managed-by"] = "chat-operator"
	secret.Type = corev1.SecretTypeOpaque
	secret.Data = data
	if err := controllerutil.SetControllerReference(app, secret, r.Scheme()); err != nil {
		return fmt.Errorf("owning Secret %s: %w", secret.Name, err)
	}
	verb, err := "Created", error(nil)
	if exists {
		verb, err = "Updated", r.Update(ctx, secret)
	} else {
		err = r.Create(ctx, secret)
	}
	if err != nil {
		return fmt.Errorf("writing Secret %s: %w", secret.Name, err)
	}
	r.events.Eventf(app, secret, corev1.EventTypeNormal, "Credentials"+verb, verb, "%s Secret %s", verb, secret.Name)
	return nil
}
