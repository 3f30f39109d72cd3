// Command manager is the chat-operator: it reconciles ChatServer, ChatApp,
// SensitiveWordList and RegistrationPolicy objects.
package main

import (
	"flag"
	"os"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	"github.com/chat-operator/chat-operator/controllers"
)

// version is set at build time (-ldflags -X main.version=...). The default
// chatserver image carries the same tag, so a manager runs the chatserver
// it was released with.
var version = "dev"

// defaultImage is the chatserver image for the manager's own version.
func defaultImage() string {
	tag := version
	if tag == "" || tag == "dev" {
		tag = "latest"
	}
	return "chatserver:" + tag
}

func main() {
	var metricsAddr, probeAddr, image string
	var leaderElect bool
	var resync, cleanup time.Duration
	var workers int
	var qps float64
	var burst int
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8080", "address the metrics endpoint binds to (\"0\" disables it)")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "address the health probes bind to")
	flag.BoolVar(&leaderElect, "leader-elect", false, "enable leader election, for more than one manager replica")
	flag.StringVar(&image, "chatserver-image", defaultImage(), "chatserver image for ChatServers that leave spec.image empty")
	flag.DurationVar(&resync, "resync-period", controllers.DefaultResyncPeriod, "how often unchanged objects are compared with the running server to correct drift")
	flag.DurationVar(&cleanup, "cleanup-timeout", controllers.DefaultCleanupTimeout, "how long a finalizer retries an unreachable server before giving up")
	flag.IntVar(&workers, "max-concurrent-reconciles", 4, "reconciles run in parallel per kind")
	flag.Float64Var(&qps, "kube-api-qps", 0, "client-side limit on requests per second to the API server (0: none; API Priority and Fairness protects the server)")
	flag.IntVar(&burst, "kube-api-burst", 0, "burst above --kube-api-qps")
	opts := zap.Options{}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	log := ctrl.Log.WithName("setup")

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(imv1alpha1.AddToScheme(scheme))

	cfg := ctrl.GetConfigOrDie()
	if qps > 0 {
		cfg.QPS, cfg.Burst = float32(qps), max(burst, int(qps))
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: metricsAddr},
		HealthProbeBindAddress: probeAddr,
		LeaderElection:         leaderElect,
		LeaderElectionID:       "chat-operator.im.chat-operator.dev",
		Cache:                  controllers.CacheOptions(),
	})
	if err != nil {
		log.Error(err, "Creating manager")
		os.Exit(1)
	}
	if err := controllers.SetupWithManager(mgr, controllers.Options{
		DefaultChatServerImage:  image,
		ResyncPeriod:            resync,
		CleanupTimeout:          cleanup,
		MaxConcurrentReconciles: workers,
	}); err != nil {
		log.Error(err, "Setting up controllers")
		os.Exit(1)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		log.Error(err, "Adding health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		log.Error(err, "Adding ready check")
		os.Exit(1)
	}
	log.Info("Starting manager", "version", version, "chatserverImage", image)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "Running manager")
		os.Exit(1)
	}
}
