package ws

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
)

// heartbeatSlots spreads a face's connections over the ping interval: a
// tick every interval/heartbeatSlots pings one slot's connections.
const heartbeatSlots = 16

// heartbeats pings every open connection of a face once per interval from
// one ticker goroutine (running only while there are connections), so a
// connection costs a map entry for it, not a timer of its own. Each ping
// also re-checks the session token.
type heartbeats struct {
	interval, timeout time.Duration

	mu      sync.Mutex
	slots   [heartbeatSlots]map[*connection]struct{}
	next    int // the slot the next connection joins
	count   int
	running bool
}

// add starts pinging c.
func (h *heartbeats) add(c *connection) {
	h.mu.Lock()
	defer h.mu.Unlock()
	slot := h.next
	h.next = (h.next + 1) % heartbeatSlots
	if h.slots[slot] == nil {
		h.slots[slot] = make(map[*connection]struct{})
	}
	h.slots[slot][c] = struct{}{}
	c.beatSlot = slot
	h.count++
	if !h.running {
		h.running = true
		go h.run()
	}
}

// remove stops pinging c.
func (h *heartbeats) remove(c *connection) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.slots[c.beatSlot][c]; ok {
		delete(h.slots[c.beatSlot], c)
		h.count--
	}
}

// run ticks until no connection is left.
func (h *heartbeats) run() {
	t := time.NewTicker(max(h.interval/heartbeatSlots, time.Millisecond))
	defer t.Stop()
	for slot := 0; ; slot = (slot + 1) % heartbeatSlots {
		<-t.C
		h.mu.Lock()
		if h.count == 0 {
			h.running = false
			h.mu.Unlock()
			return
		}
		due := make([]*connection, 0, len(h.slots[slot]))
		for c := range h.slots[slot] {
			due = append(due, c)
		}
		h.mu.Unlock()
		for _, c := range due {
			if c.beating.CompareAndSwap(false, true) {
				go c.beat(h.timeout)
			}
		}
	}
}

// tokenRecheck: every this many heartbeats a connection's token is read
// again. A revocation reaches the connection at once (forced_logout); the
// re-read only covers a lost notification, so it need not cost a query
// per ping. The session's expiry is checked at every beat, without one.
const tokenRecheck = 10

// beat pings the client and checks the session: expired, or (every
// tokenRecheck beats) revoked, or its app disabled or gone (a purged
// app's tokens are unknown). A missing pong or an ended session ends the
// connection.
func (c *connection) beat(timeout time.Duration) {
	defer c.beating.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := c.conn.Ping(ctx)
	c.beats++
	switch {
	case err != nil:
	case !c.id.Expires.IsZero() && !time.Now().Before(c.id.Expires):
		err = core.ErrSessionInvalid
	case c.beats%tokenRecheck == 0:
		_, err = c.face.auth(ctx, c.id.App.Key, c.token)
		if !errors.Is(err, core.ErrSessionInvalid) && !errors.Is(err, core.ErrAppDisabled) {
			err = nil // a passing database error is no reason to hang up
		}
	}
	switch {
	case c.closed.Load():
	case errors.Is(err, core.ErrAppDisabled):
		// The notice that closes these at once was lost; say why anyway.
		_ = c.writeJSON(context.Background(), logoutFrame{Type: frameEvent, Event: eventForcedLogout,
			Reason: core.LogoutReasonAppDisabled})
		c.end(errAppDisabled)
	case errors.Is(err, core.ErrSessionInvalid):
		c.end(errRevoked)
	case err != nil:
		c.end(errHeartbeat)
	}
}
