package operatorbench

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

const (
	// readyPoll is how often the 1,000-app scenario lists the apps: often
	// enough for a figure in seconds, and as rarely as that allows, since
	// each List of a thousand apps costs the shared API server about a
	// tenth of a CPU-second (the benchmark measures and reports it).
	readyPoll = 250 * time.Millisecond
	// calibrationLists is how many Lists, made once the operator is
	// quiet, price one List in API-server CPU.
	calibrationLists = 10
	// creators create the apps in parallel, as `kubectl apply` of a large
	// GitOps repository would.
	creators = 16
	// wordEdits is the number of SensitiveWordList edits whose latency is
	// sampled per run.
	wordEdits = 50
	// resyncPeriod is short so one full round fits in a benchmark, and long
	// enough that a thousand apps reconciled after a restart are all done
	// before the first of them comes round again.
	resyncPeriod = 20 * time.Second
	// quiet is how long nothing may happen for the operator to count as
	// settled.
	quiet = 2 * time.Second
)

// fillResult is what creating a batch of apps cost the operator.
type fillResult struct {
	apps             int
	created, ready   time.Duration
	settled          time.Duration
	reconciles, errs float64
	writes           map[string]int
	writesTotal      int
	chatCalls        []chatCall
	throttled        float64
	throttleSeconds  float64
	throttleByVerb   string
	logLines         int64
	cpu              string
	// polls and pollTime are the benchmark's own Lists while waiting: they
	// load the same API server.
	polls    int
	pollTime time.Duration
	// listCPU is the API server's CPU time per List, measured after the
	// fill with the operator quiet.
	listCPU float64
}

// fillApps creates knobs.apps ChatApps in a new namespace ns as fast as it
// can and waits until the API server reports them all Ready, then until
// the operator settles, so the per-app costs include the trailing rounds.
// A non-nil b has its timer stopped once all are Ready, so ns/op is the
// figure itself.
func (e *env) fillApps(ctx context.Context, b *testing.B, ns string) (fillResult, error) {
	n := e.knobs.apps
	res := fillResult{apps: n}
	if err := e.k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil && !apierrors.IsAlreadyExists(err) {
		return res, err
	}
	m := e.mgr
	writesBefore, promBefore, logsBefore, cpuBefore := m.api.snapshot(), gather(), e.logs.lines.Load(), cpuSeconds()

	start := time.Now()
	var next atomic.Int64
	var createdAt atomic.Int64
	createErr := make(chan error, creators)
	var wg sync.WaitGroup
	for range creators {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				if err := e.k8s.Create(ctx, newApp(ns, fmt.Sprintf("app-%04d", i))); err != nil {
					createErr <- fmt.Errorf("creating app %d: %w", i, err)
					return
				}
			}
		}()
	}
	go func() {
		wg.Wait()
		createdAt.Store(int64(time.Since(start)))
	}()

	ticker := time.NewTicker(readyPoll)
	defer ticker.Stop()
	for {
		select {
		case err := <-createErr:
			return res, err
		case <-ctx.Done():
			_, ready, _, _ := e.readyApps(context.Background(), ns)
			return res, fmt.Errorf("%d of %d apps Ready after %s: %w", ready, n, time.Since(start).Round(time.Second), ctx.Err())
		case <-ticker.C:
		}
		listed := time.Now()
		_, ready, _, err := e.readyApps(ctx, ns)
		if err != nil {
			return res, err
		}
		res.polls++
		res.pollTime += time.Since(listed)
		if ready == n {
			break
		}
	}
	res.ready = time.Since(start)
	if b != nil {
		b.StopTimer()
		defer b.StartTimer()
	}
	res.created = time.Duration(createdAt.Load())
	res.cpu = cpuBreakdown(cpuBefore, cpuSeconds())
	if err := e.settle(ctx); err != nil {
		return res, err
	}
	res.settled = time.Since(start)

	promAfter := gather()
	res.reconciles, res.errs = promAfter.reconcilesSince(promBefore, "chatapp")
	res.writes, res.writesTotal = diff(writesBefore, m.api.snapshot())
	res.chatCalls = m.calls.since(start)
	res.throttled = promAfter.throttleCount - promBefore.throttleCount
	res.throttleSeconds = promAfter.throttleSeconds - promBefore.throttleSeconds
	res.throttleByVerb = promAfter.throttleSince(promBefore)
	res.logLines = e.logs.lines.Load() - logsBefore

	cpu := cpuSeconds()
	for range calibrationLists {
		if _, _, _, err := e.readyApps(ctx, ns); err != nil {
			return res, err
		}
	}
	res.listCPU = (cpuSeconds()["kube-apiserver"] - cpu["kube-apiserver"]) / calibrationLists
	return res, nil
}

// settle waits until the operator has been quiet for `quiet`: no
// reconcile running, no API-server write and no chatserver call.
func (e *env) settle(ctx context.Context) error {
	m := e.mgr
	lastWrites, lastCalls, since := -1, -1, time.Now()
	return e.poll(ctx, 100*time.Millisecond, func() (bool, error) {
		w, c := m.api.total(), m.calls.count()
		if w != lastWrites || c != lastCalls || !gather().idle() {
			lastWrites, lastCalls, since = w, c, time.Now()
			return false, nil
		}
		return time.Since(since) >= quiet, nil
	})
}

// thousandApps returns a namespace of knobs.apps Ready apps, filling one
// when BenchmarkThousandAppsReady has not run in this process.
func (e *env) thousandApps(b *testing.B) string {
	b.Helper()
	if e.thousandNS == "" {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if _, err := e.fillApps(ctx, nil, appsNS); err != nil {
			b.Fatal(err)
		}
		e.thousandNS = appsNS
	}
	return e.thousandNS
}

// BenchmarkThousandAppsReady: time from the first create until 1,000
// ChatApps on one ChatServer are all Ready. Target < 60 s.
//
// Sixteen goroutines create the apps; a List of the namespace every 250 ms
// (straight from the API server) sees when all report Ready=True. Then
// the operator is left to settle, and the per-app costs (reconciles,
// API-server writes by resource, chatserver calls by route), client-side
// throttling and CPU by process explain the figure.
func BenchmarkThousandAppsReady(b *testing.B) {
	e := environment(b)
	var last fillResult
	var readySum time.Duration
	// Starting envtest on first use is not part of the figure.
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ns := appsNS
		if e.thousandNS != "" {
			e.runs++
			ns = fmt.Sprintf("%s-%d", appsNS, e.runs)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		res, err := e.fillApps(ctx, b, ns)
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		if e.thousandNS == "" {
			e.thousandNS = ns
		}
		readySum += res.ready
		last = res
	}
	b.StopTimer()
	n := float64(last.apps)
	secs := readySum.Seconds() / float64(b.N)
	calls := float64(len(last.chatCalls))
	b.ReportMetric(secs, "s-all-ready")
	b.ReportMetric(n/secs, "apps/s")
	b.ReportMetric(last.reconciles/n, "reconciles/app")
	b.ReportMetric(float64(last.writesTotal)/n, "api-writes/app")
	b.ReportMetric(calls/n, "chat-calls/app")
	b.ReportMetric(last.throttleSeconds, "throttle-s")
	b.Logf("%d apps Ready in %.1f s (%.1f apps/s; all created after %.1f s; settled after %.1f s); "+
		"workers %d, client QPS/burst %g/%d; per app: %.2f reconciles (%.0f errors in all), %.2f API writes, %.2f chatserver calls; "+
		"client-side throttling: %.0f requests waited %.1f s in all (%s); manager log: %d lines",
		last.apps, last.ready.Seconds(), n/last.ready.Seconds(), last.created.Seconds(), last.settled.Seconds(),
		e.knobs.workers, e.knobs.qps, e.knobs.burst, last.reconciles/n, last.errs, float64(last.writesTotal)/n, calls/n,
		last.throttled, last.throttleSeconds, last.throttleByVerb, last.logLines)
	b.Logf("CPU until all Ready (%.1f s wall on %d cores): %s; the benchmark's own %d Lists of the apps (%.0f ms each) cost the API server about %.1f s of that",
		last.ready.Seconds(), runtime.NumCPU(), last.cpu, last.polls, float64(last.pollTime.Milliseconds())/float64(max(last.polls, 1)),
		float64(last.polls)*last.listCPU)
	b.Logf("API writes: %s", breakdown(last.writes))
	b.Logf("chatserver calls: %s", breakdown(byRoute(last.chatCalls)))
}

// BenchmarkWordListEditLatency: time from a successful Update of a
// SensitiveWordList adding one word until the chatserver holds the word,
// read from its core (the store the admin API answers from). Target p50
// < 1 s.
func BenchmarkWordListEditLatency(b *testing.B) {
	e := environment(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	app := newApp(wordsNS, "words")
	if err := e.k8s.Create(ctx, app); err != nil && !apierrors.IsAlreadyExists(err) {
		b.Fatal(err)
	}
	if err := e.poll(ctx, 50*time.Millisecond, func() (bool, error) {
		err := e.k8s.Get(ctx, client.ObjectKeyFromObject(app), app)
		return err == nil && app.Status.AppKey != "" &&
			meta.IsStatusConditionTrue(app.Status.Conditions, imv1alpha1.ConditionReady), err
	}); err != nil {
		b.Fatalf("waiting for ChatApp %s to be Ready: %v", app.Name, err)
	}
	list := &imv1alpha1.SensitiveWordList{
		ObjectMeta: metav1.ObjectMeta{Namespace: wordsNS, Name: "words"},
		Spec: imv1alpha1.SensitiveWordListSpec{
			AppRef: imv1alpha1.AppReference{Name: app.Name}, Words: []string{"seed"}, Filtering: imv1alpha1.FilteringEnabled,
		},
	}
	if err := e.k8s.Create(ctx, list); err != nil && !apierrors.IsAlreadyExists(err) {
		b.Fatal(err)
	}
	tenant, err := e.chat.Svc.GetApp(ctx, app.Status.AppKey)
	if err != nil {
		b.Fatal(err)
	}
	has := func(word string) (bool, error) {
		words, _, err := e.chat.Svc.ListWords(ctx, tenant, core.Page{Start: 0, Count: core.MaxWordPage})
		return slices.ContainsFunc(words, func(w model.SensitiveWord) bool { return w.Word == word }), err
	}
	if err := e.poll(ctx, 50*time.Millisecond, func() (bool, error) { return has("seed") }); err != nil {
		b.Fatalf("waiting for the first list to reach the server: %v", err)
	}

	// lat counts from the return of the Update that succeeded, as the
	// figure is defined; fromSend from just before that Update was sent,
	// which adds the API server's write and is what a person running
	// `kubectl apply` waits. The watch event can reach the operator before
	// the Update's answer reaches the client, so the first can be tiny.
	var lat, fromSend []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for range wordEdits {
			// Numbered per process: a rerun of this function (a longer
			// -benchtime) must add words the list does not hold yet.
			e.wordSeq++
			word := fmt.Sprintf("w%d", e.wordSeq)
			// The operator writes the list's status after each sync, so
			// an Update may meet a newer resourceVersion.
			var sent time.Time
			if err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
				if err := e.k8s.Get(ctx, client.ObjectKeyFromObject(list), list); err != nil {
					return err
				}
				list.Spec.Words = append(list.Spec.Words, word)
				sent = time.Now()
				return e.k8s.Update(ctx, list)
			}); err != nil {
				b.Fatal(err)
			}
			updated := time.Now()
			for {
				ok, err := has(word)
				if err != nil {
					b.Fatal(err)
				}
				if ok {
					break
				}
				// Checked after each word request the chatserver
				// serves, and every 10 ms in case one is missed.
				select {
				case <-e.wordsChanged:
				case <-time.After(10 * time.Millisecond):
				case <-ctx.Done():
					b.Fatalf("word %s not in the server %s after the edit", word, time.Since(updated).Round(time.Millisecond))
				}
			}
			lat = append(lat, time.Since(updated))
			fromSend = append(fromSend, time.Since(sent))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	slices.Sort(fromSend)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(percentile(lat, 0.50)), "p50-ms")
	b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	b.ReportMetric(ms(percentile(fromSend, 0.50)), "p50-from-send-ms")
	b.Logf("%d edits, each adding one word; from the Update's return to the word in the server: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, min %.1f ms, max %.1f ms; "+
		"from sending the Update: p50 %.1f ms, p99 %.1f ms",
		len(lat), ms(percentile(lat, 0.50)), ms(percentile(lat, 0.90)), ms(percentile(lat, 0.99)), ms(lat[0]), ms(lat[len(lat)-1]),
		ms(percentile(fromSend, 0.50)), ms(percentile(fromSend, 0.99)))
}

// percentile is the nearest-rank percentile of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// BenchmarkResyncThousandUnchangedApps: what one periodic resync of 1,000
// unchanged, Ready apps costs: API-server writes (target 0) and chatserver
// calls per app (target at most one read).
//
// The manager is restarted with a 20 s resync period, as a rollout of the
// operator would restart it. Its start reconciles every app once (also
// reported); after that each app's next round is its periodic requeue,
// 20–22 s later. The window opens once the operator is quiet and closes
// when every app has had its round (one GET /platform/v1/apps/{key}, the
// call that marks a ChatApp reconcile) and the reconcilers are idle.
func BenchmarkResyncThousandUnchangedApps(b *testing.B) {
	e := environment(b)
	ns := e.thousandApps(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	_, _, apps, err := e.readyApps(ctx, ns)
	if err != nil {
		b.Fatal(err)
	}
	keys := map[string]bool{}
	for _, a := range apps {
		keys[a.Status.AppKey] = true
	}
	n := len(keys)

	var sum resyncRound
	var startup resyncRound
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if err := e.restartManager(resyncPeriod); err != nil {
			b.Fatal(err)
		}
		st, err := e.round(ctx, keys, time.Now())
		if err != nil {
			b.Fatalf("the restart's round: %v", err)
		}
		if err := e.settle(ctx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		r, err := e.round(ctx, keys, time.Now())
		if err != nil {
			b.Fatalf("the periodic round: %v", err)
		}
		sum.add(r)
		startup.add(st)
	}
	b.StopTimer()
	rounds := float64(b.N)
	b.ReportMetric(float64(sum.writesTotal)/rounds, "api-writes")
	b.ReportMetric(float64(sum.reads)/float64(n)/rounds, "chat-reads/app")
	b.ReportMetric(float64(sum.chatWrites)/rounds, "chat-writes")
	b.ReportMetric(sum.reconciles/float64(n)/rounds, "reconciles/app")
	b.Logf("one periodic resync of %d unchanged apps (resync %s, %d round(s)): %d API-server writes [%s]; "+
		"chatserver calls for these apps: %d reads (%.2f per app), %d writes [%s]; apps resynced exactly once: %d, more than once: %d; "+
		"other calls in the window (server, other apps): [%s]; %.0f ChatApp reconciles (%.0f errors)",
		n, resyncPeriod, b.N, sum.writesTotal, breakdown(sum.writes), sum.reads, float64(sum.reads)/float64(n)/rounds,
		sum.chatWrites, breakdown(sum.routes), sum.once, sum.twice, breakdown(sum.other), sum.reconciles, sum.errs)
	b.Logf("the restart's round (every app reconciled once at start): %d API-server writes [%s]; %d chatserver reads (%.2f per app), %d writes",
		startup.writesTotal, breakdown(startup.writes), startup.reads, float64(startup.reads)/float64(n)/rounds, startup.chatWrites)
}

// resyncRound is what one round over the apps cost.
type resyncRound struct {
	writes            map[string]int
	writesTotal       int
	reads, chatWrites int
	routes, other     map[string]int
	once, twice       int
	reconciles, errs  float64
}

func (r *resyncRound) add(o resyncRound) {
	if r.writes == nil {
		r.writes, r.routes, r.other = map[string]int{}, map[string]int{}, map[string]int{}
	}
	for k, v := range o.writes {
		r.writes[k] += v
	}
	for k, v := range o.routes {
		r.routes[k] += v
	}
	for k, v := range o.other {
		r.other[k] += v
	}
	r.writesTotal += o.writesTotal
	r.reads += o.reads
	r.chatWrites += o.chatWrites
	r.once += o.once
	r.twice += o.twice
	r.reconciles += o.reconciles
	r.errs += o.errs
}

// round waits from t0 until every app in keys has been reconciled against
// the server (its GET of the tenant) and the reconcilers are idle again a
// second after the last one, and returns what the operator did meanwhile.
func (e *env) round(ctx context.Context, keys map[string]bool, t0 time.Time) (resyncRound, error) {
	m := e.mgr
	writesBefore, promBefore := m.api.snapshot(), gather()
	var r resyncRound
	var last time.Time
	err := e.poll(ctx, 200*time.Millisecond, func() (bool, error) {
		seen := map[string]bool{}
		for _, c := range m.calls.since(t0) {
			if keys[c.app] && c.isResyncGet() {
				seen[c.app] = true
				last = c.at
			}
		}
		return len(seen) == len(keys) && time.Since(last) >= time.Second && gather().idle(), nil
	})
	if err != nil {
		got := map[string]bool{}
		for _, c := range m.calls.since(t0) {
			if keys[c.app] && c.isResyncGet() {
				got[c.app] = true
			}
		}
		return r, fmt.Errorf("%d of %d apps reconciled after %s: %w", len(got), len(keys), time.Since(t0).Round(time.Second), err)
	}
	r.writes, r.writesTotal = diff(writesBefore, m.api.snapshot())
	r.reconciles, r.errs = gather().reconcilesSince(promBefore, "chatapp")
	r.routes, r.other = map[string]int{}, map[string]int{}
	gets := map[string]int{}
	for _, c := range m.calls.since(t0) {
		if !keys[c.app] {
			r.other[c.method+" "+c.route]++
			continue
		}
		if c.isRead() {
			r.reads++
		} else {
			r.chatWrites++
			r.routes[c.method+" "+c.route]++
		}
		if c.isResyncGet() {
			gets[c.app]++
		}
	}
	for _, g := range gets {
		if g == 1 {
			r.once++
		} else {
			r.twice++
		}
	}
	return r, nil
}
