package operatorbench

import (
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// apiCounter wraps the manager's transport to the kube-apiserver and counts
// its writes (every method but GET, which carries gets, lists and watches)
// by "METHOD resource[/subresource]". The benchmark's own client does not
// go through it, so the counts are the operator's alone, events included.
type apiCounter struct {
	next   http.RoundTripper
	mu     sync.Mutex
	writes map[string]int
	reads  atomic.Int64
}

func newAPICounter() *apiCounter { return &apiCounter{writes: map[string]int{}} }

func (c *apiCounter) wrap(next http.RoundTripper) http.RoundTripper {
	c.next = next
	return c
}

func (c *apiCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		c.reads.Add(1)
	} else {
		key := req.Method + " " + resourceOf(req.URL.Path)
		c.mu.Lock()
		c.writes[key]++
		c.mu.Unlock()
	}
	return c.next.RoundTrip(req)
}

// snapshot copies the write counts, for a delta over a window.
func (c *apiCounter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.writes)
}

// total is the number of writes so far.
func (c *apiCounter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.writes {
		n += v
	}
	return n
}

// diff returns after-before per key (non-zero only) and the sum.
func diff(before, after map[string]int) (map[string]int, int) {
	out, sum := map[string]int{}, 0
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
			sum += d
		}
	}
	return out, sum
}

// breakdown formats counts as "k=v, k=v", largest first, for the summary.
func breakdown(m map[string]int) string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// resourceOf reduces an API path to its resource and subresource:
// /apis/g/v/namespaces/ns/chatapps/x/status -> chatapps/status.
func resourceOf(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return path
	}
	if len(parts) >= 3 && parts[0] == "namespaces" {
		parts = parts[2:]
	}
	switch len(parts) {
	case 0:
		return "?"
	case 1, 2:
		return parts[0]
	default:
		return parts[0] + "/" + parts[2]
	}
}

// chatCall is one request the reconcilers made to a chatserver.
type chatCall struct {
	at     time.Time
	method string
	route  string // the path with the appKey replaced by {key}
	app    string // the appKey the call is about; "" for server-wide calls
}

func (c chatCall) isRead() bool { return c.method == http.MethodGet }

// chatCounter is the reconcilers' HTTP transport (Options.HTTPClient): it
// logs every call with its time and the app it concerns, so a window can
// be cut per app. It forwards to http.DefaultTransport, which is what the
// manager uses when Options.HTTPClient is nil.
type chatCounter struct {
	mu    sync.Mutex
	calls []chatCall
}

const platformApps = "/platform/v1/apps/"

func (c *chatCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	call := chatCall{at: time.Now(), method: req.Method, route: req.URL.Path}
	if rest, ok := strings.CutPrefix(req.URL.Path, platformApps); ok && rest != "" {
		key, tail, _ := strings.Cut(rest, "/")
		call.app, call.route = key, platformApps+"{key}"
		if tail != "" {
			call.route += "/" + tail
		}
	} else if user, _, ok := req.BasicAuth(); ok {
		// The admin API authenticates with appKey:masterSecret.
		call.app = user
	}
	c.mu.Lock()
	c.calls = append(c.calls, call)
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// since returns the calls made at or after t.
func (c *chatCounter) since(t time.Time) []chatCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	i, _ := slices.BinarySearchFunc(c.calls, t, func(c chatCall, t time.Time) int { return c.at.Compare(t) })
	return slices.Clone(c.calls[i:])
}

// count returns how many calls have been made.
func (c *chatCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.calls)
}

// byRoute counts calls by "METHOD route".
func byRoute(calls []chatCall) map[string]int {
	out := map[string]int{}
	for _, c := range calls {
		out[c.method+" "+c.route]++
	}
	return out
}

// isResyncGet is the call that marks one app's reconcile against the
// server: the ChatApp reconciler reads the tenant once per round.
func (c chatCall) isResyncGet() bool {
	return c.method == http.MethodGet && c.route == platformApps+"{key}"
}

// logSink takes the manager's log: it counts lines, to show whether the
// operator floods its log, and writes them to OPERATORBENCH_LOG when set.
type logSink struct {
	lines atomic.Int64
	mu    sync.Mutex
	file  *os.File
}

func (s *logSink) Write(p []byte) (int, error) {
	s.lines.Add(int64(strings.Count(string(p), "\n")))
	if s.file != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.file.Write(p)
	}
	return len(p), nil
}

// promSnapshot reads the manager-wide controller-runtime metrics the
// benchmarks explain their figures with. The registry is global, so
// figures are deltas of two snapshots.
type promSnapshot struct {
	// reconciles by controller and result (success, error, requeue,
	// requeue_after).
	reconciles map[string]map[string]float64
	// throttleSeconds is the time requests waited in client-go's
	// client-side rate limiter, and throttled how many waited at all.
	throttleSeconds float64
	throttleCount   float64
	// throttleByVerb splits throttleSeconds by HTTP verb: the histogram
	// has no finer label, and the verb tells writes from reads.
	throttleByVerb map[string]float64
	// activeWorkers by controller: reconciles running right now.
	activeWorkers map[string]float64
}

func init() {
	// Off by default in controller-runtime; it is how the benchmark tells
	// client-side throttling from a slow reconciler.
	metrics.RegisterRESTClientMetrics(metrics.MetricRateLimiterLatency)
}

func gather() promSnapshot {
	s := promSnapshot{
		reconciles:     map[string]map[string]float64{},
		activeWorkers:  map[string]float64{},
		throttleByVerb: map[string]float64{},
	}
	families, err := metrics.Registry.Gather()
	if err != nil {
		return s
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			switch f.GetName() {
			case "controller_runtime_reconcile_total":
				c := labels["controller"]
				if s.reconciles[c] == nil {
					s.reconciles[c] = map[string]float64{}
				}
				s.reconciles[c][labels["result"]] += m.GetCounter().GetValue()
			case "rest_client_rate_limiter_duration_seconds":
				h := m.GetHistogram()
				s.throttleSeconds += h.GetSampleSum()
				s.throttleByVerb[labels["verb"]] += h.GetSampleSum()
				// The first bucket (5 ms) holds the requests that found a
				// token at once.
				if b := h.GetBucket(); len(b) > 0 {
					s.throttleCount += float64(h.GetSampleCount() - b[0].GetCumulativeCount())
				}
			case "controller_runtime_active_workers":
				s.activeWorkers[labels["controller"]] = m.GetGauge().GetValue()
			}
		}
	}
	return s
}

// throttleSince formats the seconds waited per verb since before.
func (s promSnapshot) throttleSince(before promSnapshot) string {
	var parts []string
	for _, verb := range slices.Sorted(maps.Keys(s.throttleByVerb)) {
		if d := s.throttleByVerb[verb] - before.throttleByVerb[verb]; d >= 0.05 {
			parts = append(parts, fmt.Sprintf("%s %.1f s", verb, d))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// reconcilesSince is the number of reconciles of controller since before,
// and how many of them returned an error.
func (s promSnapshot) reconcilesSince(before promSnapshot, controller string) (total, errors float64) {
	for result, v := range s.reconciles[controller] {
		d := v - before.reconciles[controller][result]
		total += d
		if result == "error" {
			errors += d
		}
	}
	return total, errors
}

// idle reports whether no reconcile is running. (Queue depth is not
// used: the gauge is shared by name with a stopped manager's queues.)
func (s promSnapshot) idle() bool {
	for _, v := range s.activeWorkers {
		if v != 0 {
			return false
		}
	}
	return true
}

// cpuSeconds reads the CPU time (user+system) used so far by this process
// (the operator, the chatserver and the benchmark's client) and by its
// children (kube-apiserver and etcd), by command name: on a small machine
// the figures are bounded by CPU, and this shows who spends it.
func cpuSeconds() map[string]float64 {
	out := map[string]float64{}
	self := os.Getpid()
	// The machine's busy time as well: another job on the same cores
	// shows as the difference, and explains a slow run.
	if data, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(data), "\n")
		if f := strings.Fields(line); len(f) > 8 && f[0] == "cpu" {
			for i, v := range f[1:9] {
				if i == 3 || i == 4 { // idle, iowait
					continue
				}
				t, _ := strconv.ParseFloat(v, 64)
				out["whole machine"] += t / 100
			}
		}
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ... utime stime: comm may hold spaces,
		// so the fields are counted from its closing parenthesis.
		s := string(data)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open {
			continue
		}
		fields := strings.Fields(s[closing+1:])
		if len(fields) < 13 {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		if pid != self && ppid != self {
			continue
		}
		name := s[open+1 : closing]
		if pid == self {
			name = "bench process"
		}
		utime, _ := strconv.ParseFloat(fields[11], 64)
		stime, _ := strconv.ParseFloat(fields[12], 64)
		// USER_HZ is 100 on every Linux this runs on.
		out[name] += (utime + stime) / 100
	}
	return out
}

// cpuBreakdown formats the CPU seconds spent between two readings.
func cpuBreakdown(before, after map[string]float64) string {
	names := slices.Sorted(maps.Keys(after))
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %.1f s", n, after[n]-before[n]))
	}
	return strings.Join(parts, ", ")
}
