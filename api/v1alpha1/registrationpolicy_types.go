package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SelfRegistration opens or closes end-user sign-up.
// +kubebuilder:validation:Enum=Open;Closed
type SelfRegistration string

const (
	SelfRegistrationOpen   SelfRegistration = "Open"
	SelfRegistrationClosed SelfRegistration = "Closed"
)

// PhoneVerification is how sign-up proves a phone number.
// +kubebuilder:validation:XValidation:rule="!has(self.maxPerHour) || !has(self.maxPerDay) || self.maxPerDay >= self.maxPerHour",message="maxPerDay must be at least maxPerHour"
type PhoneVerification struct {
	// Required makes registration need a verified code.
	// +optional
	Required bool `json:"required,omitempty"`
	// CodeLength is the number of digits in a code.
	// +kubebuilder:validation:Minimum=4
	// +kubebuilder:validation:Maximum=8
	// +kubebuilder:default=6
	// +optional
	CodeLength *int32 `json:"codeLength,omitempty"`
	// TTLSeconds is how long a code stays valid.
	// +kubebuilder:validation:Minimum=60
	// +kubebuilder:validation:Maximum=86400
	// +kubebuilder:default=300
	// +optional
	TTLSeconds *int32 `json:"ttlSeconds,omitempty"`
	// MaxPerHour codes sent to one phone.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:default=20
	// +optional
	MaxPerHour *int32 `json:"maxPerHour,omitempty"`
	// MaxPerDay codes sent to one phone.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:default=50
	// +optional
	MaxPerDay *int32 `json:"maxPerDay,omitempty"`
	// CaptchaRequired makes sending a code need a solved image captcha
	// first (SealTalk get_sms_img_code, then verify_id and verify_code on
	// send_code).
	// +optional
	CaptchaRequired bool `json:"captchaRequired,omitempty"`
}

// UsernameRules constrain self-registered usernames.
// +kubebuilder:validation:XValidation:rule="!has(self.minLength) || !has(self.maxLength) || self.minLength <= self.maxLength",message="minLength must not exceed maxLength"
type UsernameRules struct {
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=128
	// +optional
	MinLength *int32 `json:"minLength,omitempty"`
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=128
	// +optional
	MaxLength *int32 `json:"maxLength,omitempty"`
	// Pattern is a regular expression (RE2 syntax) usernames must match.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Pattern string `json:"pattern,omitempty"`
}

// PasswordRules constrain self-registered passwords.
// +kubebuilder:validation:XValidation:rule="!has(self.minLength) || !has(self.maxLength) || self.minLength <= self.maxLength",message="minLength must not exceed maxLength"
type PasswordRules struct {
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=128
	// +optional
	MinLength *int32 `json:"minLength,omitempty"`
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=128
	// +optional
	MaxLength *int32 `json:"maxLength,omitempty"`
	// AllowSpaces permits spaces in passwords.
	// +optional
	AllowSpaces *bool `json:"allowSpaces,omitempty"`
}

// SMSDelivery is the webhook verification codes are POSTed to.
type SMSDelivery struct {
	// WebhookURL receives {appKey, region, phone, code, purpose} as JSON.
	// +kubebuilder:validation:Pattern=`^https?://`
	// +kubebuilder:validation:MaxLength=2048
	WebhookURL string `json:"webhookURL"`
	// TokenSecretRef holds the bearer token sent to the webhook.
	// +optional
	TokenSecretRef *SecretKeySelector `json:"tokenSecretRef,omitempty"`
}

// RegistrationPolicySpec declares how end users of one app sign up.
type RegistrationPolicySpec struct {
	// AppRef is the ChatApp in this namespace. Immutable.
	AppRef AppReference `json:"appRef"`
	// SelfRegistration opens or closes sign-up (/v1/sdkregister/status).
	// +kubebuilder:default=Open
	// +optional
	SelfRegistration SelfRegistration `json:"selfRegistration,omitempty"`
	// +optional
	PhoneVerification *PhoneVerification `json:"phoneVerification,omitempty"`
	// +optional
	Username *UsernameRules `json:"username,omitempty"`
	// +optional
	Password *PasswordRules `json:"password,omitempty"`
	// AllowedRegions are phone country calling codes, e.g. "86"; empty
	// allows every region.
	// +kubebuilder:validation:MaxItems=300
	// +kubebuilder:validation:items:Pattern=`^[0-9]{1,4}$`
	// +listType=set
	// +optional
	AllowedRegions []string `json:"allowedRegions,omitempty"`
	// SMS delivers verification codes.
	// +optional
	SMS *SMSDelivery `json:"sms,omitempty"`
}

// RegistrationPolicyStatus is what the operator observed.
type RegistrationPolicyStatus struct {
	// Conditions: Ready and Synced.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// ObservedGeneration is the generation the last successful reconcile
	// saw.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// AppliedFingerprint identifies the policy last applied and what the
	// server then reported (HMACs keyed by the app's masterSecret, so they
	// reveal nothing). A resync that reads the same policy back does not
	// write it again.
	// +optional
	AppliedFingerprint string `json:"appliedFingerprint,omitempty"`
}

// RegistrationPolicy is the sign-up policy of one app. One per app; a
// second one for the same app gets a Conflict condition.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=regpol,categories=chat
// +kubebuilder:printcolumn:name="App",type=string,JSONPath=`.spec.appRef.name`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type RegistrationPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   RegistrationPolicySpec   `json:"spec,omitempty"`
	Status RegistrationPolicyStatus `json:"status,omitempty"`
}

// RegistrationPolicyList is a list of RegistrationPolicies.
// +kubebuilder:object:root=true
type RegistrationPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []RegistrationPolicy `json:"items"`
}

// GetConditions lets shared helpers set conditions on any kind.
func (p *RegistrationPolicy) GetConditions() *[]metav1.Condition { return &p.Status.Conditions }

// AppName is the referenced ChatApp.
func (p *RegistrationPolicy) AppName() string { return p.Spec.AppRef.Name }

// SetObservedGeneration records the generation a successful reconcile saw.
func (p *RegistrationPolicy) SetObservedGeneration(g int64) { p.Status.ObservedGeneration = g }
