package controllers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	chatclient "github.com/chat-operator/chat-operator/chatserver/client"
)

// policies is the RegistrationPolicy plug-in: one policy per app; the
// oldest wins and a second one shows a Conflict.
type policies struct{}

type policyRun = configRun[*imv1alpha1.RegistrationPolicy]
type policyReconciler = configReconciler[*imv1alpha1.RegistrationPolicy]

func setupRegistrationPolicy(mgr ctrl.Manager, opts Options) error {
	return setupConfig(mgr, opts, "registrationpolicy", configKind[*imv1alpha1.RegistrationPolicy](policies{}),
		func(b *builder.Builder, r *policyReconciler) *builder.Builder {
			// An edited SMS token Secret (when labelled) reaches the server at once.
			return b.Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(
				func(ctx context.Context, s client.Object) []reconcile.Request {
					return requestsFor(ctx, r.Client, &imv1alpha1.RegistrationPolicyList{}, indexPolicySecret, s.GetName(),
						client.InNamespace(s.GetNamespace()))
				}))
		})
}

func (policies) newObject() *imv1alpha1.RegistrationPolicy { return &imv1alpha1.RegistrationPolicy{} }
func (policies) newList() client.ObjectList                { return &imv1alpha1.RegistrationPolicyList{} }

// holder returns the oldest policy among peers other than p, if it is
// older than p: the one that owns the app's policy.
func holder(p *imv1alpha1.RegistrationPolicy, peers []*imv1alpha1.RegistrationPolicy) *imv1alpha1.RegistrationPolicy {
	for _, peer := range peers {
		if peer.UID != p.UID && claimedBefore(peer, p) {
			return peer
		}
	}
	return nil
}

// appliedFingerprint is kept in status after a sync; see
// RegistrationPolicyStatus.AppliedFingerprint.
func appliedFingerprint(masterSecret string, declared, reported any) string {
	sign := func(v any) string {
		b, _ := json.Marshal(v) // plain structs: never fails
		m := hmac.New(sha256.New, []byte(masterSecret))
		m.Write(b)
		return hex.EncodeToString(m.Sum(nil))[:32]
	}
	return sign(declared) + ":" + sign(reported)
}

// declared is what the spec asks the server to hold: the policy without
// the switch (which has its own seed endpoint) and the switch.
type declared struct {
	Policy           chatclient.RegistrationPolicy
	SelfRegistration string
}

func (k policies) sync(ctx context.Context, r *policyReconciler, run *policyRun) error {
	p := run.obj
	if h := holder(p, run.peers); h != nil {
		return waiting(imv1alpha1.ReasonConflict, "app %s already has RegistrationPolicy %s; an app takes one policy",
			p.AppName(), h.Name)
	}
	want, err := k.declared(ctx, r, p)
	if err != nil {
		return err
	}
	got, err := run.admin.RegistrationPolicy(ctx)
	if err != nil {
		return callError("reading the registration policy", err)
	}
	if p.Status.AppliedFingerprint == appliedFingerprint(run.masterSecret, want, got) {
		return nil
	}
	if got.SelfRegistration != want.SelfRegistration {
		if err := run.admin.SetSDKRegister(ctx, want.SelfRegistration == chatclient.SelfRegistrationOpen); err != nil {
			return callError("switching self-registration", err)
		}
	}
	stored, err := run.admin.PutRegistrationPolicy(ctx, want.Policy)
	if err != nil {
		return callError("writing the registration policy", err)
	}
	p.Status.AppliedFingerprint = appliedFingerprint(run.masterSecret, want, stored)
	r.events.Eventf(p, nil, corev1.EventTypeNormal, "PolicySynced", "Sync",
		"Applied the registration policy to app %s (self-registration %s)", p.AppName(), want.SelfRegistration)
	return nil
}

// declared converts the spec, resolving the SMS token from its Secret.
func (policies) declared(ctx context.Context, r *policyReconciler, p *imv1alpha1.RegistrationPolicy) (declared, error) {
	s := p.Spec
	out := declared{SelfRegistration: string(s.SelfRegistration), Policy: chatclient.RegistrationPolicy{
		AllowedRegions: s.AllowedRegions,
	}}
	if out.SelfRegistration == "" {
		out.SelfRegistration = string(imv1alpha1.SelfRegistrationOpen)
	}
	if v := s.PhoneVerification; v != nil {
		out.Policy.PhoneVerification = &chatclient.PhoneVerification{
			Required: &v.Required, CodeLength: intPtr(v.CodeLength), TTLSeconds: intPtr(v.TTLSeconds),
			MaxPerHour: intPtr(v.MaxPerHour), MaxPerDay: intPtr(v.MaxPerDay), CaptchaRequired: &v.CaptchaRequired,
		}
	}
	if u := s.Username; u != nil {
		out.Policy.Username = &chatclient.UsernameRules{MinLength: intPtr(u.MinLength), MaxLength: intPtr(u.MaxLength)}
		if u.Pattern != "" {
			// CEL cannot check RE2 syntax; the guard does, before any call.
			if _, err := regexp.Compile(u.Pattern); err != nil {
				return declared{}, waiting(imv1alpha1.ReasonInvalidSpec, "spec.username.pattern: %v", err)
			}
			out.Policy.Username.Pattern = &u.Pattern
		}
	}
	if pw := s.Password; pw != nil {
		out.Policy.Password = &chatclient.PasswordRules{MinLength: intPtr(pw.MinLength), MaxLength: intPtr(pw.MaxLength), AllowSpaces: pw.AllowSpaces}
	}
	if sms := s.SMS; sms != nil {
		out.Policy.SMS = &chatclient.SMSDelivery{WebhookURL: sms.WebhookURL}
		if ref := sms.TokenSecretRef; ref != nil {
			token, err := readSecretKey(ctx, r.apiReader, p.Namespace, *ref)
			if err != nil {
				return declared{}, err
			}
			out.Policy.SMS.Token = token
		}
	}
	return out, nil
}

// readSecretKey reads one key of a Secret straight from the API server
// (a referenced Secret need not carry the watch label). Surrounding
// whitespace is trimmed: a token written with `kubectl create secret
// --from-file` usually ends in a newline no HTTP header may carry.
func readSecretKey(ctx context.Context, reader client.Reader, namespace string, ref imv1alpha1.SecretKeySelector) (string, error) {
	var s corev1.Secret
	key := client.ObjectKey{Namespace: namespace, Name: ref.Name}
	if err := reader.Get(ctx, key, &s); err != nil {
		if apierrors.IsNotFound(err) {
			return "", waiting(imv1alpha1.ReasonSecretNotFound, "Secret %s not found", key)
		}
		return "", fmt.Errorf("reading Secret %s: %w", key, err)
	}
	v := strings.TrimSpace(string(s.Data[ref.Key]))
	if v == "" {
		return "", waiting(imv1alpha1.ReasonSecretNotFound, "key %q of Secret %s is missing or empty", ref.Key, key)
	}
	return v, nil
}

func intPtr(p *int32) *int {
	if p == nil {
		return nil
	}
	v := int(*p)
	return &v
}

// cleanup puts the app back to the server's defaults: open registration
// and the default policy. A policy that lost a conflict owns nothing.
func (policies) cleanup(ctx context.Context, r *policyReconciler, run *policyRun) error {
	if holder(run.obj, run.peers) != nil {
		return nil
	}
	if err := run.admin.SetSDKRegister(ctx, true); err != nil && !chatclient.IsNotFound(err) {
		return callError("reopening self-registration", err)
	}
	if _, err := run.admin.PutRegistrationPolicy(ctx, chatclient.RegistrationPolicy{}); err != nil && !chatclient.IsNotFound(err) {
		return callError("resetting the registration policy", err)
	}
	r.events.Eventf(run.obj, nil, corev1.EventTypeNormal, "PolicyRemoved", "Delete",
		"Reset app %s to the default registration policy", run.obj.AppName())
	return nil
}

func (policies) setStatus(*policyRun, error) {}
