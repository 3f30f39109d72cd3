// Package fault is chatserver's fault suite. It builds the real chatserver
// binary, runs it as a subprocess against SQLite or PostgreSQL, and breaks
// things under load while end users send and receive over the admin API
// and the WebSocket gateway: chatserver killed with SIGKILL and restarted
// on the same data, and PostgreSQL stopped and started under two running
// replicas. After each fault the receivers reconnect and the suite checks
// that every acknowledged send arrived exactly once and in order per
// sender, that no send arrived twice, and that the recipient's log and the
// sender's own log agree on what landed.
//
// The tests live in the _test.go files. `go test ./test/fault/` runs the
// kill test on SQLite; under hack/with-postgres.sh (make test) it also
// runs on PostgreSQL, and the restart test runs on a PostgreSQL server of
// its own, started from the same binaries.
package fault
