package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ServerReference names the ChatServer a ChatApp lives in.
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="serverRef is immutable"
type ServerReference struct {
	// Name of the ChatServer.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// Namespace of the ChatServer; empty means the ChatApp's own. Another
	// namespace must be listed in the server's spec.allowedNamespaces.
	// +kubebuilder:validation:MaxLength=63
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// DeletionPolicy says what deleting a ChatApp does to its tenant.
// +kubebuilder:validation:Enum=Retain;Delete
type DeletionPolicy string

const (
	// DeletionPolicyRetain disables the tenant and keeps its data, so a
	// ChatApp re-created with the same appKey gets it back.
	DeletionPolicyRetain DeletionPolicy = "Retain"
	// DeletionPolicyDelete purges the tenant and all its data.
	DeletionPolicyDelete DeletionPolicy = "Delete"
)

// AppLimits caps what the tenant may do. Zero or absent fields take the
// server's defaults (the JMessage documented limits). The maxima are the
// chatserver's ceilings (chatserver/core limitCeilings), so a value the
// server would refuse is refused at apply time.
type AppLimits struct {
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100000
	// +optional
	SensitiveWords int32 `json:"sensitiveWords,omitempty"`
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	SensitiveWordLength int32 `json:"sensitiveWordLength,omitempty"`
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=5000
	// +optional
	BatchRegister int32 `json:"batchRegister,omitempty"`
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=5000
	// +optional
	BatchDelete int32 `json:"batchDelete,omitempty"`
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=5000
	// +optional
	FriendsPerCall int32 `json:"friendsPerCall,omitempty"`
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1048576
	// +optional
	MsgBodyBytes int32 `json:"msgBodyBytes,omitempty"`
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1073741824
	// +optional
	UploadBytes int32 `json:"uploadBytes,omitempty"`
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100000
	// +optional
	GroupMembers int32 `json:"groupMembers,omitempty"`
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000000
	// +optional
	ChatroomMembers int32 `json:"chatroomMembers,omitempty"`
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10000
	// +optional
	ChatroomMembersPerCall int32 `json:"chatroomMembersPerCall,omitempty"`
}

// AppFeatures are optional capabilities of the tenant.
type AppFeatures struct {
	// CrossAppAllowed lists the appKeys this app consents to cross-app
	// operations with. Consent is mutual: both apps must list each other.
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z0-9]{24}$`
	// +listType=set
	// +optional
	CrossAppAllowed []string `json:"crossAppAllowed,omitempty"`
}

// ChatAppSpec declares one tenant.
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.appKey) || size(oldSelf.appKey) == 0 || (has(self.appKey) && self.appKey == oldSelf.appKey)",message="appKey is immutable once set"
type ChatAppSpec struct {
	// ServerRef is the ChatServer hosting the tenant. Immutable.
	ServerRef ServerReference `json:"serverRef"`

	// AppKey identifies the tenant: 24 letters and digits. Empty means the
	// operator generates one and writes it here. Immutable once set.
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]{24}$`
	// +optional
	AppKey string `json:"appKey,omitempty"`

	// MasterSecretRef points at the tenant's masterSecret. Empty means the
	// operator generates one into the Secret <name>-credentials. Either
	// way, editing the secret rotates it in the server.
	// +optional
	MasterSecretRef *SecretKeySelector `json:"masterSecretRef,omitempty"`

	// Limits of the tenant.
	// +optional
	Limits AppLimits `json:"limits,omitempty"`

	// Features of the tenant.
	// +optional
	Features AppFeatures `json:"features,omitempty"`

	// DeletionPolicy: Retain (default) disables the tenant and keeps its
	// data; Delete purges it.
	// +kubebuilder:default=Retain
	// +optional
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// Suspend disables the tenant (its API answers "app disabled") while
	// keeping its data.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// ChatAppStatus is what the operator observed.
type ChatAppStatus struct {
	// Conditions: Ready and Synced.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// AppKey the tenant is registered under.
	// +optional
	AppKey string `json:"appKey,omitempty"`
	// SecretName is the Secret holding the tenant's credentials and URLs.
	// +optional
	SecretName string `json:"secretName,omitempty"`
	// Endpoint is the chatserver's base URL.
	// +optional
	Endpoint string `json:"endpoint,omitempty"`
	// ObservedGeneration is the generation the last successful reconcile
	// saw.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// ChatApp is one tenant (appKey) registered in a ChatServer.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=capp,categories=chat
// +kubebuilder:printcolumn:name="AppKey",type=string,JSONPath=`.status.appKey`
// +kubebuilder:printcolumn:name="Server",type=string,JSONPath=`.spec.serverRef.name`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ChatApp struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ChatAppSpec   `json:"spec,omitempty"`
	Status ChatAppStatus `json:"status,omitempty"`
}

// ChatAppList is a list of ChatApps.
// +kubebuilder:object:root=true
type ChatAppList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ChatApp `json:"items"`
}

// GetConditions lets shared helpers set conditions on any kind.
func (a *ChatApp) GetConditions() *[]metav1.Condition { return &a.Status.Conditions }

// ServerNamespace is the namespace of the referenced ChatServer.
func (a *ChatApp) ServerNamespace() string {
	if a.Spec.ServerRef.Namespace != "" {
		return a.Spec.ServerRef.Namespace
	}
	return a.Namespace
}

// CredentialsSecretName is the Secret the operator keeps the tenant's
// credentials and URLs in.
func (a *ChatApp) CredentialsSecretName() string { return a.Name + "-credentials" }

// SetObservedGeneration records the generation a successful reconcile saw.
func (a *ChatApp) SetObservedGeneration(g int64) { a.Status.ObservedGeneration = g }

// IsSuspended reports whether the tenant is declared disabled.
func (a *ChatApp) IsSuspended() bool { return a.Spec.Suspend }
