package model

import "time"

// App is one tenant, identified by its appKey.
type App struct {
	ID         int64
	Key        string
	SecretHash []byte
	Limits     Limits
	Features   Features
	Disabled   bool
	// SensitiveFilter and SDKRegister are tenant config changed through the
	// admin API, so a platform PUT leaves them alone.
	SensitiveFilter bool
	SDKRegister     bool
	// WordsVersion grows on every sensitive-word change; a cached filter is
	// valid while its version matches, on any replica.
	WordsVersion int64
	// IDKey is the tenant's secret for its SealTalk ids (core.ExternalID):
	// 32 random bytes the store draws when it creates the app, never
	// changed and never shown.
	IDKey []byte
	// LegacyUserIDs and LegacyGroupIDs are the highest user and group ids
	// the tenant had when keyed ids came in (migration 0015); ids up to
	// them keep the public 8-character spelling they were handed out with.
	// 0 for a tenant created since.
	LegacyUserIDs, LegacyGroupIDs int64
	Created                       time.Time
	Updated                       time.Time
}

// Limits caps what one tenant may do. A zero field means "use the default";
// WithDefaults fills them in.
type Limits struct {
	SensitiveWords         int `json:"sensitiveWords,omitempty"`
	SensitiveWordLength    int `json:"sensitiveWordLength,omitempty"`
	BatchRegister          int `json:"batchRegister,omitempty"`
	BatchDelete            int `json:"batchDelete,omitempty"`
	FriendsPerCall         int `json:"friendsPerCall,omitempty"`
	MsgBodyBytes           int `json:"msgBodyBytes,omitempty"`
	UploadBytes            int `json:"uploadBytes,omitempty"`
	GroupMembers           int `json:"groupMembers,omitempty"`
	ChatroomMembers        int `json:"chatroomMembers,omitempty"`
	ChatroomMembersPerCall int `json:"chatroomMembersPerCall,omitempty"`
}

// DefaultLimits are the seed's documented limits.
var DefaultLimits = Limits{
	SensitiveWords:         100,
	SensitiveWordLength:    10,
	BatchRegister:          500,
	BatchDelete:            100,
	FriendsPerCall:         500,
	MsgBodyBytes:           4096,
	UploadBytes:            8 << 20,
	GroupMembers:           500,
	ChatroomMembers:        10000,
	ChatroomMembersPerCall: 3000,
}

// WithDefaults returns l with every unset field taken from DefaultLimits.
func (l Limits) WithDefaults() Limits {
	pick := func(v, def int) int {
		if v == 0 {
			return def
		}
		return v
	}
	d := DefaultLimits
	return Limits{
		SensitiveWords:         pick(l.SensitiveWords, d.SensitiveWords),
		SensitiveWordLength:    pick(l.SensitiveWordLength, d.SensitiveWordLength),
		BatchRegister:          pick(l.BatchRegister, d.BatchRegister),
		BatchDelete:            pick(l.BatchDelete, d.BatchDelete),
		FriendsPerCall:         pick(l.FriendsPerCall, d.FriendsPerCall),
		MsgBodyBytes:           pick(l.MsgBodyBytes, d.MsgBodyBytes),
		UploadBytes:            pick(l.UploadBytes, d.UploadBytes),
		GroupMembers:           pick(l.GroupMembers, d.GroupMembers),
		ChatroomMembers:        pick(l.ChatroomMembers, d.ChatroomMembers),
		ChatroomMembersPerCall: pick(l.ChatroomMembersPerCall, d.ChatroomMembersPerCall),
	}
}

// Features are optional capabilities of a tenant.
type Features struct {
	// CrossAppAllowed lists the appKeys this app consents to cross-app
	// operations with. Consent is mutual: both apps must list each other.
	CrossAppAllowed []string `json:"crossAppAllowed,omitempty"`
}
