package platform

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
)

// errorMapping is the face's one table from errors to the wire.
var errorMapping = []struct {
	err    error
	status int
	reason string
}{
	{errUnauthorized, http.StatusUnauthorized, "Unauthorized"},
	{core.ErrInvalid, http.StatusBadRequest, "Invalid"},
	{core.ErrInvalidText, http.StatusBadRequest, "Invalid"},
	{core.ErrInvalidValue, http.StatusBadRequest, "Invalid"},
	{httpio.ErrMalformed, http.StatusBadRequest, "Invalid"},
	{httpio.ErrEmpty, http.StatusBadRequest, "Invalid"},
	{httpio.ErrTooLarge, http.StatusRequestEntityTooLarge, "TooLarge"},
	{core.ErrAppNotFound, http.StatusNotFound, "NotFound"},
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, r *http.Request, err error) {
	for _, m := range errorMapping {
		if errors.Is(err, m.err) {
			if m.status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="chatserver-platform"`)
			}
			httpio.WriteJSON(w, m.status, errorBody{Error: errorDetail{Reason: m.reason, Message: err.Error()}})
			return
		}
	}
	slog.ErrorContext(r.Context(), "Serving platform API request", "method", r.Method, "path", r.URL.Path, "error", err)
	httpio.WriteJSON(w, http.StatusInternalServerError, errorBody{Error: errorDetail{Reason: "Internal", Message: "internal server error"}})
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
