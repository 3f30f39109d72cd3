package fault

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// userPlan is one end user of a scenario.
type userPlan struct {
	name string
	// to is a sender's receiver.
	to string
	// byAck: a receiver that resumes from its acks rather than ?since=.
	byAck bool
	// url is the server the user talks to; other, for a receiver, the
	// server its live-only probes are sent through.
	url, other func() string
}

// plan is the users of a scenario: each sender writes to one receiver.
type plan struct {
	receivers, admins, gateways []userPlan
	// window is how many send frames a gateway sender keeps in flight;
	// outbox makes it send a refused frame again until it is stored.
	window int
	outbox bool
}

// scenario is one tenant's end users under load, and what they saw.
type scenario struct {
	app       tenant
	led       *ledger
	receivers []*receiver
	recvOf    map[string]*receiver // by sender
	others    map[string]func() string
	admins    []*adminSender
	gateways  []*gatewaySender
	auditTok  map[string]string
	probe     *adminSender
	stopRecv  context.CancelFunc
	recvDone  sync.WaitGroup
	figures   []string
}

// newScenario creates the tenant (platform API) and its users (admin
// API) through baseURL, and logs them in.
func newScenario(t *testing.T, baseURL, platformToken, databaseURL string, p plan) *scenario {
	t.Helper()
	var names []string
	for _, group := range [][]userPlan{p.receivers, p.admins, p.gateways} {
		for _, u := range group {
			names = append(names, u.name)
		}
	}
	names = append(names, "probe")
	app := createTenant(t, baseURL, platformToken, names)
	var logins [][2]string
	for _, u := range p.receivers {
		logins = append(logins, [2]string{u.name, "rcv"})
	}
	for _, u := range p.gateways {
		logins = append(logins, [2]string{u.name, "gw"})
	}
	for _, group := range [][]userPlan{p.admins, p.gateways} {
		for _, u := range group {
			logins = append(logins, [2]string{u.name, "audit"})
		}
	}
	tokens := mintSessions(t, databaseURL, app, logins)

	s := &scenario{app: app, led: newLedger(), recvOf: map[string]*receiver{}, others: map[string]func() string{},
		auditTok: map[string]string{}}
	byName := map[string]*receiver{}
	for _, u := range p.receivers {
		r := &receiver{name: u.name, token: tokens[u.name+"/rcv"], app: app, byAck: u.byAck, url: u.url, led: s.led}
		s.receivers = append(s.receivers, r)
		byName[u.name] = r
		s.others[u.name] = u.other
	}
	for _, u := range p.admins {
		s.admins = append(s.admins, &adminSender{name: u.name, to: u.to, app: app, url: u.url, led: s.led})
		s.recvOf[u.name] = byName[u.to]
		s.auditTok[u.name] = tokens[u.name+"/audit"]
	}
	for _, u := range p.gateways {
		s.gateways = append(s.gateways, &gatewaySender{name: u.name, to: u.to, token: tokens[u.name+"/gw"], app: app,
			url: u.url, led: s.led, window: p.window, outbox: p.outbox})
		s.recvOf[u.name] = byName[u.to]
		s.auditTok[u.name] = tokens[u.name+"/audit"]
	}
	for sender, r := range s.recvOf {
		if r == nil {
			t.Fatalf("plan: %s writes to a receiver that is not in the plan", sender)
		}
	}
	s.probe = &adminSender{name: "probe", app: app, led: s.led}
	return s
}

// startReceivers connects every receiver; they stay connected
// (reconnecting when a connection ends) until the scenario finishes.
func (s *scenario) startReceivers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopRecv = cancel
	t.Cleanup(s.stopReceivers)
	for _, r := range s.receivers {
		s.recvDone.Add(1)
		go func() {
			defer s.recvDone.Done()
			r.run(ctx)
		}()
	}
}

func (s *scenario) stopReceivers() {
	if s.stopRecv != nil {
		s.stopRecv()
		s.recvDone.Wait()
	}
}

// kickReceivers drops every receiver's connection: they reconnect and
// resume at once.
func (s *scenario) kickReceivers(t *testing.T) {
	t.Helper()
	before := make([]int, len(s.receivers))
	for i, r := range s.receivers {
		_, before[i], _ = r.stats()
		r.kick()
	}
	eventually(t, callTimeout, "every receiver to reconnect", func() bool {
		for i, r := range s.receivers {
			if _, c, _ := r.stats(); c <= before[i] {
				return false
			}
		}
		return true
	})
}

// load starts every sender; the returned function stops them and waits.
// stopOnLoss: the server is expected to vanish (kill -9), so an admin
// sender stops at its first send without an answer.
func (s *scenario) load(stopOnLoss bool) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, a := range s.admins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.run(ctx, stopOnLoss, 0)
		}()
	}
	for _, g := range s.gateways {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.loop(ctx)
		}()
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

// ackedIn counts the sends of a face ("admin", "gateway") acknowledged
// in a round.
func (s *scenario) ackedIn(round int, via string) int { return s.led.acked(round, via) }

// refusals counts the refused answers of a face so far.
func (s *scenario) refusals(via string) int { return s.led.refusals(via) }

// notAckedSince lists the senders with no send acknowledged after since,
// each with its last send's state.
func (s *scenario) notAckedSince(since time.Time) []string {
	var out []string
	for sender := range s.recvOf {
		if !s.led.lastAckOf(sender).After(since) {
			r, _ := s.led.latestOf(sender)
			out = append(out, fmt.Sprintf("%s (last send %d: state %d, %d refusals, last %q)", sender, r.n, r.state, r.refusals, r.code))
		}
	}
	sort.Strings(out)
	return out
}

// probeThrough sends live-only messages (no_offline: never stored, so
// never replayed) to r through the server other until one arrives on
// r's open connection. Across replicas only LISTEN/NOTIFY can carry it.
func (s *scenario) probeThrough(t *testing.T, r *receiver, other func() string, when string) time.Duration {
	t.Helper()
	s.probe.url, s.probe.to = other, r.name
	start := time.Now()
	for time.Since(start) < 20*time.Second {
		_, _, before := r.stats()
		a, err := s.probe.post(context.Background(), "probe", true)
		if err == nil && a.status != http.StatusCreated && a.status < 500 {
			t.Fatalf("probe to %s: %d %s", r.name, a.status, a.body)
		}
		for wait := time.Now(); time.Since(wait) < 300*time.Millisecond; time.Sleep(10 * time.Millisecond) {
			if _, _, p := r.stats(); p > before {
				return time.Since(start)
			}
		}
	}
	t.Fatalf("%s: %s, no live-only message sent through the other replica (%s) reached %s within 20s: "+
		"that replica's events no longer reach this one (LISTEN not resumed?)", r.name, when, other(), r.name)
	return 0
}

// probeAll probes every receiver through its other replica.
func (s *scenario) probeAll(t *testing.T, when string) time.Duration {
	t.Helper()
	var worst time.Duration
	for _, r := range s.receivers {
		worst = max(worst, s.probeThrough(t, r, s.others[r.name], when))
	}
	return worst
}

// roundFigures notes what the senders and receivers saw in a round.
func (s *scenario) roundFigures(round int, extra string) {
	var sent, ack, ref, fly, everRefused int
	for _, r := range s.led.snapshot() {
		if r.round != round {
			continue
		}
		sent++
		switch r.state {
		case acked:
			ack++
		case refused:
			ref++
		case inFlight:
			fly++
		}
		if r.refusals > 0 {
			everRefused++
		}
	}
	got := 0
	for _, r := range s.receivers {
		r.mu.Lock()
		for _, d := range r.got {
			if d.round == round {
				got++
			}
		}
		r.mu.Unlock()
	}
	line := fmt.Sprintf("round %d: %d sends begun, %d acknowledged, %d refused (%d refused at least once), "+
		"%d without an answer; %d delivered to receivers", round, sent, ack, ref, everRefused, fly, got)
	if extra != "" {
		line += "; " + extra
	}
	s.figures = append(s.figures, line)
}

// finish sends one last acknowledged message per sender (gateway
// senders first send again what is still unanswered), waits until every
// receiver holds them, then checks everything.
func (s *scenario) finish(t *testing.T, auditURL string, strictRefusals bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	last := map[string]int{}
	for _, a := range s.admins {
		last[a.name] = a.next + 1
	}
	for _, g := range s.gateways {
		last[g.name] = g.next + 1
	}
	var wg sync.WaitGroup
	for _, a := range s.admins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.run(ctx, true, last[a.name])
		}()
	}
	for _, g := range s.gateways {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && (len(g.pending) > 0 || g.next < last[g.name]) {
				if !g.run(ctx, last[g.name]) {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	s.led.report(t)
	for _, r := range s.led.snapshot() {
		if r.n == last[r.sender] && r.state != acked {
			t.Fatalf("%s: the last message (%d), sent after the faults, was not acknowledged (state %d, %s)",
				r.sender, r.n, r.state, r.code)
		}
	}
	for sender, n := range last {
		r := s.recvOf[sender]
		eventually(t, callTimeout, fmt.Sprintf("%s to receive message %d of %s", r.name, n, sender),
			func() bool { return r.hasFrom(sender, n) })
	}
	s.stopReceivers()
	s.led.report(t)
	own := map[string][]delivery{}
	for sender, n := range last {
		own[sender] = audit(t, auditURL, s.app, sender, s.auditTok[sender], n)
	}
	s.verify(t, own, strictRefusals)
}

// verify checks the receivers' streams against the ledger and against
// the senders' own logs.
func (s *scenario) verify(t *testing.T, own map[string][]delivery, strictRefusals bool) {
	t.Helper()
	type key struct {
		sender string
		n      int
	}
	landed := map[key]delivery{}
	theirs := map[string][]delivery{}
	var redelivered, connects, delivered, ackErrors int
	ends := map[string]int{}
	for _, r := range s.receivers {
		seen := map[int64]bool{}
		for _, d := range r.got {
			delivered++
			if seen[d.msgID] {
				t.Errorf("%s: msg %d delivered twice", r.name, d.msgID)
			}
			seen[d.msgID] = true
			if s.recvOf[d.from] != r {
				t.Errorf("%s: seq %d is from %s, who does not write to it", r.name, d.seq, d.from)
				continue
			}
			if prev := theirs[d.from]; len(prev) > 0 {
				if p := prev[len(prev)-1]; d.n <= p.n || d.msgID <= p.msgID {
					t.Errorf("%s: %s's message %d (msg %d, seq %d) arrived after its message %d (msg %d, seq %d): out of order or twice",
						r.name, d.from, d.n, d.msgID, d.seq, p.n, p.msgID, p.seq)
				}
			}
			theirs[d.from] = append(theirs[d.from], d)
			landed[key{d.from, d.n}] = d
		}
		redelivered += r.redelivered
		connects += r.connects
		ackErrors += r.ackErrors
		for k, v := range r.ends {
			ends[k] += v
		}
	}

	var ack, ref, refLanded, fly, flyLanded, resent, dupAck int
	codes := map[string]int{}
	known := map[key]bool{}
	for _, rec := range s.led.snapshot() {
		if rec.sender == "probe" {
			continue
		}
		k := key{rec.sender, rec.n}
		known[k] = true
		d, ok := landed[k]
		if rec.resent {
			resent++
		}
		if rec.duplicate {
			dupAck++
		}
		switch rec.state {
		case acked:
			ack++
			if !ok {
				t.Errorf("%s's message %d was acknowledged (msg %d, %s, round %d) but never delivered to %s",
					rec.sender, rec.n, rec.msgID, rec.via, rec.ackRound, s.recvOf[rec.sender].name)
			} else if d.msgID != rec.msgID {
				t.Errorf("%s's message %d was acknowledged as msg %d but delivered as msg %d", rec.sender, rec.n, rec.msgID, d.msgID)
			}
		case refused:
			ref++
			codes[rec.via+" "+rec.code]++
			if ok {
				refLanded++
				if strictRefusals {
					t.Errorf("%s's message %d was refused (%s, %s) yet delivered as msg %d", rec.sender, rec.n, rec.via, rec.code, d.msgID)
				}
			}
		case inFlight:
			fly++
			if ok {
				flyLanded++
			}
		}
	}
	for k, d := range landed {
		if !known[k] {
			t.Errorf("delivered msg %d, %s's message %d, was never sent", d.msgID, k.sender, k.n)
		}
	}

	senderEnds := map[string]int{}
	var blocked []string
	for _, g := range s.gateways {
		for k, v := range g.ends {
			senderEnds[k] += v
		}
		for _, n := range g.blocked {
			blocked = append(blocked, g.cmid(n))
		}
	}

	// The recipient's row and the sender's own copy are written in the
	// message's transaction: both logs hold the same messages.
	for sender, mine := range own {
		got := theirs[sender]
		if len(mine) != len(got) {
			t.Errorf("%s's own log holds %d messages, %s received %d: a message was half written",
				sender, len(mine), s.recvOf[sender].name, len(got))
		}
		for i := range min(len(mine), len(got)) {
			if mine[i].n != got[i].n || mine[i].msgID != got[i].msgID {
				t.Errorf("%s's own log and %s disagree at position %d: message %d (msg %d) against message %d (msg %d)",
					sender, s.recvOf[sender].name, i, mine[i].n, mine[i].msgID, got[i].n, got[i].msgID)
				break
			}
		}
	}

	s.figures = append(s.figures, fmt.Sprintf("in all: %d sends, %d acknowledged, %d refused (%s; %d of them landed), "+
		"%d never answered (%d of them landed); %d gateway frames sent again after a lost connection, %d answered as duplicates; "+
		"%d deliveries, %d seqs redelivered after resuming from an ack, %d ack frames refused, %d receiver connections (ends: %s), "+
		"gateway senders' connections lost or closed: %s",
		ack+ref+fly, ack, ref, tally(codes), refLanded, fly, flyLanded, resent, dupAck, delivered, redelivered, ackErrors, connects, tally(ends), tally(senderEnds)))
	if len(blocked) > 0 {
		// A failed attempt's claim is released in the background until the
		// database takes it, so a retry that waits on it sends again.
		t.Errorf("%d gateway sends given up, their retries refused in_progress by the claim "+
			"of an earlier attempt that failed (claims left behind): %s", len(blocked), strings.Join(blocked, ", "))
	}
	for _, f := range s.figures {
		t.Log(f)
	}
}

// tally prints counts by key, sorted: "a ×2, b ×1".
func tally(m map[string]int) string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s ×%d", k, v))
	}
	sort.Strings(out)
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}
