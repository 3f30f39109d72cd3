package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Filtering switches an app's sensitive-word filter.
// +kubebuilder:validation:Enum=Enabled;Disabled
type Filtering string

const (
	FilteringEnabled  Filtering = "Enabled"
	FilteringDisabled Filtering = "Disabled"
)

// SensitiveWordListSpec declares words for one app. Every list of an app is
// merged: the app gets the union of their words, and filtering is on when
// any list enables it.
type SensitiveWordListSpec struct {
	// AppRef is the ChatApp in this namespace. Immutable.
	AppRef AppReference `json:"appRef"`
	// Words to mask in messages; each 1 to 10 characters, as the admin API
	// allows.
	// +kubebuilder:validation:MaxItems=10000
	// +kubebuilder:validation:XValidation:rule="self.all(w, size(w) >= 1 && size(w) <= 10)",message="each word must be 1 to 10 characters"
	// +kubebuilder:validation:items:MaxLength=40
	// +listType=set
	// +optional
	Words []string `json:"words,omitempty"`
	// Filtering turns the app's filter on or off.
	// +kubebuilder:default=Enabled
	// +optional
	Filtering Filtering `json:"filtering,omitempty"`
}

// SensitiveWordListStatus is what the operator observed.
type SensitiveWordListStatus struct {
	// Conditions: Ready, Synced and WithinCapacity.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// WordCount is the number of words in this list.
	// +optional
	WordCount int32 `json:"wordCount,omitempty"`
	// AppWordCount is the number of words in the app's merged set.
	// +optional
	AppWordCount int32 `json:"appWordCount,omitempty"`
	// ObservedGeneration is the generation the last successful reconcile
	// saw.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// SensitiveWordList is a set of words an app's messages are filtered for.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=swl,categories=chat
// +kubebuilder:printcolumn:name="App",type=string,JSONPath=`.spec.appRef.name`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Words",type=integer,JSONPath=`.status.wordCount`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type SensitiveWordList struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   SensitiveWordListSpec   `json:"spec,omitempty"`
	Status SensitiveWordListStatus `json:"status,omitempty"`
}

// SensitiveWordListList is a list of SensitiveWordLists.
// +kubebuilder:object:root=true
type SensitiveWordListList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SensitiveWordList `json:"items"`
}

// GetConditions lets shared helpers set conditions on any kind.
func (l *SensitiveWordList) GetConditions() *[]metav1.Condition { return &l.Status.Conditions }

// AppName is the referenced ChatApp.
func (l *SensitiveWordList) AppName() string { return l.Spec.AppRef.Name }

// SetObservedGeneration records the generation a successful reconcile saw.
func (l *SensitiveWordList) SetObservedGeneration(g int64) { l.Status.ObservedGeneration = g }
