package jmessage

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
)

// JMessage error codes.
const (
	CodeUserExists      = 899001
	CodeUserNotFound    = 899002
	CodeInvalid         = 899003
	CodeAuthFailed      = 899008
	CodeAppDisabled     = 899009
	CodeGroupNotFound   = 899006
	CodeAlreadyMember   = 899011
	CodeGroupFull       = 899012
	CodeNotMember       = 899014
	CodeNoPermission    = 899016
	CodeSwitchNoGroup   = 899051
	CodeBlacklisted     = 803008
	CodeRetractTooLate  = 855001
	CodeNoMessage       = 855003
	CodeRetracted       = 855004
	CodeCrossAppDenied  = 899043
	CodeNoDisturbOn     = 899052
	CodeNoDisturbOff    = 899053
	CodeAlreadyFriends  = 899070
	CodeMediaNotFound   = 899080
	CodeMediaLinkDenied = 899081
	CodeInternal        = 899000
	authFailedMessage   = "Basic authentication failed"
	internalFailMessage = "internal server error"
)

// CodeChatroomNotFound answers a room id that is not the app's. The seed
// has no chatroom code; 899006 is its "id does not exist" code for groups,
// which clients already handle.
const CodeChatroomNotFound = CodeGroupNotFound

// errorMapping is the face's one table from core errors to the wire.
// Order matters only where errors wrap each other.
var errorMapping = []struct {
	err    error
	status int
	code   int
}{
	{core.ErrUnauthorized, http.StatusUnauthorized, CodeAuthFailed},
	{core.ErrAppDisabled, http.StatusForbidden, CodeAppDisabled},
	{core.ErrInvalid, http.StatusBadRequest, CodeInvalid},
	{core.ErrInvalidText, http.StatusBadRequest, CodeInvalid},
	{core.ErrInvalidValue, http.StatusBadRequest, CodeInvalid},
	{httpio.ErrMalformed, http.StatusBadRequest, CodeInvalid},
	{httpio.ErrEmpty, http.StatusBadRequest, CodeInvalid},
	{httpio.ErrTooLarge, http.StatusRequestEntityTooLarge, CodeInvalid},
	{core.ErrUserNotFound, http.StatusNotFound, CodeUserNotFound},
	{core.ErrUserExists, http.StatusForbidden, CodeUserExists},
	{core.ErrAlreadyFriends, http.StatusForbidden, CodeAlreadyFriends},
	{core.ErrNotFriends, http.StatusBadRequest, CodeInvalid},
	{core.ErrGroupNotFound, http.StatusNotFound, CodeGroupNotFound},
	{core.ErrSwitchGroupNotFound, http.StatusNotFound, CodeSwitchNoGroup},
	{core.ErrAlreadyMember, http.StatusForbidden, CodeAlreadyMember},
	{core.ErrGroupFull, http.StatusForbidden, CodeGroupFull},
	{core.ErrNotMember, http.StatusForbidden, CodeNotMember},
	{core.ErrChatroomNotFound, http.StatusNotFound, CodeChatroomNotFound},
	{core.ErrChatroomFull, http.StatusForbidden, CodeGroupFull},
	{core.ErrNotChatroomMember, http.StatusForbidden, CodeNotMember},
	{core.ErrNoPermission, http.StatusForbidden, CodeNoPermission},
	{core.ErrBlacklisted, http.StatusForbidden, CodeBlacklisted},
	{core.ErrRetractTooLate, http.StatusForbidden, CodeRetractTooLate},
	{core.ErrMessageNotFound, http.StatusNotFound, CodeNoMessage},
	{core.ErrAlreadyRetracted, http.StatusForbidden, CodeRetracted},
	{core.ErrCrossAppDenied, http.StatusForbidden, CodeCrossAppDenied},
	{core.ErrNoDisturbOn, http.StatusForbidden, CodeNoDisturbOn},
	{core.ErrNoDisturbOff, http.StatusForbidden, CodeNoDisturbOff},
	{core.ErrWordNotFound, http.StatusBadRequest, CodeInvalid},
	{core.ErrMediaNotFound, http.StatusNotFound, CodeMediaNotFound},
	{core.ErrMediaTooLarge, http.StatusRequestEntityTooLarge, CodeInvalid},
	{core.ErrMediaLinkInvalid, http.StatusForbidden, CodeMediaLinkDenied},
}

// errorBody is the JMessage error envelope.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// classify returns the status and error object for err.
func classify(err error) (int, errorDetail) {
	for _, m := range errorMapping {
		if errors.Is(err, m.err) {
			msg := err.Error()
			if m.code == CodeAuthFailed {
				msg = authFailedMessage
			}
			return m.status, errorDetail{Code: m.code, Message: msg}
		}
	}
	return http.StatusInternalServerError, errorDetail{Code: CodeInternal, Message: internalFailMessage}
}

// writeError answers with the JMessage envelope; unexpected errors are
// logged and hidden from the caller.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, detail := classify(err)
	if status == http.StatusInternalServerError {
		slog.ErrorContext(r.Context(), "Serving admin API request", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="jmessage"`)
	}
	httpio.WriteJSON(w, status, errorBody{Error: detail})
}

// WriteStatusError answers a request that no handler took (404, 405, or
// a 400 for a path or query the server refused) in the JMessage envelope;
// an empty message is the status text.
func WriteStatusError(w http.ResponseWriter, status int, message string) {
	if message == "" {
		message = http.StatusText(status)
	}
	httpio.WriteJSON(w, status, errorBody{Error: errorDetail{Code: CodeInvalid, Message: message}})
}
