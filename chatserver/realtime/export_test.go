package realtime

import "github.com/chat-operator/chat-operator/chatserver/core"

// NewUnsubscribedHub is a hub that hears only what a test delivers.
func NewUnsubscribedHub(svc *core.Service, queueSize int) *Hub {
	h := &Hub{svc: svc, queueSize: queueSize, sessions: make(map[userKey][]*Session)}
	if svc != nil {
		h.log = svc.NewUserLog()
	}
	return h
}

// Deliver pushes d to the user's sessions, as an event or a replica would.
func (h *Hub) Deliver(d core.Delivery) { h.deliver(d) }
