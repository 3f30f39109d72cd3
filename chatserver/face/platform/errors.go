package platform

import (
	"net/http"
	"strings"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
)

// answer is how one error shows on the platform API.
type answer struct {
	status int
	reason string
}

func (a answer) HTTPStatus() int { return a.status }

// errorTable is the face's one table from errors to the wire: a core
// error answers with its kind.
var errorTable = httpio.ErrorTable[answer]{
	Face: "platform",
	Overrides: []httpio.ErrorOverride[answer]{
		httpio.Override(errUnauthorized, answer{http.StatusUnauthorized, "Unauthorized"}),
		httpio.Override(httpio.ErrMalformed, answer{http.StatusBadRequest, "Invalid"}),
		httpio.Override(httpio.ErrEmpty, answer{http.StatusBadRequest, "Invalid"}),
		httpio.Override(httpio.ErrTooLarge, answer{http.StatusRequestEntityTooLarge, "TooLarge"}),
	},
	Kinds: map[core.Kind]answer{
		core.KindNotFound:     {http.StatusNotFound, "NotFound"},
		core.KindConflict:     {http.StatusConflict, "Conflict"},
		core.KindInvalid:      {http.StatusBadRequest, "Invalid"},
		core.KindForbidden:    {http.StatusForbidden, "Forbidden"},
		core.KindUnauthorized: {http.StatusUnauthorized, "Unauthorized"},
		core.KindRateLimited:  {http.StatusTooManyRequests, "RateLimited"},
		core.KindTooLarge:     {http.StatusRequestEntityTooLarge, "TooLarge"},
		core.KindUnavailable:  {http.StatusServiceUnavailable, "Unavailable"},
	},
	Internal: answer{http.StatusInternalServerError, "Internal"},
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// writeError answers err in the platform envelope; a 5xx is logged and
// its details hidden.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	a, _ := errorTable.Answer(r, err)
	msg := err.Error()
	switch {
	case a.status == http.StatusServiceUnavailable:
		msg = "service unavailable, try again later"
	case a.status >= http.StatusInternalServerError:
		msg = "internal server error"
	}
	if a.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="chatserver-platform"`)
	}
	httpio.WriteJSON(w, a.status, errorBody{Error: errorDetail{Reason: a.reason, Message: msg}})
}

// WriteStatusError answers a request that no handler took (404, 405, or
// a 400 for a path or query the server refused); an empty message is the
// status text.
func WriteStatusError(w http.ResponseWriter, status int, message string) {
	reason := http.StatusText(status)
	if status == http.StatusBadRequest {
		reason = "Invalid"
	}
	if message == "" {
		message = http.StatusText(status)
	}
	httpio.WriteJSON(w, status, errorBody{Error: errorDetail{Reason: reason, Message: message}})
}

// Owns tells whether path is under the platform API.
func Owns(path string) bool { return strings.HasPrefix(path, "/platform/") }
