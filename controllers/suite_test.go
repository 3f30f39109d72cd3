package controllers_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	"github.com/chat-operator/chat-operator/controllers"
)

// The suite runs the four reconcilers in a real manager against a real
// kube-apiserver and etcd (envtest, binaries from hack/envtest-assets.sh),
// and against real chatservers started in this process (see
// chatserver_test.go helpers). No pods run under envtest, so tests mark
// Deployments and StatefulSets ready by patching their status.

const (
	envAssets  = "KUBEBUILDER_ASSETS"
	envRequire = "CHAT_TEST_REQUIRE_ENVTEST"
	// resync is short so drift correction is observable in a test.
	resync = 2 * time.Second
	// cleanupTimeout bounds how long a finalizer retries a dead server.
	cleanupTimeout = 3 * time.Second
)

var (
	k8s      client.Client
	scheme   = runtime.NewScheme()
	resolver = newTestResolver()
	// calls counts every request the reconcilers make to a chatserver.
	calls   = newCallCounter()
	testEnv *envtest.Environment
	ctx     context.Context
	cancel  context.CancelFunc
)

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controllers")
}

var _ = BeforeSuite(func() {
	assets := os.Getenv(envAssets)
	if assets == "" {
		if os.Getenv(envRequire) == "1" {
			Fail(envAssets + " is not set but " + envRequire + "=1: run `make test` or export " +
				envAssets + "=\"$(hack/envtest-assets.sh)\"")
		}
		Skip(envAssets + " not set: the controller suite needs envtest binaries (make envtest-assets)")
	}
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(imv1alpha1.AddToScheme(scheme))

	ctx, cancel = context.WithCancel(context.Background())
	testEnv = &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join("..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := testEnv.Start()
	Expect(err).NotTo(HaveOccurred())

	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:  scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
		Cache:   controllers.CacheOptions(),
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(controllers.SetupWithManager(mgr, controllers.Options{
		Resolver:               resolver,
		HTTPClient:             &http.Client{Transport: calls, Timeout: 5 * time.Second},
		DefaultChatServerImage: "example.test/chatserver:v0.0.0-test",
		ResyncPeriod:           resync,
		CleanupTimeout:         cleanupTimeout,
	})).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
})

var _ = AfterSuite(func() {
	if cancel != nil {
		cancel()
	}
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
	resolver.closeAll()
})
