package operatorbench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/server"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/controllers"
)

const (
	envAssets  = "KUBEBUILDER_ASSETS"
	envRequire = "CHAT_TEST_REQUIRE_ENVTEST"

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
	resolver *resolver
	chat     *chatServer
	logs     *logSink
	mgr      *runningManager
	tmp      string

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
// or skips the benchmark when there are no envtest binaries.
func environment(b *testing.B) *env {
	b.Helper()
	assets := os.Getenv(envAssets)
	if assets == "" {
		if os.Getenv(envRequire) == "1" {
			b.Fatalf("%s is not set but %s=1: run `make bench` or export %s=\"$(hack/envtest-assets.sh)\"",
				envAssets, envRequire, envAssets)
		}
		b.Skip(envAssets + " not set: the operator benchmarks need envtest binaries " +
			"(make envtest-assets, then export KUBEBUILDER_ASSETS=\"$(hack/envtest-assets.sh)\")")
	}
	sharedOnce.Do(func() {
		shared, sharedErr = startEnv(assets)
	})
	if sharedErr != nil {
		b.Fatalf("starting the environment: %v", sharedErr)
	}
	return shared
}

func startEnv(assets string) (_ *env, err error) {
	e := &env{knobs: readKnobs(), scheme: runtime.NewScheme(), resolver: newResolver(), logs: &logSink{}}
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
	utilruntime.Must(clientgoscheme.AddToScheme(e.scheme))
	utilruntime.Must(imv1alpha1.AddToScheme(e.scheme))
	if e.tmp, err = os.MkdirTemp("", "operatorbench-"); err != nil {
		return e, err
	}

	e.testEnv = &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	if e.cfg, err = e.testEnv.Start(); err != nil {
		return e, fmt.Errorf("starting envtest: %w", err)
	}
	own := rest.CopyConfig(e.cfg)
	own.QPS = -1
	if e.k8s, err = client.New(own, client.Options{Scheme: e.scheme}); err != nil {
		return e, err
	}
	e.chat = newChatServer(filepath.Join(e.tmp, "chat.db"))
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
		e.chat.close()
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

// resolver points the ChatServer at the chatserver in this process, as
// the suite's test resolver does.
type resolver struct {
	mu   sync.Mutex
	urls map[types.NamespacedName]string
}

func newResolver() *resolver { return &resolver{urls: map[types.NamespacedName]string{}} }

// Endpoint implements controllers.Resolver; a server without an entry
// resolves to a port nothing listens on.
func (r *resolver) Endpoint(s *imv1alpha1.ChatServer) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if u, ok := r.urls[types.NamespacedName{Namespace: s.Namespace, Name: s.Name}]; ok {
		return u
	}
	return "http://127.0.0.1:1"
}

func (r *resolver) set(key types.NamespacedName, url string) {
	r.mu.Lock()
	r.urls[key] = url
	r.mu.Unlock()
}

// chatServer is a real chatserver (SQLite) serving over HTTP, started with
// the platform token the ChatServer controller generated.
type chatServer struct {
	dbPath string
	st     *store.Store
	svc    *core.Service
	http   *httptest.Server
	// wordsChanged gets a token after every request that may change a
	// sensitive-word list has been served, so the latency benchmark checks
	// the store right then instead of on a timer alone.
	wordsChanged chan struct{}
}

// newChatServer prepares a chatserver on dbPath; serve starts it once the
// operator has generated the token.
func newChatServer(dbPath string) *chatServer {
	return &chatServer{dbPath: dbPath, wordsChanged: make(chan struct{}, 1)}
}

// serve starts the chatserver with token; it runs until close.
func (c *chatServer) serve(token string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := store.Open(ctx, "sqlite:"+c.dbPath)
	if err != nil {
		return fmt.Errorf("opening the chatserver's store: %w", err)
	}
	c.st, c.svc = st, core.New(st)
	h := server.New(c.svc, server.Config{PlatformToken: token, Version: "bench"}, prometheus.NewRegistry())
	c.http = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		if r.Method != http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/sensitiveword") {
			select {
			case c.wordsChanged <- struct{}{}:
			default:
			}
		}
	}))
	return nil
}

func (c *chatServer) close() {
	if c.http != nil {
		c.http.Close()
	}
	if c.st != nil {
		_ = c.st.Close()
	}
}

// bringUpServer does what the suite's readyServer does: create the
// ChatServer, wait for its platform token, start the chatserver with it,
// point the resolver at it and mark the Deployment and StatefulSet ready,
// since no pods run under envtest; then wait for Ready.
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
	var secret corev1.Secret
	if err := e.poll(ctx, 100*time.Millisecond, func() (bool, error) {
		err := e.k8s.Get(ctx, types.NamespacedName{Namespace: serverNS, Name: controllers.PlatformTokenSecretName(cs)}, &secret)
		return err == nil, client.IgnoreNotFound(err)
	}); err != nil {
		return fmt.Errorf("waiting for the platform token: %w", err)
	}
	if err := e.chat.serve(string(secret.Data[controllers.PlatformTokenKey])); err != nil {
		return err
	}
	e.resolver.set(client.ObjectKeyFromObject(cs), e.chat.http.URL)
	if err := e.markWorkloadsReady(ctx, cs); err != nil {
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

// markWorkloadsReady patches the status a cluster's workload controllers
// would write once the pods run. The operator may be updating the objects
// meanwhile, hence the conflict retries.
func (e *env) markWorkloadsReady(ctx context.Context, cs *imv1alpha1.ChatServer) error {
	depKey := types.NamespacedName{Namespace: cs.Namespace, Name: controllers.ServiceName(cs)}
	stsKey := types.NamespacedName{Namespace: cs.Namespace, Name: cs.Name + "-postgres"}
	for _, key := range []types.NamespacedName{depKey, stsKey} {
		if err := e.poll(ctx, 100*time.Millisecond, func() (bool, error) {
			var obj client.Object = &appsv1.Deployment{}
			if key == stsKey {
				obj = &appsv1.StatefulSet{}
			}
			err := e.k8s.Get(ctx, key, obj)
			return err == nil, client.IgnoreNotFound(err)
		}); err != nil {
			return fmt.Errorf("waiting for %s: %w", key, err)
		}
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var dep appsv1.Deployment
		if err := e.k8s.Get(ctx, depKey, &dep); err != nil {
			return err
		}
		replicas := int32(1)
		if dep.Spec.Replicas != nil {
			replicas = *dep.Spec.Replicas
		}
		dep.Status = appsv1.DeploymentStatus{
			ObservedGeneration: dep.Generation,
			Replicas:           replicas, ReadyReplicas: replicas, AvailableReplicas: replicas, UpdatedReplicas: replicas,
			Conditions: []appsv1.DeploymentCondition{{
				Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable",
				LastUpdateTime: metav1.Now(), LastTransitionTime: metav1.Now(),
			}},
		}
		return e.k8s.Status().Update(ctx, &dep)
	})
	if err != nil {
		return fmt.Errorf("marking the Deployment ready: %w", err)
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var sts appsv1.StatefulSet
		if err := e.k8s.Get(ctx, stsKey, &sts); err != nil {
			return err
		}
		sts.Status = appsv1.StatefulSetStatus{
			ObservedGeneration: sts.Generation, Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1,
			CurrentReplicas: 1, UpdatedReplicas: 1,
		}
		return e.k8s.Status().Update(ctx, &sts)
	})
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
