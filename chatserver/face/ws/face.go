// Package ws is the WebSocket gateway, GET /apps/{appKey}/ws: end users'
// sessions receive their events in real time and catch up on what they
// missed, and send messages. The frame protocol is in README.md
// ("WebSocket gateway"); the rules behind every frame are the core's.
package ws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/face/httpio"
	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/realtime"
)

// Defaults for Options.
const (
	DefaultPingInterval = 30 * time.Second
	DefaultPongTimeout  = 10 * time.Second
	DefaultWriteTimeout = 10 * time.Second
	// DefaultMaxConnsPerUser caps one user's open connections: enough for
	// every device and a few tabs, not enough for one account to exhaust a
	// replica.
	DefaultMaxConnsPerUser = 16
	// readLimit caps one client frame; message bodies are capped far
	// lower by the app's limits.
	readLimit = 256 << 10
	// statusSessionRevoked closes a connection whose session ended.
	statusSessionRevoked = websocket.StatusCode(4001)
	// statusAppDisabled closes a connection whose tenant was disabled or
	// purged: reconnecting cannot help.
	statusAppDisabled = websocket.StatusCode(4003)
	// statusTooManyConns closes a connection over the user's cap at once.
	// The upgrade is accepted first: a browser cannot read the status of a
	// refused handshake, only a close code.
	statusTooManyConns = websocket.StatusCode(4008)
	// closeGrace is how long a close frame with a reason may take before
	// the connection is dropped (a slow consumer's socket may be full).
	closeGrace = time.Second
)

// Identity is who a connection belongs to.
type Identity struct {
	App      model.App
	UserID   int64
	Username string
	Device   string
	// SessionID is the login session the token names; a forced logout of
	// it closes the connection.
	SessionID int64
	// Expires is when the session ends (zero: never); the heartbeat
	// closes the connection then.
	Expires time.Time
}

// Authenticator resolves a session token for a tenant. It returns an error
// for an unknown, expired, revoked or other tenant's token.
type Authenticator func(ctx context.Context, appKey, token string) (Identity, error)

// Option customises the face.
type Option func(*Face)

// WithHeartbeat sets how often the server pings and how long a pong may
// take before the session is closed as dead.
func WithHeartbeat(interval, timeout time.Duration) Option {
	return func(f *Face) { f.pingInterval, f.pongTimeout = interval, timeout }
}

// WithAuthenticator replaces session-token authentication.
func WithAuthenticator(a Authenticator) Option { return func(f *Face) { f.auth = a } }

// WithHub uses hub instead of a new one.
func WithHub(h *realtime.Hub) Option { return func(f *Face) { f.hub = h } }

// WithMaxConnsPerUser caps a user's open connections (default
// DefaultMaxConnsPerUser); n <= 0 means no cap. On PostgreSQL the other
// replicas' connections count too, as their presence record has them.
func WithMaxConnsPerUser(n int) Option { return func(f *Face) { f.maxConns = n } }

// Face serves the gateway.
type Face struct {
	svc          *core.Service
	hub          *realtime.Hub
	auth         Authenticator
	pingInterval time.Duration
	pongTimeout  time.Duration
	beats        *heartbeats
	writeTimeout time.Duration
	// presence records open connections for userstat's "online".
	presence *core.Presence
	maxConns int

	// live counts connections until their end has run (close frame sent,
	// presence updated), so Close can wait for them; once closing is set
	// no connection joins it.
	mu      sync.Mutex
	closing bool
	live    sync.WaitGroup
}

// New returns the gateway. Without WithHub it starts a hub on svc's event
// bus; create one gateway (or hub) per service.
func New(svc *core.Service, opts ...Option) *Face {
	f := &Face{svc: svc, pingInterval: DefaultPingInterval, pongTimeout: DefaultPongTimeout,
		writeTimeout: DefaultWriteTimeout, maxConns: DefaultMaxConnsPerUser}
	f.auth = f.sessionToken
	for _, o := range opts {
		o(f)
	}
	if f.hub == nil {
		f.hub = realtime.NewHub(svc)
	}
	f.beats = &heartbeats{interval: f.pingInterval, timeout: f.pongTimeout}
	f.presence = svc.NewPresence(0)
	return f
}

// Hub is the hub the face delivers from.
func (f *Face) Hub() *realtime.Hub { return f.hub }

// Close closes every session (1001 going away) and takes this replica's
// connections off the presence record, for a graceful shutdown. It
// returns once that is done (each close frame waits closeGrace at most),
// so the caller may close the store next. Connections that arrive later
// are closed with 1001 at once.
func (f *Face) Close() {
	f.mu.Lock()
	f.closing = true
	f.mu.Unlock()
	f.hub.Close()
	f.live.Wait()
	f.presence.Close()
}

// enter counts a new connection in live, unless the face is closing.
func (f *Face) enter() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closing {
		return false
	}
	f.live.Add(1)
	return true
}

// Register mounts the gateway on mux.
func (f *Face) Register(mux httpio.Mux) {
	mux.HandleFunc("GET /apps/{appKey}/ws", f.serve)
}

// token is the bearer token or the token query parameter.
func token(r *http.Request) string {
	if h := r.Header.Get("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return r.URL.Query().Get("token")
}

func (f *Face) serve(w http.ResponseWriter, r *http.Request) {
	tok := token(r)
	if tok == "" {
		httpError(w, http.StatusUnauthorized, codeUnauthorized, "a session token is required")
		return
	}
	id, err := f.auth(r.Context(), r.PathValue("appKey"), tok)
	if err != nil {
		code, status, msg := describe(err)
		if status >= http.StatusInternalServerError {
			errorTable.LogServerError(r.Context(), r.Method, r.URL.Path, err)
		}
		httpError(w, status, code, msg)
		return
	}
	since, err := f.since(r, id)
	if err != nil {
		httpError(w, http.StatusBadRequest, codeInvalid, err.Error())
		return
	}
	elsewhere := f.connsElsewhere(r.Context(), id)
	// Origins are not checked: the gateway authenticates by an explicit
	// token, never by a cookie, so a foreign page cannot ride a session.
	if msg := handshakeProblem(r); msg != "" {
		// websocket.Accept would answer it in plain text; clients of
		// the gateway read its JSON errors.
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Connection", "Upgrade")
		httpError(w, http.StatusUpgradeRequired, codeInvalid, msg)
		return
	}
	conn, err := websocket.Accept(smallBuffers{w}, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		return // Accept answered the client
	}
	conn.SetReadLimit(readLimit)
	if !f.enter() {
		closeConn(conn, websocket.StatusGoingAway, "server shutting down")
		return
	}
	limit := 0 // no cap
	if f.maxConns > 0 {
		limit = f.maxConns - elsewhere
	}
	var sess *realtime.Session
	ok := f.maxConns <= 0 || limit > 0
	if ok {
		sess, ok = f.hub.RegisterAtMost(id.App.ID, id.UserID, limit)
	}
	if !ok {
		f.live.Done()
		closeConn(conn, statusTooManyConns, "too many connections for this user")
		return
	}
	// A copy of the token, so the request's header is not kept alive.
	c := &connection{face: f, conn: conn, id: id, token: strings.Clone(tok), sess: sess}
	// The handler returns: the connection lives on its reader goroutine,
	// and net/http's per-request state (buffers, request, a deep stack)
	// is freed.
	c.start(since)
}

// connsElsewhere is how many connections the user holds on other
// replicas, for the cap. A failed count counts none: a passing database
// error should not lock users out.
func (f *Face) connsElsewhere(ctx context.Context, id Identity) int {
	if f.maxConns <= 0 {
		return 0
	}
	n, err := f.presence.Elsewhere(ctx, id.App.ID, id.UserID)
	if err != nil {
		slog.WarnContext(ctx, "Counting a user's gateway connections on other replicas", "app", id.App.Key, "err", err)
		return 0
	}
	return n
}

// since is where the replay starts: ?since=, else the device's last ack.
func (f *Face) since(r *http.Request, id Identity) (int64, error) {
	if v := r.URL.Query().Get("since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, errors.New("since must be a sequence number")
		}
		return n, nil
	}
	return f.svc.UserEventAck(r.Context(), id.App.ID, id.UserID, id.Device)
}

// connection is one accepted WebSocket. An idle one has one goroutine,
// its reader; the session's goroutine runs only while there is something
// to send, and the heartbeat is the face's shared ticker.
type connection struct {
	face  *Face
	conn  *websocket.Conn
	id    Identity
	token string
	sess  *realtime.Session
	// closed is set once the connection is ending: writes fail fast. No
	// per-connection context: it would keep a table of children for every
	// idle connection; closing the socket aborts whatever is in flight.
	closed  atomic.Bool
	endOnce sync.Once
	// beatSlot is the connection's heartbeat slot; beating is set while a
	// ping is in flight.
	beatSlot int
	beating  atomic.Bool
	beats    int // heartbeats so far; only beat, one at a time, uses it

	// own counts the client_msg_ids this connection sent whose copy in the
	// user's own log has not come back yet: the stream skips that copy
	// (the sender got "sent"), other sessions of the user show it.
	ownMu sync.Mutex
	own   map[string]int
}

// expectOwn notes a send before it is stored, so its own copy, however
// early it arrives, is recognised.
func (c *connection) expectOwn(clientMsgID string) {
	c.ownMu.Lock()
	defer c.ownMu.Unlock()
	if c.own == nil {
		c.own = make(map[string]int)
	}
	c.own[clientMsgID]++
}

// forgetOwn drops a note for a send that stored nothing (an error or a
// duplicate).
func (c *connection) forgetOwn(clientMsgID string) {
	c.ownMu.Lock()
	defer c.ownMu.Unlock()
	if c.own[clientMsgID] <= 1 {
		delete(c.own, clientMsgID)
	} else {
		c.own[clientMsgID]--
	}
}

var clientMsgIDField = []byte(`"client_msg_id":`)

// isOwnCopy reports whether d is the user's own copy of a message this
// connection sent, and forgets the note.
func (c *connection) isOwnCopy(d core.Delivery) bool {
	if d.Kind != core.EventMessage || !bytes.Contains(d.Payload, clientMsgIDField) {
		return false
	}
	c.ownMu.Lock()
	pending := len(c.own)
	c.ownMu.Unlock()
	if pending == 0 {
		return false
	}
	var p struct {
		ClientMsgID string `json:"client_msg_id"`
	}
	if json.Unmarshal(d.Payload, &p) != nil || p.ClientMsgID == "" {
		return false
	}
	c.ownMu.Lock()
	defer c.ownMu.Unlock()
	if c.own[p.ClientMsgID] == 0 {
		return false
	}
	if c.own[p.ClientMsgID]--; c.own[p.ClientMsgID] == 0 {
		delete(c.own, p.ClientMsgID)
	}
	return true
}

var (
	errHeartbeat = errors.New("heartbeat timeout")
	// errRevoked: the session's token was revoked (logout, password
	// change) or expired while the connection was open.
	errRevoked = errors.New("session revoked")
	// errPeerGone wraps read and write failures: the client left or the
	// connection broke.
	errPeerGone = errors.New("connection lost")
	// errAppDisabled and errAppDeleted: the tenant was disabled or purged
	// while the connection was open.
	errAppDisabled = errors.New("app disabled")
	errAppDeleted  = errors.New("app deleted")
)

// start replays and follows the user's events on the registered session,
// starts the heartbeat and the reader, and returns.
func (c *connection) start(since int64) {
	ctx := context.Background()
	c.face.presence.Connected(c.id.App.ID, c.id.UserID, c.id.Device)
	c.face.beats.add(c)
	c.sess.Start(since, c.emit(ctx), c.end)
	go c.readFrames()
}

// end ends the connection once, for the first reason given. It never
// blocks: the session may call it from a publisher's goroutine.
func (c *connection) end(err error) {
	c.endOnce.Do(func() {
		c.closed.Store(true)
		go func() {
			c.face.beats.remove(c)
			c.close(err)
			c.sess.Close()
			c.face.presence.Disconnected(c.id.App.ID, c.id.UserID, c.id.Device)
			c.face.live.Done()
		}()
	})
}

// close ends the connection with a close frame saying why, when the peer
// can still take one.
func (c *connection) close(err error) {
	code, reason := websocket.StatusInternalError, "internal error"
	switch {
	case errors.Is(err, realtime.ErrSlowConsumer):
		code, reason = websocket.StatusPolicyViolation, "slow consumer"
	case errors.Is(err, errRevoked):
		code, reason = statusSessionRevoked, "session revoked"
	case errors.Is(err, errAppDisabled), errors.Is(err, errAppDeleted):
		code, reason = statusAppDisabled, err.Error()
	case errors.Is(err, errInvalidUTF8):
		code, reason = websocket.StatusInvalidFramePayloadData, "invalid UTF-8"
	case errors.Is(err, realtime.ErrHubClosed):
		code, reason = websocket.StatusGoingAway, "server shutting down"
	case errors.Is(err, errHeartbeat), errors.Is(err, errPeerGone), errors.Is(err, context.Canceled):
		// The peer is gone or already closed.
		_ = c.conn.CloseNow()
		return
	default:
		slog.Error("Gateway session failed", "app", c.id.App.Key, "user", c.id.Username, "err", err)
	}
	closeConn(c.conn, code, reason)
}

// closeConn sends a close frame and waits closeGrace at most for the
// handshake, then drops the connection.
func closeConn(conn *websocket.Conn, code websocket.StatusCode, reason string) {
	done := make(chan struct{})
	go func() {
		_ = conn.Close(code, reason)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeGrace):
	}
	// Closing the socket aborts a write blocked on a full one, which drops
	// the connection.
	_ = conn.CloseNow()
	<-done
}

// write sends one frame.
func (c *connection) write(ctx context.Context, frame []byte) error {
	if c.closed.Load() {
		return fmt.Errorf("%w: the connection is closing", errPeerGone)
	}
	wctx, cancel := context.WithTimeout(ctx, c.face.writeTimeout)
	defer cancel()
	if err := c.conn.Write(wctx, websocket.MessageText, frame); err != nil {
		return fmt.Errorf("%w: %w", errPeerGone, err)
	}
	return nil
}

func (c *connection) writeJSON(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.write(ctx, b)
}

// emit turns deliveries into message and event frames.
func (c *connection) emit(ctx context.Context) func(core.Delivery) error {
	return func(d core.Delivery) error {
		if d.Kind == core.EventForcedLogout {
			return c.forcedLogout(ctx, d)
		}
		if c.isOwnCopy(d) {
			return nil
		}
		return c.write(ctx, deliveryFrame(d))
	}
}

// forcedLogout ends the connection if d names its session, or all of
// them (a deleted user, a disabled or purged app): it sends a
// forced_logout event saying why, then the stream ends with errRevoked
// (close 4001) or, for the app, errAppDisabled or errAppDeleted (close
// 4003). Other sessions of the user ignore it.
func (c *connection) forcedLogout(ctx context.Context, d core.Delivery) error {
	var p core.LogoutPayload
	if err := json.Unmarshal(d.Payload, &p); err != nil || !p.All && !slices.Contains(p.Sessions, c.id.SessionID) {
		return nil
	}
	if err := c.writeJSON(ctx, logoutFrame{Type: frameEvent, Event: eventForcedLogout, Reason: p.Reason}); err != nil {
		return err
	}
	switch p.Reason {
	case core.LogoutReasonAppDisabled:
		return errAppDisabled
	case core.LogoutReasonAppDeleted:
		return errAppDeleted
	}
	return errRevoked
}
