package fault

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// pgRound is one PostgreSQL restart under load.
type pgRound struct {
	// mode is pg_ctl's shutdown mode: fast rolls back and disconnects
	// every session; immediate aborts, and the next start recovers from
	// the WAL, as after a crash.
	mode string
	// outage keeps the database down until both replicas report it (503
	// on /readyz) and both faces have refused sends; without it the
	// server starts again at once, as pg_ctl restart does.
	outage bool
}

var pgRounds = []pgRound{{"fast", true}, {"immediate", true}, {"fast", false}}

// minOutage is how long PostgreSQL stays down in a round with an outage.
const minOutage = 1500 * time.Millisecond

// Two chatserver replicas on one PostgreSQL, under load from admin and
// gateway senders, while PostgreSQL is stopped and started again (fast,
// immediate, and fast with no pause). Neither replica is restarted.
// While the database is down /readyz answers 503 (and /healthz 200), and
// sends fail cleanly: a 5xx in the admin API's envelope or an error
// frame. Once it is back /readyz answers 200 again, every sender gets
// acknowledgements again, and live-only messages cross between the
// replicas again (each listens again for the other's notifications).
// After the receivers reconnect, every acknowledged send was delivered
// exactly once and in order per sender, and the recipient's log and the
// sender's own log hold the same messages (nothing half written).
// Gateway senders keep a refused frame at the head of their outbox and
// send it again until it is stored, so those end up acknowledged too:
// none may be refused in_progress by the claim of its own failed
// attempt, which the server releases once the database is back.
func TestPostgresRestartUnderLoad(t *testing.T) {
	tools := postgresTools(t)
	logDir := t.TempDir()
	dumpLogsOnFailure(t, logDir)
	pg := startPostgres(t, tools)
	token := testutil.NewKey()
	a := startChatserver(t, serverConfig{name: "A", database: pg.dsn(), dataDir: t.TempDir(), token: token, logDir: logDir})
	b := startChatserver(t, serverConfig{name: "B", database: pg.dsn(), dataDir: t.TempDir(), token: token, logDir: logDir})
	onA := func() string { return a.url }
	onB := func() string { return b.url }

	// Every receiver hears from a sender on the other replica.
	p := plan{window: 1, outbox: true,
		receivers: []userPlan{
			{name: "rcva0", url: onA, other: onB},
			{name: "rcva1", url: onA, other: onB, byAck: true},
			{name: "rcvb0", url: onB, other: onA},
			{name: "rcvb1", url: onB, other: onA, byAck: true},
		},
		admins: []userPlan{
			{name: "adma0", to: "rcvb0", url: onA},
			{name: "admb0", to: "rcva0", url: onB},
			{name: "admb1", to: "rcvb1", url: onB},
		},
		gateways: []userPlan{
			{name: "gwsa0", to: "rcvb1", url: onA},
			{name: "gwsb0", to: "rcva1", url: onB},
			{name: "gwsa1", to: "rcva0", url: onA},
		},
	}
	sc := newScenario(t, a.url, token, pg.dsn(), p)
	sc.startReceivers(t)
	eventually(t, callTimeout, "every receiver to connect", func() bool {
		for _, r := range sc.receivers {
			if _, c, _ := r.stats(); c == 0 {
				return false
			}
		}
		return true
	})
	sc.probeAll(t, "before any restart")
	pidA, pidB := a.pid(), b.pid()
	both := []*chatserver{a, b}

	for i, rd := range pgRounds {
		round := i + 1
		sc.led.round.Store(int32(round))
		stop := sc.load(false)
		eventually(t, callTimeout, fmt.Sprintf("round %d's load", round), func() bool {
			return sc.ackedIn(round, "admin") >= 50 && sc.ackedIn(round, "gateway") >= 50
		})
		adminRefused, gatewayRefused := sc.refusals("admin"), sc.refusals("gateway")
		down := time.Now()
		pg.stop(t, rd.mode)
		var notReady time.Duration
		if rd.outage {
			notReady = eventually(t, callTimeout, "/readyz to answer 503 on both replicas while PostgreSQL is down", func() bool {
				return statusOn(both, "/readyz") == http.StatusServiceUnavailable
			})
			if code := statusOn(both, "/healthz"); code != http.StatusOK {
				t.Errorf("/healthz answers %d while PostgreSQL is down; the processes are up", code)
			}
			eventually(t, callTimeout, "sends to be refused on both faces while PostgreSQL is down", func() bool {
				return sc.refusals("admin") > adminRefused && sc.refusals("gateway") > gatewayRefused
			})
			// Down long enough for every retry loop (the listener's waits
			// a second) to meet the refused connections.
			time.Sleep(time.Until(down.Add(minOutage)))
		}
		pg.start(t)
		up := time.Now()
		ready := eventually(t, callTimeout, "/readyz to answer 200 on both replicas after PostgreSQL came back", func() bool {
			return statusOn(both, "/readyz") == http.StatusOK
		})
		var waiting []string
		acking := eventually(t, time.Minute, "every sender to be acknowledged again after PostgreSQL came back", func() bool {
			waiting = sc.notAckedSince(up)
			return len(waiting) == 0
		}, func() string { return fmt.Sprint("still waiting for ", waiting) })
		stop()
		for _, s := range both {
			if !s.alive() {
				t.Fatalf("chatserver %s exited when PostgreSQL restarted:\n%s", s.cfg.name, s.logTail(30))
			}
		}
		if a.pid() != pidA || b.pid() != pidB {
			t.Fatal("a chatserver process was replaced")
		}
		crossing := sc.probeAll(t, fmt.Sprintf("after restart %d (-m %s)", round, rd.mode))
		sc.led.report(t)
		how := fmt.Sprintf("stopped -m %s, /readyz 503 %v after the stop", rd.mode, notReady.Round(time.Millisecond))
		if !rd.outage {
			how = fmt.Sprintf("stopped -m %s and started again at once", rd.mode)
		}
		sc.roundFigures(round, fmt.Sprintf("PostgreSQL down %v (%s), /readyz 200 %v after the start, "+
			"every sender acknowledged %v after it, live events crossing replicas %v after the load stopped; %d admin and %d gateway refusals",
			up.Sub(down).Round(time.Millisecond), how, ready.Round(time.Millisecond),
			acking.Round(time.Millisecond), crossing.Round(time.Millisecond),
			sc.refusals("admin")-adminRefused, sc.refusals("gateway")-gatewayRefused))
		// The receivers resume, half with ?since=, half from their acks.
		sc.kickReceivers(t)
	}
	sc.led.round.Store(int32(len(pgRounds) + 1))
	sc.finish(t, a.url, false)
}

// statusOn is the status every server answers for path, or -1 when they
// differ or one does not answer.
func statusOn(servers []*chatserver, path string) int {
	status := 0
	for _, s := range servers {
		code, err := getStatus(s.url + path)
		if err != nil || (status != 0 && code != status) {
			return -1
		}
		status = code
	}
	return status
}
