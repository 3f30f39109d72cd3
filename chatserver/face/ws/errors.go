package ws

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/chat-operator/chat-operator/chatserver/core"
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
	codeInternal     = "internal"
)

// errorMapping is the face's one table from core errors to the wire.
var errorMapping = []struct {
	err    error
	status int
	code   string
}{
	{core.ErrSessionInvalid, http.StatusUnauthorized, codeUnauthorized},
	{core.ErrUnauthorized, http.StatusUnauthorized, codeUnauthorized},
	{core.ErrAppDisabled, http.StatusForbidden, codeAppDisabled},
	{core.ErrAppNotFound, http.StatusNotFound, codeAppNotFound},
	{core.ErrInvalid, http.StatusBadRequest, codeInvalid},
	{core.ErrInvalidText, http.StatusBadRequest, codeInvalid},
	{core.ErrInvalidValue, http.StatusBadRequest, codeInvalid},
	{core.ErrUserNotFound, http.StatusNotFound, codeNotFound},
	{core.ErrGroupNotFound, http.StatusNotFound, codeNotFound},
	{core.ErrChatroomNotFound, http.StatusNotFound, codeNotFound},
	{core.ErrNoPermission, http.StatusForbidden, codeNoPermission},
	{core.ErrBlacklisted, http.StatusForbidden, codeBlacklisted},
	{core.ErrCrossAppDenied, http.StatusForbidden, codeCrossApp},
	{core.ErrSendInProgress, http.StatusConflict, codeInProgress},
}

// describe maps err to its code, HTTP status and a message for the
// client. Unknown errors are internal and logged, never shown.
func describe(err error) (code string, status int, message string) {
	for _, m := range errorMapping {
		if errors.Is(err, m.err) {
			return m.code, m.status, err.Error()
		}
	}
	slog.Error("Gateway request failed", "err", err)
	return codeInternal, http.StatusInternalServerError, "internal server error"
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
