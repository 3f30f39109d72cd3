package core

import (
	"errors"
	"fmt"

	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/text"
)

// Typed errors. Each has a Kind (see KindOf) that faces answer by
// default; faces override single errors with errors.Is. Details travel
// in the wrapped message.
var (
	// ErrInvalid: the request breaks a documented rule or limit.
	ErrInvalid = newError(KindInvalid, "invalid request")
	// ErrInvalidText: text from outside holds a NUL byte or is not valid
	// UTF-8. The store refuses it before any statement runs, so both
	// engines answer alike; faces answer it like ErrInvalid.
	ErrInvalidText = text.ErrInvalid
	// ErrInvalidValue: the database refused a value the request carried
	// (a number out of a column's range); faces answer it like ErrInvalid.
	ErrInvalidValue = store.ErrInvalidValue
	// ErrUnauthorized: unknown app or wrong secret.
	ErrUnauthorized = newError(KindUnauthorized, "authentication failed")
	// ErrAppDisabled: the tenant exists but is switched off.
	ErrAppDisabled = newError(KindForbidden, "app is disabled")
	// ErrAppNotFound: no tenant with that key (platform API).
	ErrAppNotFound = newError(KindNotFound, "app not found")
	// ErrUserNotFound: a named user does not exist in the tenant.
	ErrUserNotFound = newError(KindNotFound, "user not found")
	// ErrUserExists: the username is taken in the tenant.
	ErrUserExists = newError(KindConflict, "user already exists")
	// ErrAlreadyFriends: a friend add names an existing friend.
	ErrAlreadyFriends = newError(KindConflict, "already friends")
	// ErrNotFriends: a friend note update names a non-friend.
	ErrNotFriends = newError(KindInvalid, "not friends")
	// ErrGroupNotFound: a group id does not exist in the tenant.
	ErrGroupNotFound = newError(KindNotFound, "group not found")
	// ErrSwitchGroupNotFound: a user's group switch (no-disturb, shield)
	// names a group that does not exist; the seed gives it its own code.
	ErrSwitchGroupNotFound = newError(KindNotFound, "group not found")
	// ErrAlreadyMember: a group add names a member.
	ErrAlreadyMember = newError(KindConflict, "user is already a member of the group")
	// ErrGroupFull: the group has no room for the users added.
	ErrGroupFull = newError(KindConflict, "not enough room in the group")
	// ErrNotMember: a user named is not a member of the group.
	ErrNotMember = newError(KindForbidden, "user is not a member of the group")
	// ErrChatroomNotFound: a room id is not a chatroom of the tenant.
	ErrChatroomNotFound = newError(KindNotFound, "chatroom not found")
	// ErrChatroomFull: the chatroom has no room for the users added.
	ErrChatroomFull = newError(KindConflict, "not enough room in the chatroom")
	// ErrNotChatroomMember: a user named is not a member of the chatroom.
	ErrNotChatroomMember = newError(KindForbidden, "user is not a member of the chatroom")
	// ErrNoPermission: the sender may not send this message (forbidden
	// user, muted member, not a member).
	ErrNoPermission = newError(KindForbidden, "no permission to send the message")
	// ErrBlacklisted: the recipient has the sender on their blacklist.
	ErrBlacklisted = newError(KindForbidden, "the sender is on the recipient's blacklist")
	// ErrMessageNotFound, ErrRetractTooLate and ErrAlreadyRetracted are the
	// retract refusals.
	ErrMessageNotFound  = newError(KindNotFound, "message not found")
	ErrRetractTooLate   = newError(KindForbidden, "the message is older than the retract window")
	ErrAlreadyRetracted = newError(KindConflict, "the message is already retracted")
	// ErrNoDisturbOn / ErrNoDisturbOff: a group no-disturb switch is already
	// in the requested state.
	ErrNoDisturbOn  = newError(KindConflict, "group no-disturb is already on")
	ErrNoDisturbOff = newError(KindConflict, "group no-disturb is already off")
	// ErrWordNotFound: a sensitive word to change or delete is not listed.
	ErrWordNotFound = newError(KindNotFound, "sensitive word not found")
	// ErrMediaNotFound: a media id does not exist in the tenant.
	ErrMediaNotFound = newError(KindNotFound, "media not found")
	// ErrMediaTooLarge: an upload is over the app's uploadBytes limit.
	ErrMediaTooLarge = newError(KindTooLarge, "file is larger than the upload limit")
	// ErrMediaLinkInvalid: a download link is tampered with, signed for
	// something else, or expired.
	ErrMediaLinkInvalid = newError(KindForbidden, "download link is invalid or expired")
	// ErrSessionInvalid: a session token is unknown, expired, revoked or
	// belongs to another tenant.
	ErrSessionInvalid = newError(KindUnauthorized, "session token is invalid or expired")
	// ErrUserForbidden: the admin API forbade the user; they cannot log in.
	ErrUserForbidden = newError(KindForbidden, "user is forbidden")
	// ErrRegionNotAllowed: a phone region is not in the policy's
	// allowedRegions.
	ErrRegionNotAllowed = newError(KindInvalid, "phone region is not allowed")
	// ErrCodeRateLimited: the phone was sent as many codes as the policy
	// allows per hour or per day.
	ErrCodeRateLimited = newError(KindRateLimited, "too many verification codes for this phone")
	// ErrCodeWrong: the code does not match, or the phone has no live code
	// (never sent, already used, or killed by too many wrong tries).
	ErrCodeWrong = newError(KindInvalid, "verification code is wrong")
	// ErrCodeExpired: the phone's code outlived the policy's TTL.
	ErrCodeExpired = newError(KindInvalid, "verification code has expired")
	// ErrSMSNotConfigured: the policy names no SMS webhook, so no code can
	// be sent.
	ErrSMSNotConfigured = newError(KindUnavailable, "no SMS webhook is configured")
	// ErrSMSUndeliverable: the SMS webhook kept failing; no quota was used.
	ErrSMSUndeliverable = newError(KindUnavailable, "the verification code could not be delivered")
	// ErrVerificationRequired: registration needs a valid verification
	// token for the phone, and has none (missing, unknown, used, expired,
	// or issued for another phone).
	ErrVerificationRequired = newError(KindForbidden, "phone verification is required")
	// ErrRegistrationClosed: self-registration is switched off.
	ErrRegistrationClosed = newError(KindForbidden, "self-registration is closed")
	// ErrUsernameRejected / ErrPasswordRejected: the registration policy's
	// username or password rule refuses the value.
	ErrUsernameRejected = newError(KindInvalid, "username is not allowed by the registration policy")
	ErrPasswordRejected = newError(KindInvalid, "password is not allowed by the registration policy")
	// ErrTooManyAttempts: too many login or verification attempts for one
	// account or from one address; the caller must wait before trying again.
	ErrTooManyAttempts = newError(KindRateLimited, "too many attempts, try again later")
)

// vanishedAs names what a write referred to when it kept losing a race
// to a delete: the store answers a foreign-key violation that outlives
// its retry as store.ErrNotFound (see store.Write), which no face maps,
// so the write's own not-found error is wrapped around it and the caller
// gets a 404, not a 500. Only for writes whose closures never return
// store.ErrNotFound themselves.
func vanishedAs(err, notFound error) error {
	if errors.Is(err, store.ErrNotFound) && !errors.Is(err, notFound) {
		return fmt.Errorf("%w: %w", notFound, err)
	}
	return err
}

// invalidf wraps ErrInvalid with a message for the caller.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
