//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "chat-operator end to end on a local cluster")
}

var (
	// k8s talks to the local cluster as its admin (system:masters).
	k8s client.Client
	// ns is this run's namespace; every object of the suite lives in it.
	ns string
	// postgresImage is the PostgreSQL 17 image built for the node.
	postgresImage string
	// sms stands in for the tenant's SMS gateway: chatserver pods call it
	// on the node's address, and it keeps the codes they send.
	sms *smsGateway
)

var _ = BeforeSuite(func(ctx SpecContext) {
	kubeconfig := os.Getenv("CHAT_E2E_KUBECONFIG")
	postgresImage = os.Getenv("CHAT_E2E_POSTGRES_IMAGE")
	if kubeconfig == "" || postgresImage == "" {
		Fail("CHAT_E2E_KUBECONFIG and CHAT_E2E_POSTGRES_IMAGE must be set: run `make test-e2e`")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	Expect(err).NotTo(HaveOccurred())
	scheme := runtime.NewScheme()
	Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	Expect(imv1alpha1.AddToScheme(scheme)).To(Succeed())
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "e2e-"}}
	Expect(k8s.Create(ctx, namespace)).To(Succeed())
	ns = namespace.Name
	GinkgoWriter.Printf("namespace %s\n", ns)

	sms = startSMSGateway(nodeIP(ctx))
	DeferCleanup(sms.close)
})

var _ = AfterSuite(func(ctx SpecContext) {
	if ns == "" || os.Getenv("CHAT_E2E_KEEP") == "1" {
		return
	}
	namespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
	Expect(client.IgnoreNotFound(k8s.Delete(ctx, namespace))).To(Succeed())
})

// nodeIP is the node's InternalIP: pods reach the host there.
func nodeIP(ctx context.Context) string {
	var nodes corev1.NodeList
	Expect(k8s.List(ctx, &nodes)).To(Succeed())
	Expect(nodes.Items).To(HaveLen(1), "the local cluster has one node")
	for _, a := range nodes.Items[0].Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address
		}
	}
	Fail("the node has no InternalIP")
	return ""
}

// httpClient calls the chatserver Service from the host. Keep-alives are
// off so that every request is balanced anew by kube-proxy, as separate
// backend processes would be.
var httpClient = &http.Client{
	Timeout: 10 * time.Second,
	Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext:       (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	},
}

// must fails the spec on err; for the few calls that cannot fail in a
// healthy setup.
func must[T any](v T, err error) T {
	GinkgoHelper()
	Expect(err).NotTo(HaveOccurred())
	return v
}

func describe(format string, args ...any) string { return fmt.Sprintf(format, args...) }
