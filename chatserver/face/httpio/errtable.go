package httpio

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/core"
)

// ErrorAnswer is how a face answers one error on the wire. HTTPStatus is
// the response's status; a 5xx is logged.
type ErrorAnswer interface {
	HTTPStatus() int
}

// ErrorOverride answers one error (and whatever wraps it) in a face's own
// way, where its seed has its own code.
type ErrorOverride[A ErrorAnswer] struct {
	Err    error
	Answer A
}

// ErrorTable is a face's one table from errors to its wire answers A:
// the first override the error matches, else its core kind's answer,
// else Internal.
type ErrorTable[A ErrorAnswer] struct {
	// Face names the face in log lines.
	Face      string
	Overrides []ErrorOverride[A]
	Kinds     map[core.Kind]A
	// Internal answers an error of no kind: a bug or an outage. Its
	// details are logged, never shown.
	Internal A
}

// Lookup returns err's answer, and whether it is Internal (err matched
// neither an override nor a kind).
func (t *ErrorTable[A]) Lookup(err error) (answer A, internal bool) {
	for _, o := range t.Overrides {
		if errors.Is(err, o.Err) {
			return o.Answer, false
		}
	}
	if a, ok := t.Kinds[core.KindOf(err)]; ok {
		return a, false
	}
	return t.Internal, true
}

// Answer is Lookup for a request: a 5xx answer is logged with the
// request's method and path.
func (t *ErrorTable[A]) Answer(r *http.Request, err error) (answer A, internal bool) {
	answer, internal = t.Lookup(err)
	if answer.HTTPStatus() >= http.StatusInternalServerError {
		t.LogServerError(r.Context(), r.Method, r.URL.Path, err)
	}
	return answer, internal
}

// LogServerError logs an error answered with a 5xx, with what the
// request was.
func (t *ErrorTable[A]) LogServerError(ctx context.Context, method, path string, err error) {
	slog.ErrorContext(ctx, "Serving request failed", "face", t.Face, "method", method, "path", path, "error", err)
}

// Override returns the override answering err (and what wraps it) with a.
func Override[A ErrorAnswer](err error, a A) ErrorOverride[A] {
	return ErrorOverride[A]{Err: err, Answer: a}
}
