package model

import "time"

// Group is a group chat inside one tenant. Its members may come from other
// apps on the same server (cross-app).
type Group struct {
	ID          int64
	AppID       int64
	AppKey      string
	OwnerID     int64
	OwnerName   string // filled by reads
	OwnerAppKey string // filled by reads; differs from AppKey after a cross-app transfer
	Name        string
	Description string
	Avatar      string
	// Flag is 1 for a private group, 2 for a public one.
	Flag       int
	MaxMembers int
	Created    time.Time
	Modified   time.Time
}

// GroupMember is a user in a group, with their standing in it.
type GroupMember struct {
	User     User
	Owner    bool
	Silenced bool
}
