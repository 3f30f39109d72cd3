package jmessage

import (
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
	unavailableMessage  = "service unavailable, try again later"
)

// CodeChatroomNotFound answers a room id that is not the app's. The seed
// has no chatroom code; 899006 is its "id does not exist" code for groups,
// which clients already handle.
const CodeChatroomNotFound = CodeGroupNotFound

// answer is how one error shows on the admin API.
type answer struct {
	status int
	code   int
}

func (a answer) HTTPStatus() int { return a.status }

// errorTable is the face's one table from errors to the wire: the seed's
// own codes first (order matters only where errors wrap each other), then
// each kind's answer.
var errorTable = httpio.ErrorTable[answer]{
	Face: "jmessage",
	Overrides: []httpio.ErrorOverride[answer]{
		httpio.Override(core.ErrAppDisabled, answer{http.StatusForbidden, CodeAppDisabled}),
		httpio.Override(httpio.ErrMalformed, answer{http.StatusBadRequest, CodeInvalid}),
		httpio.Override(httpio.ErrEmpty, answer{http.StatusBadRequest, CodeInvalid}),
		httpio.Override(httpio.ErrTooLarge, answer{http.StatusRequestEntityTooLarge, CodeInvalid}),
		httpio.Override(core.ErrUserNotFound, answer{http.StatusNotFound, CodeUserNotFound}),
		httpio.Override(core.ErrUserExists, answer{http.StatusForbidden, CodeUserExists}),
		httpio.Override(core.ErrAlreadyFriends, answer{http.StatusForbidden, CodeAlreadyFriends}),
		httpio.Override(core.ErrGroupNotFound, answer{http.StatusNotFound, CodeGroupNotFound}),
		httpio.Override(core.ErrSwitchGroupNotFound, answer{http.StatusNotFound, CodeSwitchNoGroup}),
		httpio.Override(core.ErrAlreadyMember, answer{http.StatusForbidden, CodeAlreadyMember}),
		httpio.Override(core.ErrGroupFull, answer{http.StatusForbidden, CodeGroupFull}),
		httpio.Override(core.ErrNotMember, answer{http.StatusForbidden, CodeNotMember}),
		httpio.Override(core.ErrChatroomNotFound, answer{http.StatusNotFound, CodeChatroomNotFound}),
		httpio.Override(core.ErrChatroomFull, answer{http.StatusForbidden, CodeGroupFull}),
		httpio.Override(core.ErrNotChatroomMember, answer{http.StatusForbidden, CodeNotMember}),
		httpio.Override(core.ErrNoPermission, answer{http.StatusForbidden, CodeNoPermission}),
		httpio.Override(core.ErrBlacklisted, answer{http.StatusForbidden, CodeBlacklisted}),
		httpio.Override(core.ErrRetractTooLate, answer{http.StatusForbidden, CodeRetractTooLate}),
		httpio.Override(core.ErrMessageNotFound, answer{http.StatusNotFound, CodeNoMessage}),
		httpio.Override(core.ErrAlreadyRetracted, answer{http.StatusForbidden, CodeRetracted}),
		httpio.Override(core.ErrCrossAppDenied, answer{http.StatusForbidden, CodeCrossAppDenied}),
		httpio.Override(core.ErrNoDisturbOn, answer{http.StatusForbidden, CodeNoDisturbOn}),
		httpio.Override(core.ErrNoDisturbOff, answer{http.StatusForbidden, CodeNoDisturbOff}),
		httpio.Override(core.ErrWordNotFound, answer{http.StatusBadRequest, CodeInvalid}),
		httpio.Override(core.ErrMediaNotFound, answer{http.StatusNotFound, CodeMediaNotFound}),
		httpio.Override(core.ErrMediaLinkInvalid, answer{http.StatusForbidden, CodeMediaLinkDenied}),
	},
	// The seed answers refusals with 403 and its own codes; an error it
	// has no code for gets 899003 with its kind's status.
	Kinds: map[core.Kind]answer{
		core.KindNotFound:     {http.StatusNotFound, CodeInvalid},
		core.KindConflict:     {http.StatusForbidden, CodeInvalid},
		core.KindInvalid:      {http.StatusBadRequest, CodeInvalid},
		core.KindForbidden:    {http.StatusForbidden, CodeInvalid},
		core.KindUnauthorized: {http.StatusUnauthorized, CodeAuthFailed},
		core.KindRateLimited:  {http.StatusTooManyRequests, CodeInvalid},
		core.KindTooLarge:     {http.StatusRequestEntityTooLarge, CodeInvalid},
		core.KindUnavailable:  {http.StatusServiceUnavailable, CodeInternal},
	},
	Internal: answer{http.StatusInternalServerError, CodeInternal},
}

// errorBody is the JMessage error envelope.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// classify returns the status and error object for err. A 5xx hides
// the error, which is logged instead.
func classify(err error) (int, errorDetail) {
	a, _ := errorTable.Lookup(err)
	msg := err.Error()
	switch {
	case a.code == CodeAuthFailed:
		msg = authFailedMessage
	case a.status == http.StatusServiceUnavailable:
		msg = unavailableMessage
	case a.status >= http.StatusInternalServerError:
		msg = internalFailMessage
	}
	return a.status, errorDetail{Code: a.code, Message: msg}
}

// writeError answers with the JMessage envelope; a 5xx is logged.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, detail := classify(err)
	if status >= http.StatusInternalServerError {
		errorTable.LogServerError(r.Context(), r.Method, r.URL.Path, err)
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
