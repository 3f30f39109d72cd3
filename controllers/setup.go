package controllers

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

// CacheOptions restricts the manager's Secret cache to the Secrets labelled
// imv1alpha1.WatchLabel=true: a cluster can hold thousands of Secrets the
// operator has no business keeping in memory. Other Secrets are read
// straight from the API server when a spec points at one.
func CacheOptions() cache.Options {
	return cache.Options{
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}: {Label: labels.SelectorFromSet(labels.Set{imv1alpha1.WatchLabel: "true"})},
		},
	}
}

// SetupWithManager registers the field indexes and the four reconcilers.
func SetupWithManager(mgr ctrl.Manager, opts Options) error {
	opts = opts.withDefaults()
	if err := addIndexes(mgr); err != nil {
		return fmt.Errorf("adding field indexes: %w", err)
	}
	steps := []struct {
		kind  string
		setup func(ctrl.Manager, Options) error
	}{
		{"ChatServer", setupChatServer},
		{"ChatApp", setupChatApp},
		{"SensitiveWordList", setupSensitiveWordList},
		{"RegistrationPolicy", setupRegistrationPolicy},
	}
	for _, s := range steps {
		if err := s.setup(mgr, opts); err != nil {
			return fmt.Errorf("setting up the %s controller: %w", s.kind, err)
		}
	}
	return nil
}
