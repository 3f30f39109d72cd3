package operatorbench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	"github.com/chat-operator/chat-operator/controllers"
	"github.com/chat-operator/chat-operator/test/envtestutil"
)

const (
	// Where the scenarios live: the ChatServer in its own namespace, as a
	// platform team would set it up, and the apps in others.
	serverNS   = "chat-system"
	serverName = "chat"
	appsNS     = "bench-apps"
	wordsNS    = "bench-words"
)

// knobs are the manager settings of a deployment sized for a thousand
// apps, overridable for profiling (see doc.go).
type knobs struct {
	apps    int
	workers int
	// qps and burst are the manager's client-side limit. Production
	// (main.go, ctrl.GetConfigOrDie) disables it (QPS -1) and relies on the
	// API server's priority and fairness; envtest's config says 1000/2000.
	// 200/400 is a finite limit an operator of this size would configure,
	// stricter than both. controller-runtime keeps one token bucket per kind,
	// and a new app costs three ChatApp writes (finalizer, appKey,
	// status), so 200 QPS alone caps the fill at about 66 apps/s.
	qps   float32
	burst int
}

func readKnobs() knobs {
	k := knobs{apps: 1000, workers: 8, qps: 200, burst: 400}
	if v, err := strconv.Atoi(os.Getenv("OPERATORBENCH_APPS")); err == nil && v > 0 {
		k.apps = v
	}
	if v, err := strconv.Atoi(os.Getenv("OPERATORBENCH_WORKERS")); err == nil && v > 0 {
		k.workers = v
	}
	if v, err := strconv.ParseFloat(os.Getenv("OPERATORBENCH_QPS"), 32); err == nil {
		k.qps = float32(v)
	}
	if v, err := strconv.Atoi(os.Getenv("OPERATORBENCH_BURST")); err == nil && v > 0 {
		k.burst = v
	}
	return k
}

// env is the one environment the benchmarks of a process share: envtest,
// the in-process chatserver and the running manager.
type env struct {
	knobs   knobs
	testEnv *envtest.Environment
	cfg     *rest.Config
	scheme  *runtime.Scheme
	// k8s is the benchmark's own client: not rate limited and not counted,
	// so it neither slows nor pollutes the operator's figures.
	k8s      client.Client
	resolver *envtestutil.Resolver
	chat     *envtestutil.ChatServer
	// wordsChanged gets a token after every request that may change a
	// sensitive-word list has been served, so the latency benchmark checks
	// the store right then instead of on a timer alone.
	wordsChanged chan struct{}
	logs         *logSink
	mgr          *runningManager
	tmp          string

	// thousandNS is a namespace holding knobs.apps Ready ChatApps, once
	// one does.
	thousandNS string
	// runs numbers the namespaces of reruns.
	runs int
	// wordSeq numbers the words the latency benchmark adds.
	wordSeq int
}

// The chatserver logs through slog's default logger, one line per
// registered app; keep warnings and errors only, as chatserver/testutil
// does, so a thousand apps do not bury the figures.
func init() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

var (
	sharedOnce sync.Once
	shared     *env
	sharedErr  error
)

// TestMain stops the shared environment: kube-apiserver and etcd are child
// processes that would outlive the test binary.
func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.stop()
	}
	os.Exit(code)
}

// environment returns the shared environment, starting it on first use,
// or skips the benchmark when there are no envtest binaries (failing
// instead under CHAT_TEST_REQUIRE_ENVTEST=1).
func environment(b *testing.B) *env {
	b.Helper()
	sharedOnce.Do(func() {
		shared, sharedErr = startEnv()
	})
	if envtestutil.ShouldSkip(sharedErr) {
		b.Skip(sharedErr)
	}
	if sharedErr != nil {
		b.Fatalf("starting the environment: %v", sharedErr)
	}
	return shared
}

func startEnv() (_ *env, err error) {
	testEnv, err := envtestutil.NewEnvironment()
	if err != nil {
		return nil, err
	}
	e := &env{
		knobs: readKnobs(), scheme: envtestutil.NewScheme(), resolver: envtestutil.NewResolver(),
		wordsChanged: make(chan struct{}, 1), logs: &logSink{},
	}
	defer func() {
		if err != nil {
			e.stop()
		}
	}()
	if path := os.Getenv("OPERATORBENCH_LOG"); path != "" {
		if e.logs.file, err = os.Create(path); err != nil {
			return e, err
		}
	}
	// Info level, as the manager runs by default, but into the sink: a
	// thousand apps must not scroll the figures off the terminal.
	logf.SetLogger(zap.New(zap.WriteTo(e.logs)))
	if e.tmp, err = os.MkdirTemp("", "operatorbench-"); err != nil {
		return e, err
	}

	e.testEnv = testEnv
	if e.cfg, err = e.testEnv.Start(); err != nil {
		return e, fmt.Errorf("starting envtest: %w", err)
	}
	own := rest.CopyConfig(e.cfg)
	own.QPS = -1
	if e.k8s, err = client.New(own, client.Options{Scheme: e.scheme}); err != nil {
		return e, err
	}
	if e.mgr, err = e.startManager(0); err != nil {
		return e, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return e, e.bringUpServer(ctx)
}

func (e *env) stop() {
	if e.mgr != nil {
		_ = e.mgr.stop()
	}
	if e.testEnv != nil {
		_ = e.testEnv.Stop()
	}
	if e.chat != nil {
		e.chat.Close()
	}
	if e.logs.file != nil {
		_ = e.logs.file.Close()
	}
	if e.tmp != "" {
		_ = os.RemoveAll(e.tmp)
	}
}

// runningManager is one manager run, with the counters on its two
// outbound transports.
type runningManager struct {
	api    *apiCounter
	calls  *chatCounter
	resync time.Duration
	cancel context.CancelFunc
	done   chan error
}

// startManager runs the four reconcilers as main.go does, with the
// benchmark's workers and client limit; resync 0 is the default period.
func (e *env) startManager(resync time.Duration) (*runningManager, error) {
	m := &runningManager{api: newAPICounter(), calls: &chatCounter{}, resync: resync, done: make(chan error, 1)}
	cfg := rest.CopyConfig(e.cfg)
	cfg.QPS, cfg.Burst = e.knobs.qps, e.knobs.burst
	cfg.Wrap(m.api.wrap)
	// A later manager in the same process registers the same controller
	// names; the names are only checked to catch a mistake in main.go.
	skip := true
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:     e.scheme,
		Metrics:    metricsserver.Options{BindAddress: "0"},
		Cache:      controllers.CacheOptions(),
		Controller: config.Controller{SkipNameValidation: &skip},
	})
	if err != nil {
		return nil, err
	}
	if err := controllers.SetupWithManager(mgr, controllers.Options{
		Resolver: e.resolver,
		// The manager's own default is a 10 s timeout on
		// http.DefaultTransport; chatCounter forwards to that transport.
		HTTPClient:              &http.Client{Transport: m.calls, Timeout: 10 * time.Second},
		DefaultChatServerImage:  "example.test/chatserver:v0.0.0-bench",
		ResyncPeriod:            resync,
		MaxConcurrentReconciles: e.knobs.workers,
	}); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go func() { m.done <- mgr.Start(ctx) }()
	return m, nil
}

// stop ends the manager and waits for its reconcilers to finish.
func (m *runningManager) stop() error {
	m.cancel()
	select {
	case err := <-m.done:
		return err
	case <-time.After(time.Minute):
		return errors.New("the manager did not stop within a minute")
	}
}

// restartManager replaces the running manager, as a rollout of the
// operator would.
func (e *env) restartManager(resync time.Duration) error {
	if err := e.mgr.stop(); err != nil {
		return err
	}
	m, err := e.startManager(resync)
	if err != nil {
		return err
	}
	e.mgr = m
	return nil
}

// bringUpServer does what the suite's readyServer does: create the
// ChatServer, bring it up as a cluster would (envtestutil.BringUp: the
// chatserver in this process, the resolver pointed at it, the workloads
// marked ready) and wait for Ready.
func (e *env) bringUpServer(ctx context.Context) error {
	for _, ns := range []string{serverNS, appsNS, wordsNS} {
		if err := e.k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			return err
		}
	}
	cs := &imv1alpha1.ChatServer{
		ObjectMeta: metav1.ObjectMeta{Namespace: serverNS, Name: serverName},
		// Any namespace: a rerun of the 1,000-app scenario (-benchtime=2x)
		// fills a namespace of its own.
		Spec: imv1alpha1.ChatServerSpec{AllowedNamespaces: []string{"*"}},
	}
	if err := e.k8s.Create(ctx, cs); err != nil {
		return err
	}
	var err error
	if e.chat, err = envtestutil.BringUp(ctx, e.k8s, e.resolver, cs, e.tmp, envtestutil.AfterEachRequest(e.noteWordEdit)); err != nil {
		return err
	}
	if err := e.poll(ctx, 100*time.Millisecond, func() (bool, error) {
		if err := e.k8s.Get(ctx, client.ObjectKeyFromObject(cs), cs); err != nil {
			return false, err
		}
		return meta.IsStatusConditionTrue(cs.Status.Conditions, imv1alpha1.ConditionReady), nil
	}); err != nil {
		return fmt.Errorf("waiting for ChatServer %s/%s to be Ready: %w", serverNS, serverName, err)
	}
	return nil
}

// noteWordEdit signals wordsChanged after the chatserver has served a
// request that may change a sensitive-word list.
func (e *env) noteWordEdit(r *http.Request) {
	if r.Method != http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/sensitiveword") {
		select {
		case e.wordsChanged <- struct{}{}:
		default:
		}
	}
}

// poll calls done every interval until it reports true, fails, or ctx
// ends.
func (e *env) poll(ctx context.Context, interval time.Duration, done func() (bool, error)) error {
	return wait.PollUntilContextCancel(ctx, interval, true, func(context.Context) (bool, error) { return done() })
}

// newApp is a ChatApp on the benchmark's ChatServer.
func newApp(ns, name string) *imv1alpha1.ChatApp {
	return &imv1alpha1.ChatApp{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: imv1alpha1.ChatAppSpec{
			ServerRef: imv1alpha1.ServerReference{Name: serverName, Namespace: serverNS},
		},
	}
}

// readyApps lists the ChatApps in ns straight from the API server and
// returns how many there are and how many are Ready.
func (e *env) readyApps(ctx context.Context, ns string) (total, ready int, apps []imv1alpha1.ChatApp, err error) {
	var list imv1alpha1.ChatAppList
	if err := e.k8s.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return 0, 0, nil, err
	}
	for i := range list.Items {
		if meta.IsStatusConditionTrue(list.Items[i].Status.Conditions, imv1alpha1.ConditionReady) {
			ready++
		}
	}
	return len(list.Items), ready, list.Items, nil
}
