package core

import (
	"context"
	"sync"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// EventKind names what happened.
type EventKind string

const (
	EventMessage        EventKind = "message"
	EventRetract        EventKind = "message.retract"
	EventMembersAdded   EventKind = "group.members_added"
	EventMembersRemoved EventKind = "group.members_removed"
	EventGroupDissolved EventKind = "group.dissolved"
	EventFriendAdded    EventKind = "friend.added"
	EventFriendRemoved  EventKind = "friend.removed"
	EventFriendUpdated  EventKind = "friend.updated"
	// EventForcedLogout ends sessions that were revoked (logout, password
	// change, forbidden or deleted user, disabled or purged app). It is
	// live only: it concerns connections, not the log.
	EventForcedLogout EventKind = "forced_logout"
	// EventGap is never published: a session's stream emits it when
	// events it should replay were pruned (see GapPayload).
	EventGap EventKind = "gap"
)

// WholeApp, as a live-only Recipient's or Delivery's UserID, stands for
// every user of the app: a disabled or purged tenant's connections are
// closed with one delivery, not one per user.
const WholeApp int64 = 0

// Recipient is a user an event goes to.
type Recipient struct {
	UserID int64
	AppID  int64
	// Notify is false when the user silenced the sender, the group or
	// everything (no-disturb), or the sender asked for no notification:
	// the event is still delivered, without an alert.
	Notify bool
	// Offline is true when the event must wait for a user who is not
	// connected (false for no_offline messages and chatrooms).
	Offline bool
	// Self marks the sender's own copy of a message or retract, for the
	// sender's other devices: no alert, and the client_msg_id if any.
	Self bool
	// Payload, when set, replaces the event's payload for this recipient
	// (events that read differently per side, such as friend changes).
	Payload []byte
}

// Event is something end users must hear about. The core publishes events
// after the write that causes them commits; the real-time layer delivers
// them.
type Event struct {
	Kind       EventKind
	AppID      int64
	AppKey     string
	Recipients []Recipient
	// Sender, for messages and retracts, is the sender's own copy (Self
	// set), for the sender's other devices; it is not one of Recipients.
	Sender *Recipient
	// Message is set for message and retract events.
	Message *model.Message
	// ClientMsgID is the gateway send's client_msg_id, for the sender's
	// own copy.
	ClientMsgID string
	// Group and Members (usernames) are set for group events.
	Group   *model.Group
	Members []string
	// Sessions and Reason are set for forced logouts: the ids of the
	// sessions that ended, and why (the LogoutReason constants).
	// AllSessions ends every session of the recipients instead: the user
	// or the app (WholeApp) is gone, whichever sessions it had.
	Sessions    []int64
	Reason      string
	AllSessions bool
	At          time.Time
	// Recorded is set when the core wrote the event into its recipients'
	// logs itself, in the transaction of its cause (messages); Deliveries
	// then holds one numbered (where stored) delivery per recipient, and
	// the real-time layer must not record it again.
	Recorded   bool
	Deliveries []Delivery
}

// Bus fans events out to subscribers in process. Subscribers run on the
// publisher's goroutine, so they must hand work off rather than block.
type Bus struct {
	mu   sync.RWMutex
	next int
	subs map[int]func(context.Context, Event)
}

func newBus() *Bus { return &Bus{subs: make(map[int]func(context.Context, Event))} }

// Subscribe registers fn for every event; the returned func unregisters it.
func (b *Bus) Subscribe(fn func(context.Context, Event)) (unsubscribe func()) {
	b.mu.Lock()
	id := b.next
	b.next++
	b.subs[id] = fn
	b.mu.Unlock()
	return func() {
		b.mu.Lock()
		delete(b.subs, id)
		b.mu.Unlock()
	}
}

// Publish hands ev to every subscriber.
func (b *Bus) Publish(ctx context.Context, ev Event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, fn := range b.subs {
		fn(ctx, ev)
	}
}

// everyone is the recipients plus the sender's own copy, if any.
func (ev Event) everyone() []Recipient {
	if ev.Sender == nil {
		return ev.Recipients
	}
	return append(ev.Recipients[:len(ev.Recipients):len(ev.Recipients)], *ev.Sender)
}
