package ws

import (
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
)

// handshakeProblem says what makes r not a WebSocket opening handshake
// (RFC 6455 section 4.2.1), or "" when it is one.
func handshakeProblem(r *http.Request) string {
	switch {
	case !httpio.HeaderHasToken(r.Header, "Connection", "upgrade"):
		return `a WebSocket handshake is required: Connection must contain "Upgrade"`
	case !httpio.HeaderHasToken(r.Header, "Upgrade", "websocket"):
		return `a WebSocket handshake is required: Upgrade must be "websocket"`
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return "a WebSocket handshake is required: Sec-WebSocket-Version must be 13"
	case r.Header.Get("Sec-WebSocket-Key") == "":
		return "a WebSocket handshake is required: Sec-WebSocket-Key is missing"
	}
	return ""
}
