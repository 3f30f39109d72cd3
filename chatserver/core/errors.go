package core

import (
	"errors"
	"fmt"
)

// Typed errors. Faces map these with errors.Is; details travel in the
// wrapped message.
var (
	// ErrInvalid: the request breaks a documented rule or limit.
	ErrInvalid = errors.New("invalid request")
	// ErrUnauthorized: unknown app or wrong secret.
	ErrUnauthorized = errors.New("authentication failed")
	// ErrAppDisabled: the tenant exists but is switched off.
	ErrAppDisabled = errors.New("app is disabled")
	// ErrAppNotFound: no tenant with that key (platform API).
	ErrAppNotFound = errors.New("app not found")
	// ErrUserNotFound: a named user does not exist in the tenant.
	ErrUserNotFound = errors.New("user not found")
	// ErrUserExists: the username is taken in the tenant.
	ErrUserExists = errors.New("user already exists")
	// ErrAlreadyFriends: a friend add names an existing friend.
	ErrAlreadyFriends = errors.New("already friends")
	// ErrNotFriends: a friend note update names a non-friend.
	ErrNotFriends = errors.New("not friends")
	// ErrGroupNotFound: a group id does not exist in the tenant.
	ErrGroupNotFound = errors.New("group not found")
	// ErrNoDisturbOn / ErrNoDisturbOff: a group no-disturb switch is already
	// in the requested state.
	ErrNoDisturbOn  = errors.New("group no-disturb is already on")
	ErrNoDisturbOff = errors.New("group no-disturb is already off")
	// ErrWordNotFound: a sensitive word to change or delete is not listed.
	ErrWordNotFound = errors.New("sensitive word not found")
)

// invalidf wraps ErrInvalid with a message for the caller.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
