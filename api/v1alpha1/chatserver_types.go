package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ChatServerSpec declares one chatserver instance and its database.
type ChatServerSpec struct {
	// Replicas of the chatserver Deployment. More than one replica shares
	// events through PostgreSQL, so both database modes support it.
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`

	// Image of the chatserver. Empty means the manager's default, which
	// matches the manager's own version.
	// +optional
	Image string `json:"image,omitempty"`

	// Resources of the chatserver container.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`

	// Database says where the chatserver keeps its data. Empty means a
	// managed PostgreSQL with the defaults.
	// +optional
	Database DatabaseSpec `json:"database,omitempty"`

	// Media says where uploaded files live.
	// +optional
	Media MediaSpec `json:"media,omitempty"`

	// AllowedNamespaces lists the namespaces whose ChatApps may use this
	// server. The server's own namespace is always allowed; "*" allows
	// every namespace.
	// +kubebuilder:validation:MaxItems=256
	// +listType=set
	// +optional
	AllowedNamespaces []string `json:"allowedNamespaces,omitempty"`

	// Service exposes the chatserver.
	// +optional
	Service ServiceSpec `json:"service,omitempty"`
}

// DatabaseSpec is either a managed PostgreSQL or an external one.
// +kubebuilder:validation:XValidation:rule="!(has(self.managed) && has(self.external))",message="database: set either managed or external, not both"
// +kubebuilder:validation:XValidation:rule="has(oldSelf.external) == has(self.external)",message="database: switching between managed and external is not supported; create a new ChatServer"
type DatabaseSpec struct {
	// Managed runs PostgreSQL as a StatefulSet owned by the ChatServer.
	// +optional
	Managed *ManagedDatabase `json:"managed,omitempty"`
	// External uses a PostgreSQL reached through a DSN kept in a Secret.
	// +optional
	External *ExternalDatabase `json:"external,omitempty"`
}

// ManagedDatabase is a single-instance PostgreSQL the operator runs.
type ManagedDatabase struct {
	// Image of PostgreSQL. It must honour the official image's contract
	// (POSTGRES_PASSWORD, POSTGRES_USER, POSTGRES_DB, PGDATA, port 5432).
	// +kubebuilder:default="postgres:17"
	// +optional
	Image string `json:"image,omitempty"`
	// Storage is the size of the data volume. It cannot change once set,
	// because a StatefulSet's volume claims are immutable.
	// +kubebuilder:default="1Gi"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="storage is immutable"
	// +optional
	Storage *resource.Quantity `json:"storage,omitempty"`
	// StorageClassName of the data volume; empty uses the cluster default.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="storageClassName is immutable"
	// +optional
	StorageClassName *string `json:"storageClassName,omitempty"`
	// Resources of the PostgreSQL container.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`
}

// ExternalDatabase is a PostgreSQL the platform team runs.
type ExternalDatabase struct {
	// DSNSecretRef is the Secret key holding a PostgreSQL URL, e.g.
	// postgres://user:pass@host:5432/chat?sslmode=require.
	DSNSecretRef SecretKeySelector `json:"dsnSecretRef"`
}

// MediaStorage is where uploads are kept.
// +kubebuilder:validation:Enum=Database
type MediaStorage string

// MediaStorageDatabase keeps uploads in the chatserver's database.
const MediaStorageDatabase MediaStorage = "Database"

// MediaSpec configures uploads.
type MediaSpec struct {
	// Storage of uploaded files. Only Database exists today.
	// +kubebuilder:default=Database
	// +optional
	Storage MediaStorage `json:"storage,omitempty"`
}

// ServiceSpec shapes the chatserver's Service.
type ServiceSpec struct {
	// Type of the Service.
	// +kubebuilder:validation:Enum=ClusterIP;NodePort;LoadBalancer
	// +kubebuilder:default=ClusterIP
	// +optional
	Type corev1.ServiceType `json:"type,omitempty"`
	// Port the Service listens on.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	// +kubebuilder:default=8080
	// +optional
	Port int32 `json:"port,omitempty"`
}

// ChatServerStatus is what the operator observed.
type ChatServerStatus struct {
	// Conditions: Ready, DatabaseReady and Available.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// ReadyReplicas of the chatserver Deployment.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`
	// Endpoint is the in-cluster base URL of the chatserver.
	// +optional
	Endpoint string `json:"endpoint,omitempty"`
	// ObservedGeneration is the generation the last successful reconcile
	// saw.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// ChatServer runs one chatserver instance and, unless told otherwise, its
// PostgreSQL database.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=cs,categories=chat
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Replicas",type=integer,JSONPath=`.status.readyReplicas`
// +kubebuilder:printcolumn:name="Endpoint",type=string,JSONPath=`.status.endpoint`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ChatServer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ChatServerSpec   `json:"spec,omitempty"`
	Status ChatServerStatus `json:"status,omitempty"`
}

// ChatServerList is a list of ChatServers.
// +kubebuilder:object:root=true
type ChatServerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ChatServer `json:"items"`
}

// GetConditions lets shared helpers set conditions on any kind.
func (s *ChatServer) GetConditions() *[]metav1.Condition { return &s.Status.Conditions }

// AllowsNamespace reports whether ChatApps in ns may use this server.
func (s *ChatServer) AllowsNamespace(ns string) bool {
	if ns == s.Namespace {
		return true
	}
	for _, allowed := range s.Spec.AllowedNamespaces {
		if allowed == ns || allowed == "*" {
			return true
		}
	}
	return false
}

// SetObservedGeneration records the generation a successful reconcile saw.
func (s *ChatServer) SetObservedGeneration(g int64) { s.Status.ObservedGeneration = g }
