package fault

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// killRounds is how many times chatserver is killed under load.
const killRounds = 3

// chatserver is killed with SIGKILL while admin and gateway senders are
// sending, and started again on the same data, three times. Receivers
// reconnect, with ?since= or from their acks. Every acknowledged send is
// delivered exactly once and in order per sender; sends that got no
// answer may or may not have landed, but never twice, including the
// gateway frames that are sent again with their client_msg_id; a refused
// send never lands; and each message is in the recipient's log if and
// only if it is in the sender's own log.
func TestKillUnderLoad(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		logDir := t.TempDir()
		dumpLogsOnFailure(t, logDir)
		cfg := serverConfig{name: "chatserver", dataDir: t.TempDir(), token: testutil.NewKey(), logDir: logDir}
		// SQLite: chatserver's default, a file in the data directory.
		dbURL := "sqlite:" + filepath.Join(cfg.dataDir, "chatserver.db")
		if b.Name != "sqlite" {
			cfg.database = b.NewURL(t) // a schema of its own
			dbURL = cfg.database
		}
		srv := startChatserver(t, cfg)
		var current atomic.Pointer[string]
		current.Store(&srv.url)
		url := func() string { return *current.Load() }

		p := plan{window: 4}
		for i, byAck := range []bool{false, true, false} {
			rcv := fmt.Sprintf("rcv%d", i)
			p.receivers = append(p.receivers, userPlan{name: rcv, byAck: byAck, url: url})
			p.admins = append(p.admins, userPlan{name: fmt.Sprintf("adm%d", i), to: rcv, url: url})
			p.gateways = append(p.gateways, userPlan{name: fmt.Sprintf("gws%d", i), to: rcv, url: url})
		}
		sc := newScenario(t, srv.url, cfg.token, dbURL, p)
		sc.startReceivers(t)

		for round := 1; round <= killRounds; round++ {
			sc.led.round.Store(int32(round))
			if round > 1 {
				started := time.Now()
				srv = startChatserver(t, cfg)
				current.Store(&srv.url)
				sc.figures = append(sc.figures, fmt.Sprintf("round %d: restarted on the same data, ready in %v",
					round, time.Since(started).Round(time.Millisecond)))
			}
			stop := sc.load(true)
			// Kill at a different point each round: after 150, 300, 450
			// acknowledged sends, with both faces busy.
			eventually(t, callTimeout, fmt.Sprintf("round %d's load", round), func() bool {
				a, g := sc.ackedIn(round, "admin"), sc.ackedIn(round, "gateway")
				return a >= 20 && g >= 20 && a+g >= 150*round
			})
			srv.kill(t)
			stop()
			sc.led.report(t)
			sc.roundFigures(round, "")
		}
		sc.led.round.Store(killRounds + 1)
		srv = startChatserver(t, cfg)
		current.Store(&srv.url)
		sc.finish(t, srv.url, true)
		for _, r := range sc.receivers {
			if _, c, _ := r.stats(); c < killRounds+1 {
				t.Errorf("%s connected %d times over %d starts of the server", r.name, c, killRounds+1)
			}
		}
	})
}
