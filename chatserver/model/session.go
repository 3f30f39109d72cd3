package model

import "time"

// Session is one end-user login: an opaque token (only its hash is stored)
// bound to one user of one tenant and one device.
type Session struct {
	ID       int64
	AppID    int64
	UserID   int64
	Username string
	// Device is the platform the login came from, e.g. "a", "i", "pc",
	// "web".
	Device  string
	Created time.Time
	Expires time.Time
}
