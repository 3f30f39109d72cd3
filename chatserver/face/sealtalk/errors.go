package sealtalk

import (
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

func (f failure) HTTPStatus() int { return f.status }

// errorTable is the face's one mapping of errors: the seed's return
// codes first (first match wins), then an HTTP status per kind, its body
// {"code":<status>,"message":...}.
var errorTable = httpio.ErrorTable[failure]{
	Face: "sealtalk",
	Overrides: []httpio.ErrorOverride[failure]{
		httpio.Override(core.ErrCodeRateLimited, failure{status: http.StatusOK, code: 5000}),
		httpio.Override(core.ErrSMSNotConfigured, failure{status: http.StatusOK, code: CodeSMSUnavailable,
			message: "SMS delivery is not configured for this app", log: true}),
		httpio.Override(core.ErrSMSUndeliverable, failure{status: http.StatusOK, code: CodeSMSUnavailable,
			message: "SMS delivery failed; no code was sent, try again later", log: true}),
		httpio.Override(httpio.ErrBusy, statusFailure(http.StatusTooManyRequests)),
		httpio.Override(core.ErrCodeWrong, failure{status: http.StatusOK, code: 1000}),
		httpio.Override(core.ErrCaptchaWrong, failure{status: http.StatusOK, code: 1000}),
		httpio.Override(core.ErrCodeExpired, failure{status: http.StatusOK, code: 2000}),
		httpio.Override(core.ErrWrongCredentials, failure{status: http.StatusOK, code: 1000}),
		httpio.Override(core.ErrSTAccountTaken, failure{status: http.StatusOK, code: 1000}),
		httpio.Override(core.ErrVerificationRequired, statusFailure(http.StatusNotFound)),
		httpio.Override(httpio.ErrMalformed, statusFailure(http.StatusBadRequest)),
		httpio.Override(httpio.ErrEmpty, statusFailure(http.StatusBadRequest)),
		httpio.Override(httpio.ErrTooLarge, statusFailure(http.StatusRequestEntityTooLarge)),
	},
	// The seed refuses a session with 403, and a taken name with 400.
	Kinds: map[core.Kind]failure{
		core.KindNotFound:     statusFailure(http.StatusNotFound),
		core.KindConflict:     statusFailure(http.StatusBadRequest),
		core.KindInvalid:      statusFailure(http.StatusBadRequest),
		core.KindForbidden:    statusFailure(http.StatusForbidden),
		core.KindUnauthorized: statusFailure(http.StatusForbidden),
		core.KindRateLimited:  statusFailure(http.StatusTooManyRequests),
		core.KindTooLarge:     statusFailure(http.StatusRequestEntityTooLarge),
		core.KindUnavailable: {status: http.StatusServiceUnavailable, code: http.StatusServiceUnavailable,
			message: "service unavailable, try again later"},
	},
	Internal: failure{status: http.StatusInternalServerError, code: 500, message: "internal server error"},
}

// statusFailure answers with an HTTP status whose body code is the status.
func statusFailure(status int) failure { return failure{status: status, code: status} }

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

// writeError answers err in the SealTalk envelope. A 5xx is logged as
// an error; a clear answer the operator must hear of as a warning.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	f, _ := errorTable.Answer(r, err)
	msg := f.message
	if msg == "" {
		msg = err.Error()
	}
	if f.log && f.status < http.StatusInternalServerError {
		slog.WarnContext(r.Context(), "Serving SealTalk request failed", "method", r.Method, "path", r.URL.Path, "code", f.code, "error", err)
	}
	httpio.WriteJSON(w, f.status, map[string]any{"code": f.code, "message": msg})
}
