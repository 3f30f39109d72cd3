package model

import "time"

// Conversation kinds a message can target.
const (
	TargetSingle   = "single"
	TargetGroup    = "group"
	TargetChatroom = "chatroom"
)

// Message kinds.
const (
	MsgText   = "text"
	MsgImage  = "image"
	MsgVoice  = "voice"
	MsgCustom = "custom"
)

// Message is one stored message.
type Message struct {
	ID           int64
	AppID        int64
	TargetType   string
	FromID       int64
	FromUsername string
	// TargetID is a user id, group id or chatroom id, by TargetType.
	TargetID       int64
	TargetName     string // the username, group name or room name addressed
	TargetAppID    int64
	TargetAppKey   string
	MsgType        string
	Body           string // JSON object, after sensitive-word masking
	FromName       string
	TargetLabel    string // target_name as sent: a display name
	NoOffline      bool
	NoNotification bool
	// Notification is the custom {"title","alert"} JSON, or "".
	Notification string
	Retracted    bool
	Created      time.Time
}
