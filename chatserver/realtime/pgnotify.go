package realtime

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// notifyChannel is the PostgreSQL channel replicas share events on,
// scoped to the database schema (store.ChannelFor).
const notifyChannel = "chatserver_events"

// notifyQueue bounds deliveries waiting to be sent to other replicas.
const notifyQueue = 4096

// PostgresNotifier shares deliveries between replicas on one PostgreSQL
// database with LISTEN/NOTIFY. A numbered delivery travels as a bare
// wake-up (app, user, seq): payloads are limited to 8000 bytes, and the
// receiving session reads the event from the shared log. A live-only
// delivery carries its payload; one too large for a notification reaches
// only sessions on the replica that published it.
//
// Publishing never waits for the database: deliveries queue for one
// sender goroutine, which packs them into as few notifications as fit. If
// the queue overflows, wake-ups are dropped; a user's next event (or a
// reconnect) fills the gap from the log.
type PostgresNotifier struct {
	st      *store.Store
	origin  string
	channel string
	queue   chan core.Delivery
}

// NewPostgresNotifier returns a notifier on st, which must be PostgreSQL.
// Its channel is scoped to st's schema: replicas of one deployment share
// it, and deployments in other schemas of the same database never hear
// it.
func NewPostgresNotifier(st *store.Store) *PostgresNotifier {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	channel, err := st.ChannelFor(ctx, notifyChannel)
	if err != nil {
		slog.Error("Scoping the replicas' channel to the schema failed; using the database-wide one", "err", err)
		channel = notifyChannel
	}
	n := &PostgresNotifier{st: st, origin: rand.Text()[:12], channel: channel, queue: make(chan core.Delivery, notifyQueue)}
	go n.send()
	return n
}

// notification is one NOTIFY payload.
type notification struct {
	Origin string       `json:"o"`
	Items  []notifyItem `json:"d"`
}

// notifyItem is a wake-up (App, User, Seq) or a live-only event with its
// payload once and every recipient in To, so a chatroom message does not
// repeat its payload per member.
type notifyItem struct {
	App     int64           `json:"a,omitempty"`
	User    int64           `json:"u,omitempty"`
	Seq     int64           `json:"s,omitempty"`
	Kind    string          `json:"k,omitempty"`
	Payload json.RawMessage `json:"p,omitempty"`
	To      [][2]int64      `json:"t,omitempty"`
}

// recipientBytes bounds one [app,user] pair in JSON.
const recipientBytes = 42

// Publish queues ds for the other replicas.
func (n *PostgresNotifier) Publish(_ context.Context, ds []core.Delivery) error {
	for _, d := range ds {
		select {
		case n.queue <- d:
		default:
			slog.Warn("Dropping a delivery for other replicas: the notify queue is full", "user", d.UserID, "seq", d.Seq)
		}
	}
	return nil
}

// send packs queued deliveries into notifications. It runs for the life
// of the process: the queue is never closed.
func (n *PostgresNotifier) send() {
	for d := range n.queue {
		batch := []core.Delivery{d}
	more:
		for len(batch) < 512 {
			select {
			case d := <-n.queue:
				batch = append(batch, d)
			default:
				break more
			}
		}
		for _, payload := range n.pack(batch) {
			if err := n.st.Notify(context.Background(), n.channel, payload); err != nil {
				slog.Error("Notifying other replicas failed", "err", err)
			}
		}
	}
}

// pack encodes deliveries into payloads under the NOTIFY limit.
func (n *PostgresNotifier) pack(ds []core.Delivery) []string {
	var out []string
	cur := notification{Origin: n.origin}
	size := 32
	flush := func() {
		if len(cur.Items) == 0 {
			return
		}
		out = append(out, string(encode(cur)))
		cur.Items, size = nil, 32
	}
	add := func(it notifyItem, bytes int) {
		if size+bytes+1 > store.NotifyPayloadMax {
			flush()
		}
		cur.Items = append(cur.Items, it)
		size += bytes + 1
	}
	// Live-only deliveries of one event share a payload.
	type liveGroup struct {
		kind    string
		payload []byte
		to      [][2]int64
	}
	var groups []*liveGroup
	byPayload := make(map[string]*liveGroup)
	for _, d := range ds {
		if d.Seq > 0 {
			it := notifyItem{App: d.AppID, User: d.UserID, Seq: d.Seq}
			add(it, len(encode(it)))
			continue
		}
		key := string(d.Kind) + "\x00" + string(d.Payload)
		g := byPayload[key]
		if g == nil {
			g = &liveGroup{kind: string(d.Kind), payload: d.Payload}
			byPayload[key] = g
			groups = append(groups, g)
		}
		g.to = append(g.to, [2]int64{d.AppID, d.UserID})
	}
	for _, g := range groups {
		base := len(g.payload) + len(g.kind) + 64
		per := (store.NotifyPayloadMax - 32 - base) / recipientBytes
		if per < 1 {
			slog.Warn("A live-only event is too large to share with other replicas", "kind", g.kind, "bytes", len(g.payload))
			continue
		}
		for len(g.to) > 0 {
			k := min(per, len(g.to))
			it := notifyItem{Kind: g.kind, Payload: g.payload, To: g.to[:k]}
			g.to = g.to[k:]
			add(it, base+k*recipientBytes)
		}
	}
	flush()
	return out
}

// Listen delivers other replicas' notifications until ctx ends or the
// store closes.
func (n *PostgresNotifier) Listen(ctx context.Context, deliver func(core.Delivery)) error {
	return n.st.Listen(ctx, n.channel, func(payload string) {
		var msg notification
		if err := json.Unmarshal([]byte(payload), &msg); err != nil {
			slog.Warn("Ignoring a malformed notification from another replica", "err", err)
			return
		}
		if msg.Origin == n.origin {
			return
		}
		for _, it := range msg.Items {
			if it.Seq > 0 {
				deliver(core.Delivery{AppID: it.App, UserID: it.User, Seq: it.Seq})
				continue
			}
			for _, to := range it.To {
				deliver(core.Delivery{AppID: to[0], UserID: to[1], Kind: core.EventKind(it.Kind), Payload: it.Payload})
			}
		}
	})
}

// encode is json.Marshal without HTML escaping, so a payload's size on
// the wire is its size in the log.
func encode(v any) []byte {
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	_ = e.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
