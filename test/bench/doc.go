// Package bench holds the chatserver benchmarks that need a whole server:
// they drive the real HTTP handler over loopback, on SQLite and on
// PostgreSQL, and report figures with b.ReportMetric. `make bench` runs
// them; they never gate a build.
package bench
