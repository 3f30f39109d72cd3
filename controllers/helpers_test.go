package controllers_test

import (
	"context"
	"crypto/rand"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/server"
	"github.com/chat-operator/chat-operator/chatserver/store"
	"github.com/chat-operator/chat-operator/controllers"
)

// testResolver points each ChatServer at a chatserver running in this
// process. A server without an entry resolves to a closed port, which is
// how tests make a server unreachable.
type testResolver struct {
	mu      sync.Mutex
	urls    map[types.NamespacedName]string
	servers []*httptest.Server
	started []*runningServer
}

// running lists the chatservers started so far.
func (r *testResolver) running() []*runningServer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*runningServer(nil), r.started...)
}

func newTestResolver() *testResolver {
	return &testResolver{urls: map[types.NamespacedName]string{}}
}

// unreachableURL is a loopback port nothing listens on.
const unreachableURL = "http://127.0.0.1:1"

func (r *testResolver) Endpoint(s *imv1alpha1.ChatServer) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if u, ok := r.urls[types.NamespacedName{Namespace: s.Namespace, Name: s.Name}]; ok {
		return u
	}
	return unreachableURL
}

func (r *testResolver) set(key types.NamespacedName, url string) {
	r.mu.Lock()
	r.urls[key] = url
	r.mu.Unlock()
}

func (r *testResolver) closeAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.servers {
		s.Close()
	}
}

// runningServer is a real chatserver (SQLite) serving over HTTP.
type runningServer struct {
	URL   string
	Token string
	Svc   *core.Service
	http  *httptest.Server
}

// startChatServer runs a chatserver that accepts token on its platform API.
func startChatServer(token string) *runningServer {
	GinkgoHelper()
	st, err := store.Open(context.Background(), "sqlite:"+filepath.Join(GinkgoT().TempDir(), "chat.db"))
	Expect(err).NotTo(HaveOccurred())
	svc := core.New(st)
	ts := httptest.NewServer(server.New(svc, server.Config{PlatformToken: token, Version: "test"}, prometheus.NewRegistry()))
	DeferCleanup(func() {
		ts.Close()
		_ = st.Close()
	})
	resolver.mu.Lock()
	srv := &runningServer{URL: ts.URL, Token: token, Svc: svc, http: ts}
	resolver.servers = append(resolver.servers, ts)
	resolver.started = append(resolver.started, srv)
	resolver.mu.Unlock()
	return srv
}

// newNamespace creates a namespace with a random name for one test.
func newNamespace() string {
	GinkgoHelper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "t-" + strings.ToLower(rand.Text()[:10])}}
	Expect(k8s.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// bringUp plays the part of the kubelet and the workload controllers for a
// ChatServer the operator has reconciled: it waits for the generated
// platform token, starts a chatserver in this process with that token,
// points the resolver at it and marks the Deployment and (for a managed
// database) the StatefulSet ready.
func bringUp(cs *imv1alpha1.ChatServer) *runningServer {
	GinkgoHelper()
	key := client.ObjectKeyFromObject(cs)
	var secret corev1.Secret
	Eventually(func() error {
		return k8s.Get(ctx, types.NamespacedName{Namespace: cs.Namespace, Name: controllers.PlatformTokenSecretName(cs)}, &secret)
	}).Should(Succeed())
	srv := startChatServer(string(secret.Data[controllers.PlatformTokenKey]))
	resolver.set(key, srv.URL)
	markWorkloadsReady(cs)
	return srv
}

// markWorkloadsReady patches the status a real cluster's controllers would
// write once the pods run.
func markWorkloadsReady(cs *imv1alpha1.ChatServer) {
	GinkgoHelper()
	var dep appsv1.Deployment
	Eventually(func() error {
		return k8s.Get(ctx, types.NamespacedName{Namespace: cs.Namespace, Name: controllers.ServiceName(cs)}, &dep)
	}).Should(Succeed())
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
	Expect(k8s.Status().Update(ctx, &dep)).To(Succeed())

	if cs.Spec.Database.External != nil {
		return
	}
	var sts appsv1.StatefulSet
	Eventually(func() error {
		return k8s.Get(ctx, types.NamespacedName{Namespace: cs.Namespace, Name: cs.Name + "-postgres"}, &sts)
	}).Should(Succeed())
	sts.Status = appsv1.StatefulSetStatus{
		ObservedGeneration: sts.Generation, Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1,
		CurrentReplicas: 1, UpdatedReplicas: 1,
	}
	Expect(k8s.Status().Update(ctx, &sts)).To(Succeed())
}

// readyServer creates a ChatServer in ns, brings it up and waits until it
// reports Ready.
func readyServer(ns, name string) (*imv1alpha1.ChatServer, *runningServer) {
	GinkgoHelper()
	cs := &imv1alpha1.ChatServer{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	Expect(k8s.Create(ctx, cs)).To(Succeed())
	srv := bringUp(cs)
	waitForCondition(cs, imv1alpha1.ConditionReady, metav1.ConditionTrue)
	return cs, srv
}

// conditionedObject is any of our kinds.
type conditionedObject interface {
	client.Object
	GetConditions() *[]metav1.Condition
}

// waitForCondition waits until obj's condition typ has status, and leaves
// the fresh object in obj.
func waitForCondition(obj conditionedObject, typ string, status metav1.ConditionStatus) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
		c := findCondition(*obj.GetConditions(), typ)
		g.Expect(c).NotTo(BeNil(), "condition %s not set yet", typ)
		g.Expect(c.Status).To(Equal(status), "condition %s: %s: %s", typ, c.Reason, c.Message)
	}).WithTimeout(30 * time.Second).Should(Succeed())
}

// conditionReason returns obj's current reason for condition typ.
func conditionReason(obj conditionedObject, typ string) string {
	GinkgoHelper()
	Expect(k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
	if c := findCondition(*obj.GetConditions(), typ); c != nil {
		return c.Reason
	}
	return ""
}

func findCondition(conds []metav1.Condition, typ string) *metav1.Condition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}
