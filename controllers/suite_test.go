package controllers_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/chat-operator/chat-operator/controllers"
	"github.com/chat-operator/chat-operator/test/envtestutil"
)

// The suite runs the four reconcilers in a real manager against a real
// kube-apiserver and etcd (envtest, binaries from hack/envtest-assets.sh),
// and against real chatservers started in this process (bringUp in
// helpers_test.go). No pods run under envtest, so tests mark Deployments
// and StatefulSets ready by patching their status. Without envtest
// binaries the suite skips, or fails under CHAT_TEST_REQUIRE_ENVTEST=1
// (see test/envtestutil).

const (
	// resync is short so drift correction is observable in a test.
	resync = 2 * time.Second
	// cleanupTimeout bounds how long a finalizer retries a dead server.
	cleanupTimeout = 3 * time.Second
)

var (
	k8s      client.Client
	scheme   = envtestutil.NewScheme()
	resolver = envtestutil.NewResolver()
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
	var err error
	testEnv, err = envtestutil.NewEnvironment()
	if envtestutil.ShouldSkip(err) {
		Skip(err.Error())
	}
	if err != nil {
		Fail(err.Error())
	}
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))

	ctx, cancel = context.WithCancel(context.Background())
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
})
