// Package v1alpha1 holds the chat-operator API: ChatServer, ChatApp,
// SensitiveWordList and RegistrationPolicy (issue #4 adds the kinds).
// +kubebuilder:object:generate=true
// +groupName=im.chat-operator.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of every kind here.
	GroupVersion = schema.GroupVersion{Group: "im.chat-operator.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the kinds with a scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the kinds to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
