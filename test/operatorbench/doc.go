// Package operatorbench holds the operator's benchmarks: a real manager
// with the four reconcilers runs against a real kube-apiserver and etcd
// (envtest, binaries from hack/envtest-assets.sh) and a real chatserver
// started in the test process on SQLite, wired as the controllers suite
// wires them. They are one-shot scenarios reported with b.ReportMetric and
// a summary line; they assert nothing about time and never gate a build.
// `make bench` runs them with -benchtime=1x.
//
// Figures (issue 4, "Benchmarks"):
//
//   - BenchmarkThousandAppsReady: seconds until 1,000 ChatApps created at
//     once are all Ready (target < 60 s).
//   - BenchmarkWordListEditLatency: p50/p99 from a SensitiveWordList edit
//     to the word existing in the chatserver (target p50 < 1 s).
//   - BenchmarkResyncThousandUnchangedApps: API-server writes and
//     chatserver calls per app made by one periodic resync of the 1,000
//     unchanged apps (target 0 writes, at most one read per app).
//
// The three share one environment per process, so the resync benchmark
// reuses the apps the first one made (or makes them when run alone).
//
// Knobs, for profiling (the defaults are what `make bench` reports):
//
//	KUBEBUILDER_ASSETS         envtest binaries; empty skips the benchmarks
//	CHAT_TEST_REQUIRE_ENVTEST  1 turns that skip into a failure
//	OPERATORBENCH_APPS         apps in the 1,000-app scenarios (1000)
//	OPERATORBENCH_WORKERS      MaxConcurrentReconciles per kind (8)
//	OPERATORBENCH_QPS/_BURST   the manager's client-side limit (200/400; QPS -1 disables it)
//	OPERATORBENCH_LOG          a file for the manager's log (else counted and discarded)
package operatorbench
