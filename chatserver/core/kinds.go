package core

import (
	"errors"

	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/text"
)

// Kind is the class of a core error. Faces answer each kind in their own
// wire format by default, and override single errors where their seed
// has its own code, so an error a face's table does not list still gets
// a clear answer instead of a 500.
type Kind int

// The error kinds. KindNone is not a core error: faces answer it as an
// internal error.
const (
	KindNone Kind = iota
	KindNotFound
	KindConflict
	KindInvalid
	KindForbidden
	KindUnauthorized
	KindRateLimited
	KindTooLarge
	KindUnavailable
)

var kindNames = [...]string{
	KindNone:         "None",
	KindNotFound:     "NotFound",
	KindConflict:     "Conflict",
	KindInvalid:      "Invalid",
	KindForbidden:    "Forbidden",
	KindUnauthorized: "Unauthorized",
	KindRateLimited:  "RateLimited",
	KindTooLarge:     "TooLarge",
	KindUnavailable:  "Unavailable",
}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "Kind(?)"
	}
	return kindNames[k]
}

// kindedError is a core sentinel with its kind. Sentinels are compared
// by identity, so errors.Is works on them as on errors.New's.
type kindedError struct {
	kind Kind
	msg  string
}

func (e *kindedError) Error() string { return e.msg }

// newError returns a sentinel of kind k.
func newError(k Kind, msg string) error { return &kindedError{kind: k, msg: msg} }

// KindOf returns the kind of the first core error err wraps, or KindNone
// when it wraps none.
func KindOf(err error) Kind {
	var ke *kindedError
	if errors.As(err, &ke) {
		return ke.kind
	}
	// Sentinels core takes over from the packages below it.
	if errors.Is(err, text.ErrInvalid) || errors.Is(err, store.ErrInvalidValue) {
		return KindInvalid
	}
	return KindNone
}
