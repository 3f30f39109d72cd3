package server

import (
	"net/http"

	"github.com/chat-operator/chat-operator/chatserver/face/jmessage"
	"github.com/chat-operator/chat-operator/chatserver/face/platform"
	"github.com/chat-operator/chat-operator/chatserver/face/sealtalk"
	"github.com/chat-operator/chat-operator/chatserver/face/ws"
)

// envelope is how one face answers a request that none of its handlers
// took: an unmatched route, or a path or query refused before routing.
type envelope struct {
	owns  func(path string) bool
	write func(w http.ResponseWriter, status int, message string)
}

// envelopes lists the faces by the paths they own; the admin API, which
// owns /v1, /v2 and everything else, answers the rest.
var envelopes = []envelope{
	{platform.Owns, platform.WriteStatusError},
	{sealtalk.Owns, sealtalk.WriteStatusError},
	{ws.Owns, ws.WriteStatusError},
}

// writeStatusError answers in the envelope of the face path belongs to;
// an empty message is the status text.
func writeStatusError(w http.ResponseWriter, path string, status int, message string) {
	for _, e := range envelopes {
		if e.owns(path) {
			e.write(w, status, message)
			return
		}
	}
	jmessage.WriteStatusError(w, status, message)
}
