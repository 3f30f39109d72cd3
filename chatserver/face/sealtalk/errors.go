package sealtalk

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
)

// failure is how one core error shows on the wire: a return code in a 200
// envelope (status 200), or an HTTP status whose body is
// {"code":<status>,"message":...}.
type failure struct {
	status int
	code   int
	// message, when set, replaces the error's own text, which may hold
	// what the caller must not see (the tenant's webhook, its reply).
	message string
	// log: the operator must hear of it, though the caller did nothing
	// wrong and gets a clear answer.
	log bool
}

// CodeSMSUnavailable is our return code for a verification code that
// could not be sent: the tenant has no SMS webhook, or its webhook kept
// failing. The seed has none; like its 1000, 2000 and 5000 it comes in a
// 200 envelope, since the request itself was sound.
const CodeSMSUnavailable = 3000

// errorTable is the face's one mapping of core errors, first match wins.
var errorTable = []struct {
	err error
	failure
}{
	{core.ErrCodeRateLimited, failure{status: http.StatusOK, code: 5000}},
	{core.ErrSMSNotConfigured, failure{status: http.StatusOK, code: CodeSMSUnavailable,
		message: "SMS delivery is not configured for this app", log: true}},
	{core.ErrSMSUndeliverable, failure{status: http.StatusOK, code: CodeSMSUnavailable,
		message: "SMS delivery failed; no code was sent, try again later", log: true}},
	{core.ErrTooManyAttempts, failure{status: http.StatusTooManyRequests, code: 429}},
	{httpio.ErrBusy, failure{status: http.StatusTooManyRequests, code: 429}},
	{core.ErrCodeWrong, failure{status: http.StatusOK, code: 1000}},
	{core.ErrCaptchaWrong, failure{status: http.StatusOK, code: 1000}},
	{core.ErrCaptchaRequired, failure{status: http.StatusBadRequest, code: 400}},
	{core.ErrCaptchaNotFound, failure{status: http.StatusNotFound, code: 404}},
	{core.ErrUploadTokenInvalid, failure{status: http.StatusForbidden, code: 403}},
	{core.ErrMediaTooLarge, failure{status: http.StatusRequestEntityTooLarge, code: 413}},
	{core.ErrCodeExpired, failure{status: http.StatusOK, code: 2000}},
	{core.ErrWrongCredentials, failure{status: http.StatusOK, code: 1000}},
	{core.ErrSTAccountTaken, failure{status: http.StatusOK, code: 1000}},
	{core.ErrVerificationRequired, failure{status: http.StatusNotFound, code: 404}},
	{core.ErrRegistrationClosed, failure{status: http.StatusForbidden, code: 403}},
	{core.ErrUserForbidden, failure{status: http.StatusForbidden, code: 403}},
	{core.ErrSessionInvalid, failure{status: http.StatusForbidden, code: 403}},
	{core.ErrAppDisabled, failure{status: http.StatusForbidden, code: 403}},
	{core.ErrAppNotFound, failure{status: http.StatusNotFound, code: 404}},
	{core.ErrUserNotFound, failure{status: http.StatusNotFound, code: 404}},
	{core.ErrUserExists, failure{status: http.StatusBadRequest, code: 400}},
	{core.ErrRegionNotAllowed, failure{status: http.StatusBadRequest, code: 400}},
	{core.ErrUsernameRejected, failure{status: http.StatusBadRequest, code: 400}},
	{core.ErrPasswordRejected, failure{status: http.StatusBadRequest, code: 400}},
	{core.ErrInvalid, failure{status: http.StatusBadRequest, code: 400}},
	{core.ErrInvalidText, failure{status: http.StatusBadRequest, code: 400}},
	{core.ErrInvalidValue, failure{status: http.StatusBadRequest, code: 400}},
	{httpio.ErrMalformed, failure{status: http.StatusBadRequest, code: 400}},
	{httpio.ErrEmpty, failure{status: http.StatusBadRequest, code: 400}},
	{httpio.ErrTooLarge, failure{status: http.StatusRequestEntityTooLarge, code: 413}},
}

// Owns tells whether path is under a tenant's SealTalk API,
// /apps/{appKey}/user/.
func Owns(path string) bool {
	rest, ok := strings.CutPrefix(path, "/apps/")
	if !ok {
		return false
	}
	_, tail, _ := strings.Cut(rest, "/")
	return tail == "user" || strings.HasPrefix(tail, "user/")
}

// WriteStatusError answers a request that no handler took (404, or 405
// for a wrong method, or a 400 for a path or query the server refused) in
// the SealTalk envelope; an empty message is the status text.
func WriteStatusError(w http.ResponseWriter, status int, message string) {
	if message == "" {
		message = strings.ToLower(http.StatusText(status))
	}
	httpio.WriteJSON(w, status, map[string]any{"code": status, "message": message})
}

func writeError(w http.ResponseWriter, err error) {
	f := failure{status: http.StatusInternalServerError, code: 500, message: "internal server error", log: true}
	for _, e := range errorTable {
		if errors.Is(err, e.err) {
			f = e.failure
			break
		}
	}
	msg := f.message
	if msg == "" {
		msg = err.Error()
	}
	if f.log {
		level := slog.LevelWarn
		if f.status >= http.StatusInternalServerError {
			level = slog.LevelError
		}
		slog.Log(context.Background(), level, "Serving SealTalk request failed", "code", f.code, "err", err)
	}
	httpio.WriteJSON(w, f.status, map[string]any{"code": f.code, "message": msg})
}
