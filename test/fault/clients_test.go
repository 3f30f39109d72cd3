package fault

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// callTimeout bounds every HTTP call and every wait for a gateway answer:
// a guard against hangs, never a measure of speed.
const callTimeout = 30 * time.Second

// httpClient keeps connections alive, as a tenant's backend would.
var httpClient = &http.Client{Timeout: callTimeout}

// answer is a finished HTTP exchange.
type answer struct {
	status int
	body   []byte
}

// call sends one request with a JSON body (nil for none).
func call(ctx context.Context, method, url string, auth func(*http.Request), body any) (answer, error) {
	r, err := testutil.Call(ctx, httpClient, method, url, auth, body)
	return answer{status: r.Status, body: r.Body}, err
}

// getStatus is the status of a GET, 0 on a transport error.
func getStatus(url string) (int, error) {
	a, err := call(context.Background(), http.MethodGet, url, nil, nil)
	return a.status, err
}

// adminEnvelope reports whether body is the admin API's error envelope,
// {"error":{"code":8990xx,"message":"..."}}.
func adminEnvelope(body []byte) bool {
	var e struct {
		Error *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	return json.Unmarshal(body, &e) == nil && e.Error != nil && e.Error.Code != 0 && e.Error.Message != ""
}

// tenant is one app on the servers under test.
type tenant struct {
	key, secret string
}

func (tn tenant) basic(r *http.Request) { r.SetBasicAuth(tn.key, tn.secret) }

// createTenant registers an app through the platform API and its users
// through the admin API.
func createTenant(t *testing.T, baseURL, platformToken string, users []string) tenant {
	t.Helper()
	ctx := context.Background()
	tn := tenant{key: testutil.NewKey(), secret: testutil.NewKey()}
	a, err := call(ctx, http.MethodPut, baseURL+"/platform/v1/apps/"+tn.key,
		func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+platformToken) },
		map[string]any{"masterSecret": tn.secret})
	if err != nil || a.status != http.StatusCreated {
		t.Fatalf("creating the app: %v %d %s", err, a.status, a.body)
	}
	items := make([]map[string]string, len(users))
	for i, u := range users {
		items[i] = map[string]string{"username": u, "password": "secret-" + u}
	}
	a, err = call(ctx, http.MethodPost, baseURL+"/v1/users/", tn.basic, items)
	if err != nil || a.status != http.StatusCreated || bytes.Contains(a.body, []byte(`"error"`)) {
		t.Fatalf("registering %v: %v %d %s", users, err, a.status, a.body)
	}
	return tn
}

// mintSessions logs users in on the given devices through the core, on
// the servers' own database, as a dialect's login does: end users of
// this tenant have no phone to log in with through SealTalk. The result
// maps "user/device" to a session token.
func mintSessions(t *testing.T, databaseURL string, tn tenant, logins [][2]string) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := store.Open(ctx, databaseURL)
	if err != nil {
		t.Fatalf("opening the servers' database: %v", err)
	}
	defer st.Close()
	svc := core.New(st)
	app, err := svc.GetApp(ctx, tn.key)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]string, len(logins))
	for _, l := range logins {
		token, _, err := svc.CreateSession(ctx, app, l[0], l[1])
		if err != nil {
			t.Fatalf("logging %s in on %s: %v", l[0], l[1], err)
		}
		out[l[0]+"/"+l[1]] = token
	}
	return out
}

// frame is any gateway frame the suite reads.
type frame struct {
	Type        string `json:"type"`
	Seq         int64  `json:"seq"`
	MsgID       int64  `json:"msg_id"`
	FromID      string `json:"from_id"`
	TargetID    string `json:"target_id"`
	ClientMsgID string `json:"client_msg_id"`
	Duplicate   bool   `json:"duplicate"`
	Code        string `json:"code"`
	Message     string `json:"message"`
	MsgBody     struct {
		Text string `json:"text"`
	} `json:"msg_body"`
}

// dialGateway opens /apps/{appKey}/ws with a session token; query is
// "" or "since=N".
func dialGateway(ctx context.Context, baseURL, appKey, token, query string) (*websocket.Conn, error) {
	u := "ws" + strings.TrimPrefix(baseURL, "http") + "/apps/" + appKey + "/ws"
	if query != "" {
		u += "?" + query
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(dctx, u, &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer " + token}},
	})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(1 << 20)
	return conn, nil
}

// writeFrame sends a client frame.
func writeFrame(ctx context.Context, conn *websocket.Conn, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return conn.Write(wctx, websocket.MessageText, b)
}

// readFrame reads one frame, waiting at most callTimeout.
func readFrame(ctx context.Context, conn *websocket.Conn) (frame, error) {
	rctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	_, data, err := conn.Read(rctx)
	if err != nil {
		return frame{}, err
	}
	var f frame
	if err := json.Unmarshal(data, &f); err != nil {
		return frame{}, fmt.Errorf("frame is not JSON: %s", data)
	}
	return f, nil
}

// text is the body of message n from sender: "<sender> <n>".
func text(sender string, n int) string { return sender + " " + strconv.Itoa(n) }

// parseText reads a body made by text.
func parseText(s string) (sender string, n int, ok bool) {
	sender, num, found := strings.Cut(s, " ")
	if !found {
		return "", 0, false
	}
	n, err := strconv.Atoi(num)
	return sender, n, err == nil
}

// The fate of one send, as its sender knows it.
type sendState int

const (
	// inFlight: sent, no answer: it may or may not have landed.
	inFlight sendState = iota
	// acked: 201 with a msg_id, or a sent frame.
	acked
	// refused: a 5xx in the admin API's envelope, or an error frame.
	refused
)

// sendRec is one send (one message number of one sender), retries
// included.
type sendRec struct {
	sender, via string // via: "admin" or "gateway"
	n           int
	round       int // the round it was first sent in
	state       sendState
	msgID       int64
	code        string    // the last error frame's code, or the HTTP status
	refusals    int       // refused answers, a retry may follow
	resent      bool      // sent again after a lost connection
	duplicate   bool      // acked with "duplicate":true: an earlier attempt had landed
	ackRound    int       // the round it was acked in
	ackAt       time.Time // when it was acked
	// refusalLog is the code and time of each refused answer (the first
	// 200).
	refusalLog []refusal
}

// refusal is one refused answer.
type refusal struct {
	code string
	at   time.Time
}

// ledger records every send and every problem the clients saw; the test
// goroutine reports the problems.
type ledger struct {
	mu    sync.Mutex
	recs  map[string]*sendRec
	order []*sendRec
	// problems are what the clients saw break, each once with a count.
	problems []string
	seen     map[string]int
	refused  map[string]int // refused answers per face
	// acks counts acknowledgements per round and face; latest is each
	// sender's last send begun, lastAck when it was last acknowledged.
	acks    map[roundVia]int
	latest  map[string]*sendRec
	lastAck map[string]time.Time
	round   atomic.Int32 // the current round, for the figures
}

type roundVia struct {
	round int
	via   string
}

func newLedger() *ledger {
	return &ledger{recs: make(map[string]*sendRec), seen: make(map[string]int), refused: make(map[string]int), acks: make(map[roundVia]int),
		latest: make(map[string]*sendRec), lastAck: make(map[string]time.Time)}
}

func (l *ledger) key(sender string, n int) string { return sender + "#" + strconv.Itoa(n) }

// begin records the first attempt of a send.
func (l *ledger) begin(sender, via string, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := &sendRec{sender: sender, via: via, n: n, round: int(l.round.Load())}
	l.recs[l.key(sender, n)] = r
	l.order = append(l.order, r)
	l.latest[sender] = r
}

func (l *ledger) update(sender string, n int, fn func(r *sendRec)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r := l.recs[l.key(sender, n)]; r != nil {
		fn(r)
	}
}

func (l *ledger) ack(sender string, n int, msgID int64, dup bool) {
	round, now := int(l.round.Load()), time.Now()
	l.update(sender, n, func(r *sendRec) {
		r.state, r.msgID, r.duplicate, r.ackRound, r.ackAt = acked, msgID, dup, round, now
		l.acks[roundVia{round, r.via}]++
		l.lastAck[sender] = now
	})
}

// acked counts the acknowledgements of a face in a round.
func (l *ledger) acked(round int, via string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.acks[roundVia{round, via}]
}

// lastAckOf is when sender was last acknowledged.
func (l *ledger) lastAckOf(sender string) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastAck[sender]
}

// latestOf is a copy of sender's last send begun, if any.
func (l *ledger) latestOf(sender string) (sendRec, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.latest[sender]
	if r == nil {
		return sendRec{}, false
	}
	c := *r
	c.refusalLog = append([]refusal(nil), r.refusalLog...)
	return c, true
}

func (l *ledger) refuse(sender string, n int, code string) {
	now := time.Now()
	l.update(sender, n, func(r *sendRec) {
		r.state, r.code, r.refusals = refused, code, r.refusals+1
		if len(r.refusalLog) < 200 {
			r.refusalLog = append(r.refusalLog, refusal{code, now})
		}
		l.refused[r.via]++
	})
}

// refusals counts the refused answers of a face ("admin", "gateway").
func (l *ledger) refusals(via string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refused[via]
}

func (l *ledger) problem(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := fmt.Sprintf(format, args...)
	if l.seen[p]++; l.seen[p] == 1 {
		l.problems = append(l.problems, p)
	}
}

// report fails the test with the problems seen since the last report
// (the first 20 of them), each once.
func (l *ledger) report(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, p := range l.problems {
		if i == 20 {
			t.Errorf("... and %d more problems", len(l.problems)-i)
			break
		}
		if n := l.seen[p]; n > 1 {
			p = fmt.Sprintf("%s (seen %d times)", p, n)
		}
		t.Error(p)
	}
	l.problems = nil
}

// snapshot copies every record, in the order first sent.
func (l *ledger) snapshot() []sendRec {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]sendRec, len(l.order))
	for i, r := range l.order {
		out[i] = *r
	}
	return out
}

// delivery is one stored message a receiver got.
type delivery struct {
	seq, msgID int64
	from       string
	n          int
	round      int
}

// receiver is an end user on the gateway who only receives. It stays
// connected, reconnecting whenever its connection ends: with ?since= the
// last seq it holds, or, with byAck, with no since at all, so the server
// resumes after the last seq it acknowledged with an ack frame.
type receiver struct {
	name, token string
	app         tenant
	byAck       bool
	url         func() string // the server to connect to, now
	led         *ledger

	mu          sync.Mutex
	got         []delivery // got[i].seq == i+1: the log has no gaps
	probes      int        // live-only messages received
	connects    int
	redelivered int // seqs at or below what it held, after resuming from an ack
	ackErrors   int // ack frames answered with an error (the ack was not stored)
	ends        map[string]int
	conn        *websocket.Conn
}

// run keeps the receiver connected until ctx ends.
func (r *receiver) run(ctx context.Context) {
	for ctx.Err() == nil {
		r.session(ctx)
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// kick drops the current connection; run reconnects.
func (r *receiver) kick() {
	r.mu.Lock()
	c := r.conn
	r.mu.Unlock()
	if c != nil {
		_ = c.CloseNow()
	}
}

// stats: messages held, connections made, live-only messages received.
func (r *receiver) stats() (got, connects, probes int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got), r.connects, r.probes
}

// hasFrom reports whether the receiver holds message n of sender.
func (r *receiver) hasFrom(sender string, n int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.got) - 1; i >= 0; i-- {
		if d := r.got[i]; d.from == sender && d.n >= n {
			return true
		}
	}
	return false
}

func (r *receiver) session(ctx context.Context) {
	r.mu.Lock()
	held := int64(len(r.got))
	r.mu.Unlock()
	query := "since=" + strconv.FormatInt(held, 10)
	if r.byAck {
		query = ""
	}
	conn, err := dialGateway(ctx, r.url(), r.app.key, r.token, query)
	if err != nil {
		return
	}
	r.mu.Lock()
	r.connects++
	r.conn = conn
	r.mu.Unlock()
	defer func() {
		_ = conn.CloseNow()
		r.mu.Lock()
		r.conn = nil
		r.mu.Unlock()
	}()
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			reason := "lost"
			if code := websocket.CloseStatus(err); code != -1 {
				reason = code.String()
			}
			r.mu.Lock()
			if r.ends == nil {
				r.ends = make(map[string]int)
			}
			r.ends[reason]++
			r.mu.Unlock()
			return
		}
		var f frame
		if err := json.Unmarshal(data, &f); err != nil {
			r.led.problem("%s: a frame that is not JSON: %s", r.name, data)
			return
		}
		switch {
		case f.Type == "error" && r.byAck && f.ClientMsgID == "":
			// The answer to an ack it could not store (the database is
			// away): it resumes from an older ack, no harm done.
			r.mu.Lock()
			r.ackErrors++
			r.mu.Unlock()
			continue
		case f.Type != "message":
			r.led.problem("%s: unexpected %s frame: %s", r.name, f.Type, data)
			continue
		}
		ackSeq, ok := r.take(f, query != "")
		if !ok {
			return // reconnect from what it holds
		}
		if ackSeq > 0 {
			if err := writeFrame(ctx, conn, map[string]any{"type": "ack", "seq": ackSeq}); err != nil {
				return
			}
		}
	}
}

// take records a message frame. It returns the seq to acknowledge, if
// any, and false when the stream broke the rules (then the connection is
// dropped and the receiver resumes from what it holds).
func (r *receiver) take(f frame, withSince bool) (int64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if f.Seq == 0 {
		r.probes++
		return 0, true
	}
	held := int64(len(r.got))
	switch {
	case f.Seq <= held && withSince:
		r.led.problem("%s: seq %d (msg %d) delivered again: it already held seqs 1-%d and resumed with since=, a duplicate",
			r.name, f.Seq, f.MsgID, held)
		return 0, false
	case f.Seq <= held:
		// Resumed from an ack older than what it holds: seqs it holds come
		// again, and must be the same messages.
		if had := r.got[f.Seq-1]; had.msgID != f.MsgID {
			r.led.problem("%s: seq %d came again as msg %d; it was msg %d", r.name, f.Seq, f.MsgID, had.msgID)
			return 0, false
		}
		r.redelivered++
		return 0, true
	case f.Seq > held+1:
		r.led.problem("%s: seq %d (msg %d) follows seq %d: seqs %d-%d are missing", r.name, f.Seq, f.MsgID, held, held+1, f.Seq-1)
		return 0, false
	}
	sender, n, ok := parseText(f.MsgBody.Text)
	if !ok || sender != f.FromID {
		r.led.problem("%s: seq %d from %s has an unexpected body %q", r.name, f.Seq, f.FromID, f.MsgBody.Text)
	}
	r.got = append(r.got, delivery{seq: f.Seq, msgID: f.MsgID, from: f.FromID, n: n, round: int(r.led.round.Load())})
	if r.byAck && f.Seq%4 == 0 {
		return f.Seq, true
	}
	return 0, true
}

// adminSender sends one-to-one texts through POST /v1/messages, one at a
// time, numbered 1, 2, 3, ... Nothing makes an admin send idempotent, so
// a send without an answer is never repeated.
type adminSender struct {
	name, to string
	app      tenant
	url      func() string
	led      *ledger
	next     int
}

// post sends one text (live-only with noOffline) and returns the answer.
func (s *adminSender) post(ctx context.Context, body string, noOffline bool) (answer, error) {
	msg := map[string]any{
		"version": 1, "target_type": "single", "from_type": "user", "msg_type": "text",
		"target_id": s.to, "from_id": s.name, "msg_body": map[string]any{"text": body},
	}
	if noOffline {
		msg["no_offline"] = true
	}
	return call(ctx, http.MethodPost, s.url()+"/v1/messages", s.app.basic, msg)
}

// run sends until ctx ends, or, with stopOnLoss, until a send gets no
// answer (the server is gone). With last > 0 it sends no message
// numbered above last.
func (s *adminSender) run(ctx context.Context, stopOnLoss bool, last int) {
	for ctx.Err() == nil && (last == 0 || s.next < last) {
		s.next++
		n := s.next
		s.led.begin(s.name, "admin", n)
		a, err := s.post(context.WithoutCancel(ctx), text(s.name, n), false)
		switch {
		case err != nil:
			if stopOnLoss {
				return
			}
			s.led.problem("%s: message %d got no answer from a running server: %v", s.name, n, err)
		case a.status == http.StatusCreated:
			var out struct {
				MsgID int64 `json:"msg_id"`
			}
			if json.Unmarshal(a.body, &out) != nil || out.MsgID == 0 {
				s.led.problem("%s: message %d: 201 without a msg_id: %s", s.name, n, a.body)
				continue
			}
			s.led.ack(s.name, n, out.MsgID, false)
		case a.status >= 500:
			if !adminEnvelope(a.body) {
				s.led.problem("%s: message %d: %d outside the admin API's envelope: %s", s.name, n, a.status, a.body)
			}
			s.led.refuse(s.name, n, strconv.Itoa(a.status))
			time.Sleep(20 * time.Millisecond) // not a hot loop while the database is away
		default:
			s.led.refuse(s.name, n, strconv.Itoa(a.status))
			s.led.problem("%s: message %d: unexpected %d: %s", s.name, n, a.status, a.body)
		}
	}
}

// gatewaySender sends one-to-one texts with send frames, client_msg_id
// "<name>-<n>", keeping up to window frames in flight on one connection
// (the server stores one connection's sends in the order sent). A frame
// left unanswered by a lost connection is sent again, with the same
// client_msg_id, first thing on the next connection, one at a time, so
// the order holds. With outbox, a refused frame (window 1) is sent again
// until it is stored, as a client's outbox does, unless the answer is
// in_progress: on a connection that was never lost, that is a claim an
// earlier, answered attempt left behind, which blocks the client_msg_id
// until it is stale (a minute), so the outbox gives that message up.
type gatewaySender struct {
	name, to, token string
	app             tenant
	url             func() string
	led             *ledger
	window          int
	outbox          bool

	next    int   // the last message number used
	pending []int // sent, not answered, in order
	seq     int64 // the last seq of its own log seen, to resume with since=
	ends    map[string]int
	// blocked are the messages the outbox gave up, refused in_progress.
	blocked []int
}

// lost notes how a connection ended.
func (g *gatewaySender) lost(err error) {
	reason := "lost"
	if code := websocket.CloseStatus(err); code != -1 {
		reason = code.String()
	}
	if g.ends == nil {
		g.ends = make(map[string]int)
	}
	g.ends[reason]++
}

func (g *gatewaySender) cmid(n int) string { return g.name + "-" + strconv.Itoa(n) }

func (g *gatewaySender) frame(n int) map[string]any {
	return map[string]any{"type": "send", "client_msg_id": g.cmid(n), "target_type": "single", "target_id": g.to,
		"msg_type": "text", "msg_body": map[string]any{"text": text(g.name, n)}}
}

// loop runs connections until ctx ends.
func (g *gatewaySender) loop(ctx context.Context) {
	for ctx.Err() == nil {
		g.run(ctx, 0)
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// run sends on one connection until ctx ends (it then waits for the
// answers still due) or the connection is lost. With last > 0 it sends
// no message numbered above last, and returns once all are answered. It
// reports whether it connected.
func (g *gatewaySender) run(ctx context.Context, last int) bool {
	conn, err := dialGateway(ctx, g.url(), g.app.key, g.token, "since="+strconv.FormatInt(g.seq, 10))
	if err != nil {
		return false
	}
	defer conn.CloseNow()
	// Frames in flight are answered even after ctx ends.
	wctx := context.WithoutCancel(ctx)
	retry := g.pending
	var inflight []int
	defer func() { g.pending = append(inflight, retry...) }()
	for {
		if len(inflight) == 0 && len(retry) > 0 && ctx.Err() == nil {
			n := retry[0]
			if err := writeFrame(wctx, conn, g.frame(n)); err != nil {
				return true
			}
			g.led.update(g.name, n, func(r *sendRec) { r.resent = true })
			retry, inflight = retry[1:], append(inflight, n)
		}
		for len(retry) == 0 && len(inflight) < g.window && ctx.Err() == nil && (last == 0 || g.next < last) {
			g.next++
			n := g.next
			g.led.begin(g.name, "gateway", n)
			inflight = append(inflight, n)
			if err := writeFrame(wctx, conn, g.frame(n)); err != nil {
				return true
			}
		}
		if len(inflight) == 0 {
			return true
		}
		f, err := readFrame(wctx, conn)
		if err != nil {
			// The server went away or closed the connection: what is in
			// flight stays pending, for the next connection.
			g.lost(err)
			return true
		}
		switch f.Type {
		case "message":
			if f.Seq > g.seq {
				g.seq = f.Seq
			}
			continue
		case "pong":
			continue
		case "sent", "error":
		default:
			g.led.problem("%s: unexpected %s frame", g.name, f.Type)
			continue
		}
		n := inflight[0]
		if f.ClientMsgID != g.cmid(n) {
			g.led.problem("%s: answer %s for %s, expected one for %s: answers out of order", g.name, f.Type, f.ClientMsgID, g.cmid(n))
			return true
		}
		if f.Type == "sent" {
			if f.MsgID == 0 {
				g.led.problem("%s: sent frame for %s without a msg_id", g.name, f.ClientMsgID)
			}
			g.led.ack(g.name, n, f.MsgID, f.Duplicate)
			inflight = inflight[1:]
			continue
		}
		g.led.refuse(g.name, n, f.Code)
		if !g.outbox && f.Code != "in_progress" {
			// Without an outage the only refusal expected is a retry whose
			// first attempt died with the server, its claim left behind.
			g.led.problem("%s: %s refused: %s %s", g.name, f.ClientMsgID, f.Code, f.Message)
		}
		if !g.outbox || f.Code == "in_progress" {
			if g.outbox {
				g.blocked = append(g.blocked, n)
			}
			inflight = inflight[1:]
			continue
		}
		// The outbox keeps the frame at its head and sends it again.
		select {
		case <-ctx.Done():
			return true
		case <-time.After(50 * time.Millisecond):
		}
		if err := writeFrame(wctx, conn, g.frame(n)); err != nil {
			return true
		}
	}
}

// audit reads a sender's own log from the start, on a second device, up
// to its own copy of message last, and returns its messages.
func audit(t *testing.T, baseURL string, app tenant, sender, token string, last int) []delivery {
	t.Helper()
	ctx := context.Background()
	conn, err := dialGateway(ctx, baseURL, app.key, token, "since=0")
	if err != nil {
		t.Fatalf("auditing %s: %v", sender, err)
	}
	defer conn.CloseNow()
	var out []delivery
	for {
		f, err := readFrame(ctx, conn)
		if err != nil {
			t.Fatalf("auditing %s: after %d of its own messages, waiting for number %d: %v", sender, len(out), last, err)
		}
		if f.Type != "message" {
			continue
		}
		if f.Seq != int64(len(out)+1) {
			t.Fatalf("auditing %s: its own log has seq %d after %d", sender, f.Seq, len(out))
		}
		s, n, ok := parseText(f.MsgBody.Text)
		if !ok || s != sender || f.FromID != sender {
			t.Fatalf("auditing %s: its own log holds %q from %s", sender, f.MsgBody.Text, f.FromID)
		}
		out = append(out, delivery{seq: f.Seq, msgID: f.MsgID, from: sender, n: n})
		if n >= last {
			return out
		}
	}
}

// eventually polls cond until it holds, failing the test after limit: a
// guard against a deadlock, not a measure of speed. detail, if given,
// adds to the failure message.
func eventually(t *testing.T, limit time.Duration, what string, cond func() bool, detail ...func() string) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			msg := fmt.Sprintf("gave up after %v waiting for %s", limit, what)
			for _, d := range detail {
				msg += ": " + d()
			}
			t.Fatal(msg)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}
