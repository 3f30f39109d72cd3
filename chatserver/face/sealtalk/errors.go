package sealtalk

import (
	"errors"
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
}

// errorTable is the face's one mapping of core errors, first match wins.
var errorTable = []struct {
	err error
	failure
}{
	{core.ErrCodeRateLimited, failure{http.StatusOK, 5000}},
	{core.ErrTooManyAttempts, failure{http.StatusTooManyRequests, 429}},
	{core.ErrCodeWrong, failure{http.StatusOK, 1000}},
	{core.ErrCaptchaWrong, failure{http.StatusOK, 1000}},
	{core.ErrCaptchaRequired, failure{http.StatusBadRequest, 400}},
	{core.ErrCaptchaNotFound, failure{http.StatusNotFound, 404}},
	{core.ErrUploadTokenInvalid, failure{http.StatusForbidden, 403}},
	{core.ErrMediaTooLarge, failure{http.StatusRequestEntityTooLarge, 413}},
	{core.ErrCodeExpired, failure{http.StatusOK, 2000}},
	{core.ErrWrongCredentials, failure{http.StatusOK, 1000}},
	{core.ErrSTAccountTaken, failure{http.StatusOK, 1000}},
	{core.ErrVerificationRequired, failure{http.StatusNotFound, 404}},
	{core.ErrRegistrationClosed, failure{http.StatusForbidden, 403}},
	{core.ErrUserForbidden, failure{http.StatusForbidden, 403}},
	{core.ErrSessionInvalid, failure{http.StatusForbidden, 403}},
	{core.ErrAppDisabled, failure{http.StatusForbidden, 403}},
	{core.ErrAppNotFound, failure{http.StatusNotFound, 404}},
	{core.ErrUserNotFound, failure{http.StatusNotFound, 404}},
	{core.ErrUserExists, failure{http.StatusBadRequest, 400}},
	{core.ErrRegionNotAllowed, failure{http.StatusBadRequest, 400}},
	{core.ErrUsernameRejected, failure{http.StatusBadRequest, 400}},
	{core.ErrPasswordRejected, failure{http.StatusBadRequest, 400}},
	{core.ErrInvalid, failure{http.StatusBadRequest, 400}},
	{core.ErrInvalidText, failure{http.StatusBadRequest, 400}},
	{core.ErrInvalidValue, failure{http.StatusBadRequest, 400}},
	{httpio.ErrMalformed, failure{http.StatusBadRequest, 400}},
	{httpio.ErrEmpty, failure{http.StatusBadRequest, 400}},
	{httpio.ErrTooLarge, failure{http.StatusRequestEntityTooLarge, 413}},
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
	f := failure{http.StatusInternalServerError, 500}
	msg := "internal server error"
	for _, e := range errorTable {
		if errors.Is(err, e.err) {
			f, msg = e.failure, err.Error()
			break
		}
	}
	httpio.WriteJSON(w, f.status, map[string]any{"code": f.code, "message": msg})
}
