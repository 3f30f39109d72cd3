package model

import "time"

// Chatroom is a chat room inside one tenant. Unlike a group it has no
// offline history: members receive its messages only while connected.
type Chatroom struct {
	ID        int64
	AppID     int64
	AppKey    string // filled by reads
	OwnerID   int64  // 0 once the owner's account is deleted
	OwnerName string // filled by reads; "" once the owner is deleted
	Name      string
	// Description is "" when none was given.
	Description string
	// MaxMembers is the app's chatroomMembers limit when the room was
	// created.
	MaxMembers int
	// MemberCount is filled by reads.
	MemberCount int
	Created     time.Time
	Modified    time.Time
}

// ChatroomMember is a user in a chatroom. The user may belong to another
// app than the room (cross-app); User.AppKey says which.
type ChatroomMember struct {
	User   User
	Muted  bool
	Joined time.Time
}
