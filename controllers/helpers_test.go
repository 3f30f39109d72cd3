package controllers_test

import (
	"crypto/rand"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	"github.com/chat-operator/chat-operator/test/envtestutil"
)

// runningServer is a real chatserver (SQLite) serving over HTTP in this
// process; bringUp starts them.
type runningServer = envtestutil.ChatServer

// unreachableURL is where a ChatServer the resolver has no server for
// resolves: a loopback port nothing listens on.
const unreachableURL = envtestutil.UnreachableURL

// started lists the chatservers bringUp has started, in order.
var started []*runningServer

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
// database) the StatefulSet ready. The chatserver stops when the spec (or
// the container that started it) ends.
func bringUp(cs *imv1alpha1.ChatServer) *runningServer {
	GinkgoHelper()
	srv, err := envtestutil.BringUp(ctx, k8s, resolver, cs, GinkgoT().TempDir())
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(srv.Close)
	started = append(started, srv)
	return srv
}

// markWorkloadsReady patches the status a real cluster's controllers would
// write once the pods run.
func markWorkloadsReady(cs *imv1alpha1.ChatServer) {
	GinkgoHelper()
	Expect(envtestutil.MarkWorkloadsReady(ctx, k8s, cs)).To(Succeed())
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
