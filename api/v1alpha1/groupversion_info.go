// Package v1alpha1 holds the chat-operator API: ChatServer, ChatApp,
// SensitiveWordList and RegistrationPolicy.
// +kubebuilder:object:generate=true
// +groupName=im.chat-operator.dev
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the API group and version of every kind here.
	GroupVersion = schema.GroupVersion{Group: "im.chat-operator.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the kinds with a scheme. It depends only on
	// apimachinery, so the API package stays cheap to import.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the kinds to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion,
		&ChatServer{}, &ChatServerList{},
		&ChatApp{}, &ChatAppList{},
		&SensitiveWordList{}, &SensitiveWordListList{},
		&RegistrationPolicy{}, &RegistrationPolicyList{},
	)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
