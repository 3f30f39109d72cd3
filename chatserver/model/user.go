package model

import "time"

// User is one account inside one tenant. Optional profile fields are
// pointers because the admin API distinguishes "never set" (key omitted)
// from "set to the zero value".
type User struct {
	ID    int64
	AppID int64
	// AppKey is filled by listings that may cross apps (friends, blacklist).
	AppKey       string
	Username     string
	PasswordHash string
	Profile      Profile
	Forbidden    bool
	// NoDisturbGlobal silences every notification for this user.
	NoDisturbGlobal bool
	Created         time.Time
	Modified        time.Time
}

// Profile is the user-editable part of a User.
type Profile struct {
	Nickname  *string
	Avatar    *string
	Birthday  *string // normalised to "YYYY-MM-DD HH:MM:SS"
	Gender    *int
	Signature *string
	Region    *string
	Address   *string
	Extras    *string // a JSON object, stored verbatim
}

// Merge returns p with every field set in patch overwritten.
func (p Profile) Merge(patch Profile) Profile {
	set := func(dst **string, src *string) {
		if src != nil {
			*dst = src
		}
	}
	set(&p.Nickname, patch.Nickname)
	set(&p.Avatar, patch.Avatar)
	set(&p.Birthday, patch.Birthday)
	set(&p.Signature, patch.Signature)
	set(&p.Region, patch.Region)
	set(&p.Address, patch.Address)
	set(&p.Extras, patch.Extras)
	if patch.Gender != nil {
		p.Gender = patch.Gender
	}
	return p
}

// Friend is one side of a friendship: Owner's view of User, with Owner's
// notes about them. The friend may belong to another app (cross-app).
type Friend struct {
	User     User
	NoteName string
	Others   string
}

// Device is a login state of a user on one SDK platform
// ("a" Android, "i" iOS, "j" JS, "w" Windows).
type Device struct {
	Platform string
	LoggedIn bool
	Online   bool
}

// SensitiveWord is one entry of a tenant's word list.
type SensitiveWord struct {
	Word     string
	Inserted time.Time
}
