package core

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// Delivery is one event for one user, as the real-time layer hands it to
// the user's sessions.
type Delivery struct {
	AppID, UserID int64
	// Seq is the event's place in the user's log; 0 for an event that is
	// delivered live only (no_offline messages, chatrooms) and never
	// replayed. A Delivery with a Seq and no Payload is a wake-up: "the log
	// has grown to Seq", and the payload is read from the log.
	Seq     int64
	Kind    EventKind
	Payload []byte // a JSON object, see MessagePayload and friends
}

// MessagePayload is a message in a user's event log. The gateway sends it
// as is, so its names follow /v1/messages.
type MessagePayload struct {
	MsgID        int64           `json:"msg_id"`
	MsgCtime     int64           `json:"msg_ctime"`
	TargetType   string          `json:"target_type"`
	TargetID     string          `json:"target_id"`
	TargetName   string          `json:"target_name,omitempty"`
	TargetAppKey string          `json:"target_appkey,omitempty"`
	FromID       string          `json:"from_id"`
	FromName     string          `json:"from_name,omitempty"`
	FromAppKey   string          `json:"from_appkey"`
	MsgType      string          `json:"msg_type"`
	MsgBody      json.RawMessage `json:"msg_body"`
	Notification json.RawMessage `json:"notification,omitempty"`
	// Notify is per recipient: false when the event must arrive without
	// an alert (no-disturb, no_notification, the sender's own copy).
	Notify bool `json:"notify"`
	// ClientMsgID is set on the sender's own copy of a message sent from
	// the gateway, so the sending device can match it to its send.
	ClientMsgID string `json:"client_msg_id,omitempty"`
}

// RetractPayload names a retracted message.
type RetractPayload struct {
	MsgID      int64  `json:"msg_id"`
	TargetType string `json:"target_type"`
	TargetID   string `json:"target_id"`
	FromID     string `json:"from_id"`
	FromAppKey string `json:"from_appkey"`
}

// GroupPayload is a group membership change.
type GroupPayload struct {
	GroupID   int64    `json:"group_id"`
	GroupName string   `json:"group_name"`
	Members   []string `json:"members"`
}

// LogoutPayload names the sessions a forced logout ends, or All of the
// recipient's (every session of the user, or of the app for WholeApp).
// The gateway closes those connections and tells each why; the ids never
// reach the client.
type LogoutPayload struct {
	Reason   string  `json:"reason"`
	Sessions []int64 `json:"sessions"`
	All      bool    `json:"all,omitempty"`
}

// GapPayload names the seqs a client missed because they were pruned
// (older than the retention): FromSeq to ToSeq, inclusive.
type GapPayload struct {
	FromSeq int64 `json:"from_seq"`
	ToSeq   int64 `json:"to_seq"`
}

// userEventPage is how many events one replay read returns at most.
const userEventPage = 200

// UserLog writes events into their recipients' logs. Concurrent Record
// calls share one transaction (group commit): whoever finds no write in
// progress writes every waiting request in one batch, so a 500-member
// group message is one numbering upsert plus one multi-row insert, and a
// burst of sends costs few commits. Create one per process with
// Service.NewUserLog; it has no goroutine to stop.
type UserLog struct {
	svc     *Service
	mu      sync.Mutex
	pending []*logReq
	writing bool
}

type logReq struct {
	rows []store.UserEvent
	err  error
	done chan struct{}
}

// maxLogBatch caps the requests one transaction takes.
const maxLogBatch = 64

// NewUserLog returns the writer of users' event logs.
func (s *Service) NewUserLog() *UserLog { return &UserLog{svc: s} }

// Record stores the durable part of ev (recipients with Offline set) in
// each recipient's log and returns a Delivery per recipient, numbered
// where stored. On a storage error it still returns the deliveries,
// unnumbered, so online users hear of the event; the error says the log
// missed it.
func (l *UserLog) Record(ctx context.Context, ev Event) ([]Delivery, error) {
	payloads, err := eventPayloads(ev)
	if err != nil {
		return nil, err
	}
	all := ev.everyone()
	out := make([]Delivery, len(all))
	var rows []store.UserEvent
	var stored []int
	for i, r := range all {
		p := payloads[variant(r)]
		if r.Payload != nil {
			p = r.Payload
		}
		out[i] = Delivery{AppID: r.AppID, UserID: r.UserID, Kind: ev.Kind, Payload: p}
		if r.Offline {
			rows = append(rows, store.UserEvent{AppID: r.AppID, UserID: r.UserID, Kind: string(ev.Kind),
				Payload: string(p), Created: ev.At})
			stored = append(stored, i)
		}
	}
	if len(rows) == 0 {
		return out, nil
	}
	if err := l.append(rows); err != nil {
		return out, fmt.Errorf("recording %s for %d users: %w", ev.Kind, len(rows), err)
	}
	for j, i := range stored {
		out[i].Seq = rows[j].Seq
	}
	return out, nil
}

// storeMessage stores ev's message (its id is filled in) and, in the same
// transaction, one log row per recipient who keeps it (Offline), so the
// message is stored if and only if its events are, and the completion of
// the sender's client_msg_id claim, if any. It fills
// ev.Deliveries, numbered where stored, and sets ev.Recorded.
func (s *Service) storeMessage(ctx context.Context, ev *Event) error {
	m := ev.Message
	m.ID = 0
	// Payloads start {"msg_id":0, until the id is known.
	tmpl, err := eventPayloads(*ev)
	if err != nil {
		return err
	}
	all := ev.everyone()
	var stored []int
	for i, r := range all {
		if r.Offline {
			stored = append(stored, i)
		}
	}
	var rows func(int64) []store.UserEvent
	if len(stored) > 0 {
		rows = func(id int64) []store.UserEvent {
			var p [payloadVariants]string
			for v := range p {
				p[v] = string(withMsgID(tmpl[v], id))
			}
			out := make([]store.UserEvent, len(stored))
			for j, i := range stored {
				r := all[i]
				out[j] = store.UserEvent{AppID: r.AppID, UserID: r.UserID, Kind: string(ev.Kind),
					Payload: p[variant(r)], Created: ev.At}
			}
			return out
		}
	}
	var claim *store.ClientMsgClaim
	if ev.ClientMsgID != "" {
		claim = &store.ClientMsgClaim{AppID: m.AppID, UserID: m.FromID, ClientMsgID: ev.ClientMsgID}
	}
	id, evs, err := s.store.AppendMessageWithEvents(ctx, *m, rows, claim)
	if err != nil {
		return err
	}
	m.ID = id
	var p [payloadVariants][]byte
	for v := range p {
		p[v] = withMsgID(tmpl[v], id)
	}
	ev.Deliveries = make([]Delivery, len(all))
	for i, r := range all {
		ev.Deliveries[i] = Delivery{AppID: r.AppID, UserID: r.UserID, Kind: ev.Kind, Payload: p[variant(r)]}
	}
	for j, i := range stored {
		ev.Deliveries[i].Seq = evs[j].Seq
	}
	ev.Recorded = true
	return nil
}

// payloadVariants: an event's payload without an alert, with one, and
// the sender's own copy.
const payloadVariants = 3

// variant picks a recipient's payload from eventPayloads' variants.
func variant(r Recipient) int {
	switch {
	case r.Self:
		return 2
	case r.Notify:
		return 1
	}
	return 0
}

// msgIDZero is how a message payload encoded before its id is known
// starts; withMsgID puts the id in.
const msgIDZero = `{"msg_id":0`

func withMsgID(tmpl []byte, id int64) []byte {
	rest := tmpl[len(msgIDZero):]
	out := make([]byte, 0, len(tmpl)+20)
	out = append(out, `{"msg_id":`...)
	out = strconv.AppendInt(out, id, 10)
	return append(out, rest...)
}

// eventPayloads returns ev's payload without an alert, with one, and as
// the sender's own copy (see payloadVariants).
func eventPayloads(ev Event) ([payloadVariants][]byte, error) {
	var variants [payloadVariants]any
	switch ev.Kind {
	case EventMessage:
		m := ev.Message
		p := MessagePayload{
			MsgID: m.ID, MsgCtime: m.Created.UnixMilli(), TargetType: m.TargetType, TargetID: targetIDOf(*m),
			TargetName: m.TargetName, TargetAppKey: m.TargetAppKey, FromID: m.FromUsername, FromName: m.FromName,
			FromAppKey: ev.AppKey, MsgType: m.MsgType, MsgBody: json.RawMessage(m.Body),
		}
		if m.Notification != "" {
			p.Notification = json.RawMessage(m.Notification)
		}
		withAlert := p
		withAlert.Notify = true
		own := p
		own.ClientMsgID = ev.ClientMsgID
		variants = [payloadVariants]any{p, withAlert, own}
	case EventRetract:
		m := ev.Message
		p := RetractPayload{MsgID: m.ID, TargetType: m.TargetType, TargetID: targetIDOf(*m),
			FromID: m.FromUsername, FromAppKey: ev.AppKey}
		variants = [payloadVariants]any{p, p, p}
	case EventFriendAdded, EventFriendRemoved, EventFriendUpdated:
		// Each side reads differently: Recipient.Payload holds it.
		p := FriendPayload{Friends: []FriendRef{}}
		variants = [payloadVariants]any{p, p, p}
	case EventForcedLogout:
		p := LogoutPayload{Reason: ev.Reason, Sessions: ev.Sessions, All: ev.AllSessions}
		variants = [payloadVariants]any{p, p, p}
	default:
		p := GroupPayload{Members: ev.Members}
		if ev.Group != nil {
			p.GroupID, p.GroupName = ev.Group.ID, ev.Group.Name
		}
		if p.Members == nil {
			p.Members = []string{}
		}
		variants = [payloadVariants]any{p, p, p}
	}
	var out [payloadVariants][]byte
	for i, v := range variants {
		b, err := json.Marshal(v)
		if err != nil {
			return out, fmt.Errorf("encoding %s event: %w", ev.Kind, err)
		}
		out[i] = b
	}
	return out, nil
}

// targetIDOf is the target as /v1/messages names it: a username for a
// single message, the numeric id otherwise.
func targetIDOf(m model.Message) string {
	if m.TargetType == model.TargetSingle {
		return m.TargetName
	}
	return strconv.FormatInt(m.TargetID, 10)
}

// append queues rows and returns once they are committed (Seq filled) or
// failed. The first caller to find no write running writes.
func (l *UserLog) append(rows []store.UserEvent) error {
	r := &logReq{rows: rows, done: make(chan struct{})}
	l.mu.Lock()
	l.pending = append(l.pending, r)
	lead := !l.writing
	l.writing = true
	l.mu.Unlock()
	if lead {
		l.drain(r)
	}
	<-r.done
	return r.err
}

// drain writes waiting batches. Once its caller's own request is written
// it hands the rest to a fresh goroutine (own == nil: write until none
// wait), so no caller waits for others' writes longer than one batch.
func (l *UserLog) drain(own *logReq) {
	for {
		l.mu.Lock()
		n := min(len(l.pending), maxLogBatch)
		if n == 0 {
			l.writing = false
			l.mu.Unlock()
			return
		}
		batch := l.pending[:n:n]
		l.pending = l.pending[n:]
		l.mu.Unlock()
		l.write(batch)
		if own == nil {
			continue
		}
		select {
		case <-own.done:
			go l.drain(nil)
			return
		default:
		}
	}
}

// write commits one batch in one transaction. It runs on its own context:
// other callers' events are in it.
func (l *UserLog) write(batch []*logReq) {
	var all []store.UserEvent
	for _, r := range batch {
		all = append(all, r.rows...)
	}
	err := l.svc.store.Write(context.Background(), func(q *store.Q) error {
		return q.AppendUserEvents(context.Background(), all)
	})
	off := 0
	for _, r := range batch {
		if err == nil {
			copy(r.rows, all[off:off+len(r.rows)])
		}
		off += len(r.rows)
		r.err = err
		close(r.done)
	}
}

// UserEventsAfter returns a user's stored events with seq > after, in
// order, at most limit (0: a default page).
func (s *Service) UserEventsAfter(ctx context.Context, appID, userID, after int64, limit int) ([]Delivery, error) {
	if limit <= 0 || limit > userEventPage {
		limit = userEventPage
	}
	evs, err := s.store.Read().UserEventsAfter(ctx, appID, userID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("reading events of user %d after %d: %w", userID, after, err)
	}
	out := make([]Delivery, len(evs))
	for i, e := range evs {
		out[i] = Delivery{AppID: appID, UserID: userID, Seq: e.Seq, Kind: EventKind(e.Kind), Payload: []byte(e.Payload)}
	}
	return out, nil
}

// LastUserEventSeq is the newest seq in a user's log, 0 when empty.
func (s *Service) LastUserEventSeq(ctx context.Context, appID, userID int64) (int64, error) {
	seq, err := s.store.Read().LastUserEventSeq(ctx, appID, userID)
	if err != nil {
		return 0, fmt.Errorf("reading last event of user %d: %w", userID, err)
	}
	return seq, nil
}

// AckUserEvents records that a user's device holds every event up to seq.
// A seq past the user's last event is refused: stored, it would make the
// device's next resume skip the events that take those seqs later.
func (s *Service) AckUserEvents(ctx context.Context, appID, userID int64, device string, seq int64) error {
	if seq < 0 {
		return invalidf("seq must not be negative")
	}
	return s.store.Write(ctx, func(q *store.Q) error {
		last, err := q.LastUserEventSeq(ctx, appID, userID)
		if err != nil {
			return fmt.Errorf("reading the last event of user %d: %w", userID, err)
		}
		if seq > last {
			return invalidf("seq %d is past the last event, %d", seq, last)
		}
		return q.AckUserEvents(ctx, appID, userID, device, seq)
	})
}

// UserEventAck is the seq a user's device last acknowledged, 0 if none.
func (s *Service) UserEventAck(ctx context.Context, appID, userID int64, device string) (int64, error) {
	return s.store.Read().UserEventAck(ctx, appID, userID, device)
}
