package ws

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
)

// Error codes in error frames and in the JSON body of a refused upgrade.
const (
	codeUnauthorized = "unauthorized"
	codeAppDisabled  = "app_disabled"
	codeAppNotFound  = "app_not_found"
	codeInvalid      = "invalid"
	codeBadFrame     = "bad_frame"
	codeNotFound     = "not_found"
	codeNoPermission = "no_permission"
	codeBlacklisted  = "blacklisted"
	codeCrossApp     = "cross_app_denied"
	codeInProgress   = "in_progress"
	codeConflict     = "conflict"
	codeForbidden    = "forbidden"
	codeRateLimited  = "rate_limited"
	codeTooLarge     = "too_large"
	codeUnavailable  = "unavailable"
	codeInternal     = "internal"
)

// answer is how one error shows in an error frame or a refused upgrade.
type answer struct {
	status int
	code   string
}

func (a answer) HTTPStatus() int { return a.status }

// errorTable is the face's one table from core errors to the wire: a few
// errors have their own code, the others their kind's.
var errorTable = httpio.ErrorTable[answer]{
	Face: "ws",
	Overrides: []httpio.ErrorOverride[answer]{
		httpio.Override(core.ErrAppDisabled, answer{http.StatusForbidden, codeAppDisabled}),
		httpio.Override(core.ErrAppNotFound, answer{http.StatusNotFound, codeAppNotFound}),
		httpio.Override(core.ErrNoPermission, answer{http.StatusForbidden, codeNoPermission}),
		httpio.Override(core.ErrBlacklisted, answer{http.StatusForbidden, codeBlacklisted}),
		httpio.Override(core.ErrCrossAppDenied, answer{http.StatusForbidden, codeCrossApp}),
		httpio.Override(core.ErrSendInProgress, answer{http.StatusConflict, codeInProgress}),
	},
	Kinds: map[core.Kind]answer{
		core.KindNotFound:     {http.StatusNotFound, codeNotFound},
		core.KindConflict:     {http.StatusConflict, codeConflict},
		core.KindInvalid:      {http.StatusBadRequest, codeInvalid},
		core.KindForbidden:    {http.StatusForbidden, codeForbidden},
		core.KindUnauthorized: {http.StatusUnauthorized, codeUnauthorized},
		core.KindRateLimited:  {http.StatusTooManyRequests, codeRateLimited},
		core.KindTooLarge:     {http.StatusRequestEntityTooLarge, codeTooLarge},
		core.KindUnavailable:  {http.StatusServiceUnavailable, codeUnavailable},
	},
	Internal: answer{http.StatusInternalServerError, codeInternal},
}

// describe maps err to its code, HTTP status and a message for the
// client. A 5xx hides the error; the caller logs it (errorTable's
// LogServerError).
func describe(err error) (code string, status int, message string) {
	a, _ := errorTable.Lookup(err)
	message = err.Error()
	switch {
	case a.status == http.StatusServiceUnavailable:
		message = "service unavailable, try again later"
	case a.status >= http.StatusInternalServerError:
		message = "internal server error"
	}
	return a.code, a.status, message
}

// httpError refuses an upgrade with {"error":{"code":...,"message":...}}.
func httpError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": message}})
}

// Owns tells whether path is a tenant's gateway, /apps/{appKey}/ws.
func Owns(path string) bool {
	rest, ok := strings.CutPrefix(path, "/apps/")
	if !ok {
		return false
	}
	_, tail, _ := strings.Cut(rest, "/")
	return tail == "ws" || strings.HasPrefix(tail, "ws/")
}

// WriteStatusError answers a gateway request that no handler took (404,
// 405, or a 400 for a path or query the server refused) in the body of a
// refused upgrade; an empty message is the status text.
func WriteStatusError(w http.ResponseWriter, status int, message string) {
	code := codeInvalid
	if status == http.StatusNotFound {
		code = codeNotFound
	}
	if message == "" {
		message = http.StatusText(status)
	}
	httpError(w, status, code, message)
}
