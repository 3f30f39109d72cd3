package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Admin API error codes the client tells apart (the seed's, plus the
// server's 899009 for a disabled app).
const (
	// CodeInvalid is the admin API's code for bad input.
	CodeInvalid = 899003
	// CodeAuthFailed is the admin API's code for failed Basic auth.
	CodeAuthFailed = 899008
	// CodeAppDisabled is the admin API's code for a disabled tenant.
	CodeAppDisabled = 899009
)

// Error is a failed call: either the server answered with a non-2xx status
// (HTTPStatus is set), or the request never got an answer (HTTPStatus is 0
// and Err holds the transport failure).
type Error struct {
	// HTTPStatus is the answer's status, 0 when there was none.
	HTTPStatus int
	// Code is the admin API's error code (899xxx); the platform API has
	// none, so it is 0 there.
	Code int
	// Reason is the platform API's error reason (Invalid, Unauthorized,
	// NotFound, TooLarge); the admin API has none.
	Reason string
	// Message is the server's explanation.
	Message string
	// Method and Path say which call failed; Path never carries the query.
	Method, Path string
	// Err is the transport failure when HTTPStatus is 0.
	Err error
}

func (e *Error) Error() string {
	if e.HTTPStatus == 0 {
		return fmt.Sprintf("%s %s: %v", e.Method, e.Path, e.Err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: HTTP %d", e.Method, e.Path, e.HTTPStatus)
	if e.Reason != "" {
		fmt.Fprintf(&b, " %s", e.Reason)
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, " code %d", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	return b.String()
}

// Unwrap returns the transport failure, so errors.Is(err, context.Canceled)
// works.
func (e *Error) Unwrap() error { return e.Err }

// IsNotFound reports whether the server answered 404: no such app on the
// platform API, no such user/group/... on the admin API.
func IsNotFound(err error) bool {
	e, ok := asError(err)
	return ok && e.HTTPStatus == http.StatusNotFound
}

// IsUnauthorized reports whether the credentials were refused: 401, or a
// 403 that is not one of the admin API's domain refusals (those carry a
// code: a user already exists, a disabled app, ...). A disabled app is
// IsAppDisabled, not this: its credentials are right.
func IsUnauthorized(err error) bool {
	e, ok := asError(err)
	if !ok {
		return false
	}
	return e.HTTPStatus == http.StatusUnauthorized ||
		e.HTTPStatus == http.StatusForbidden && (e.Code == 0 || e.Code == CodeAuthFailed)
}

// IsAppDisabled reports whether the admin API refused the call because the
// tenant is disabled (DeleteApp without purge, or disabled in its spec).
func IsAppDisabled(err error) bool {
	e, ok := asError(err)
	return ok && e.HTTPStatus == http.StatusForbidden && e.Code == CodeAppDisabled
}

// IsUnavailable reports whether the server could not serve the call: no
// answer at all (refused connection, DNS, timeout), or a 5xx. Retrying later
// may succeed, unlike a 4xx. A call the caller cancelled is not unavailable.
func IsUnavailable(err error) bool {
	e, ok := asError(err)
	if !ok {
		return false
	}
	if e.HTTPStatus == 0 {
		return !errors.Is(e.Err, context.Canceled)
	}
	return e.HTTPStatus >= 500
}

func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// transportError wraps a failure to get an answer. The url.Error layer is
// dropped because its text repeats the full URL, which adds nothing to
// Method and Path.
func transportError(c call, err error) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &Error{Method: c.method, Path: c.path, Err: err}
}

// maxMessageBytes caps a message taken from a body that is not an envelope
// (a proxy's HTML page, say), so errors stay one readable line.
const maxMessageBytes = 256

// answerError turns a non-2xx answer into an *Error. Both faces send
// {"error":{...}}: the admin API with a numeric code, the platform API with
// a reason, so one struct reads either.
func answerError(c call, status int, body []byte) *Error {
	e := &Error{HTTPStatus: status, Method: c.method, Path: c.path}
	var env struct {
		Error *struct {
			Code    int    `json:"code"`
			Reason  string `json:"reason"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		e.Code, e.Reason, e.Message = env.Error.Code, env.Error.Reason, env.Error.Message
		return e
	}
	e.Message = snippet(body)
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// snippet is the start of body as one line of valid UTF-8.
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) <= maxMessageBytes {
		return strings.ToValidUTF8(s, "?")
	}
	// Cutting may split a rune; ToValidUTF8 drops the broken tail.
	return strings.ToValidUTF8(s[:maxMessageBytes], "") + "..."
}
