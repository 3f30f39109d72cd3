package realtime

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// notifyChannel is the PostgreSQL channel replicas share events on.
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
	st     *store.Store
	origin string
	queue  chan core.Delivery
}

// NewPostgresNotifier returns a notifier on st, which must be PostgreSQL.
func NewPostgresNotifier(st *store.Store) *PostgresNotifier {
	n := &PostgresNotifier{st: st, origin: rand.Text()[:12], queue: make(chan core.Delivery, notifyQueue)}
	go n.send()
	return n
}

// notification is one NOTIFY payload.
type notification struct {
	Origin string       `json:"o"`
	Items  []notifyItem `json:"d"`
}

type notifyItem struct {
	App     int64           `json:"a"`
	User    int64           `json:"u"`
	Seq     int64           `json:"s,omitempty"`
	Kind    string          `json:"k,omitempty"`
	Payload json.RawMessage `json:"p,omitempty"`
}

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
			if err := n.st.Notify(context.Background(), notifyChannel, payload); err != nil {
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
		b, _ := json.Marshal(cur)
		out = append(out, string(b))
		cur.Items, size = nil, 32
	}
	for _, d := range ds {
		it := notifyItem{App: d.AppID, User: d.UserID, Seq: d.Seq}
		if d.Seq == 0 {
			it.Kind, it.Payload = string(d.Kind), d.Payload
		}
		b, _ := json.Marshal(it)
		if len(b)+32 > store.NotifyPayloadMax {
			slog.Warn("A live-only event is too large to share with other replicas", "user", d.UserID, "bytes", len(b))
			continue
		}
		if size+len(b)+1 > store.NotifyPayloadMax {
			flush()
		}
		cur.Items = append(cur.Items, it)
		size += len(b) + 1
	}
	flush()
	return out
}

// Listen delivers other replicas' notifications until ctx ends or the
// store closes.
func (n *PostgresNotifier) Listen(ctx context.Context, deliver func(core.Delivery)) error {
	return n.st.Listen(ctx, notifyChannel, func(payload string) {
		var msg notification
		if err := json.Unmarshal([]byte(payload), &msg); err != nil {
			slog.Warn("Ignoring a malformed notification from another replica", "err", err)
			return
		}
		if msg.Origin == n.origin {
			return
		}
		for _, it := range msg.Items {
			d := core.Delivery{AppID: it.App, UserID: it.User, Seq: it.Seq, Kind: core.EventKind(it.Kind)}
			if it.Seq == 0 {
				d.Payload = it.Payload
			}
			deliver(d)
		}
	})
}
