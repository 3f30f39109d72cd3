package v1alpha1

// SecretKeySelector points at one key of a Secret in the object's own
// namespace.
type SecretKeySelector struct {
	// Name of the Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// Key inside the Secret's data.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key"`
}

// AppReference names a ChatApp in the referring object's namespace.
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="appRef is immutable"
type AppReference struct {
	// Name of the ChatApp.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// Labels and annotations the operator reads or writes.
const (
	// WatchLabel marks the Secrets the operator caches and watches. It is
	// set on every Secret the operator generates; put it on a referenced
	// Secret (a masterSecretRef or an SMS token) to have edits pushed at
	// once instead of at the next resync.
	WatchLabel = "im.chat-operator.dev/watch"
	// ServerLabel and AppLabel say which ChatServer or ChatApp a generated
	// object belongs to.
	ServerLabel = "im.chat-operator.dev/chatserver"
	AppLabel    = "im.chat-operator.dev/chatapp"
)

// Condition types.
const (
	// ConditionReady is on every kind: the object does what it declares.
	ConditionReady = "Ready"
	// ConditionSynced is on ChatApp and the config kinds: the running
	// server matches the declared state.
	ConditionSynced = "Synced"
	// ConditionDatabaseReady and ConditionAvailable are on ChatServer.
	ConditionDatabaseReady = "DatabaseReady"
	ConditionAvailable     = "Available"
	// ConditionWithinCapacity is on SensitiveWordList: the merged word set
	// fits the app's limit.
	ConditionWithinCapacity = "WithinCapacity"
)

// Condition reasons a person reads in `kubectl describe`.
const (
	ReasonReconciled          = "Reconciled"
	ReasonProgressing         = "Progressing"
	ReasonServerNotFound      = "ServerNotFound"
	ReasonServerNotReady      = "ServerNotReady"
	ReasonServerUnreachable   = "ServerUnreachable"
	ReasonNamespaceNotAllowed = "NamespaceNotAllowed"
	ReasonConflict            = "Conflict"
	ReasonSecretNotFound      = "SecretNotFound"
	ReasonAppNotFound         = "AppNotFound"
	ReasonAppNotReady         = "AppNotReady"
	ReasonSuspended           = "Suspended"
	ReasonCapacityExceeded    = "CapacityExceeded"
	ReasonInvalidSpec         = "InvalidSpec"
	ReasonServerRejected      = "ServerRejected"
	ReasonDeploymentNotReady  = "DeploymentNotReady"
	ReasonDatabaseNotReady    = "DatabaseNotReady"
	// ReasonReconcileFailed: a step failed against the API server; the
	// message says which, and the reconcile is retried with backoff.
	ReasonReconcileFailed = "ReconcileFailed"
)
