package server

import (
	"io"
	"net/http"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
)

// DefaultBodyReadTimeout is how long a request's body may take to arrive
// unless configured otherwise: time for the largest upload on a slow
// mobile link, not for a client that sends its headers and then trickles
// a byte a minute to hold a connection and a goroutine for ever.
const DefaultBodyReadTimeout = 2 * time.Minute

// withBodyDeadline gives every request body a read deadline of d from when
// its headers were read (http.Server's ReadTimeout would cover the
// headers too, and WebSocket sessions, which must not end). When the body
// has been read to its end the deadline is lifted again, so the server's
// watch for a client hanging up, which reads the connection while the
// handler runs, does not cancel a slow handler. A body cut off by the
// deadline reads as an error, which the faces answer 400 (httpio's
// ErrSlowBody), and the connection is closed.
func withBodyDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d <= 0 || r.Body == nil || r.Body == http.NoBody || httpio.HeaderHasToken(r.Header, "Connection", "upgrade") {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if err := rc.SetReadDeadline(time.Now().Add(d)); err != nil {
			// A writer without deadlines (a test recorder): nothing
			// to bound.
			next.ServeHTTP(w, r)
			return
		}
		r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		next.ServeHTTP(w, r)
	})
}

// deadlineBody lifts the read deadline once the body has been read to its
// end.
type deadlineBody struct {
	io.ReadCloser
	rc     *http.ResponseController
	lifted bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.lifted {
		b.lifted = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}
