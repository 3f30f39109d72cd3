//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	chatclient "github.com/chat-operator/chat-operator/chatserver/client"
)

// The acceptance list, in order, on one ChatServer: each scenario
// builds on the state the previous ones left (users, messages, secrets).
var _ = Describe("chat-operator on a real cluster", Ordered, func() {
	var (
		shop tenant
		// alice is registered by the tenant's backend (admin API); bob
		// signs up by phone through SealTalk and listens on the gateway.
		bob  phoneUser
		bobG *gateway
	)

	serverManifest := func() string {
		return `
apiVersion: im.chat-operator.dev/v1alpha1
kind: ChatServer
metadata:
  name: chat
spec:
  replicas: 2
  database:
    managed:
      image: ` + postgresImage + `
      storage: 1Gi
  service:
    port: 8080
`
	}
	appManifest := func(name, policy, appKey string) string {
		m := `
apiVersion: im.chat-operator.dev/v1alpha1
kind: ChatApp
metadata:
  name: ` + name + `
spec:
  serverRef:
    name: chat
  deletionPolicy: ` + policy + `
`
		if appKey != "" {
			m += "  appKey: " + appKey + "\n"
		}
		return m
	}
	policyManifest := func(selfRegistration string) string {
		return `
apiVersion: v1
kind: Secret
metadata:
  name: shop-sms
  labels:
    im.chat-operator.dev/watch: "true"
stringData:
  token: ` + sms.token + `
---
apiVersion: im.chat-operator.dev/v1alpha1
kind: RegistrationPolicy
metadata:
  name: shop
spec:
  appRef:
    name: shop
  selfRegistration: ` + selfRegistration + `
  allowedRegions: ["86"]
  sms:
    webhookURL: ` + sms.url + `
    tokenSecretRef:
      name: shop-sms
      key: token
`
	}
	wordsManifest := func(words ...string) string {
		return `
apiVersion: im.chat-operator.dev/v1alpha1
kind: SensitiveWordList
metadata:
  name: shop-words
spec:
  appRef:
    name: shop
  filtering: Enabled
  words: ["` + strings.Join(words, `", "`) + `"]
`
	}
	server := func() *imv1alpha1.ChatServer { return named(&imv1alpha1.ChatServer{}, "chat") }

	// chatserverPods lists the Deployment's pods.
	chatserverPods := func(ctx context.Context) []corev1.Pod {
		GinkgoHelper()
		var dep appsv1.Deployment
		Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "chat"}, &dep)).To(Succeed())
		var pods corev1.PodList
		Expect(k8s.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels(dep.Spec.Selector.MatchLabels))).To(Succeed())
		return pods.Items
	}

	It("1. runs a ChatServer with managed PostgreSQL and 2 replicas, and a ChatApp", func(ctx SpecContext) {
		apply(ctx, serverManifest())
		apply(ctx, appManifest("shop", "Retain", ""))
		waitReady(ctx, server(), 5*time.Minute)
		waitReady(ctx, named(&imv1alpha1.ChatApp{}, "shop"), 2*time.Minute)

		By("the PostgreSQL StatefulSet has a ready pod on a bound claim")
		var sts appsv1.StatefulSet
		Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "chat-postgres"}, &sts)).To(Succeed())
		Expect(sts.Status.ReadyReplicas).To(BeNumerically("==", 1))
		var pvc corev1.PersistentVolumeClaim
		Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "data-chat-postgres-0"}, &pvc)).To(Succeed())
		Expect(pvc.Status.Phase).To(Equal(corev1.ClaimBound))
		var pg corev1.Pod
		Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "chat-postgres-0"}, &pg)).To(Succeed())
		Expect(pg.Status.Phase).To(Equal(corev1.PodRunning))
		Expect(pg.Spec.Containers[0].Image).To(Equal(postgresImage))

		By("two chatserver pods run and are ready")
		Eventually(func(g Gomega) {
			ready := 0
			for _, p := range chatserverPods(ctx) {
				if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil && podReady(p) {
					ready++
				}
			}
			g.Expect(ready).To(Equal(2))
		}).WithContext(ctx).WithTimeout(time.Minute).Should(Succeed())
		// Ready needs one available pod; the count catches up.
		Eventually(func(g Gomega) {
			var cs imv1alpha1.ChatServer
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(server()), &cs)).To(Succeed())
			g.Expect(cs.Status.ReadyReplicas).To(BeNumerically("==", 2))
			g.Expect(cs.Status.Endpoint).To(Equal("http://chat." + ns + ".svc:8080"))
		}).WithContext(ctx).WithTimeout(time.Minute).WithPolling(time.Second).Should(Succeed())
	})

	It("2. serves the tenant's admin API from the host through the Service, and delivers over the gateway", func(ctx SpecContext) {
		shop = readTenant(ctx, "shop")
		Expect(shop.adminURL).To(Equal("http://chat." + ns + ".svc:8080"))
		Expect(shop.clientURL).To(Equal(shop.adminURL + "/apps/" + shop.appKey))

		By("registering users through the admin API")
		a := shop.mustAdmin(ctx, http.MethodPost, "/v1/users/", []map[string]any{
			{"username": "alice", "password": "alice-secret"},
			{"username": "carol", "password": "carol-secret"},
		})
		Expect(a.status).To(Equal(http.StatusCreated), "%s", a)
		Expect(string(a.body)).To(MatchJSON(`[{"username":"alice"},{"username":"carol"}]`))
		a = shop.mustAdmin(ctx, http.MethodGet, "/v1/users/alice", nil)
		Expect(a.status).To(Equal(http.StatusOK), "%s", a)
		Expect(a.json()).To(HaveKeyWithValue("username", "alice"))

		By("an end user signing up by phone (SealTalk, code through the SMS webhook) and opening the gateway")
		apply(ctx, policyManifest("Open"))
		waitReady(ctx, named(&imv1alpha1.RegistrationPolicy{}, "shop"), time.Minute)
		bob = shop.signUp(ctx, "86", "13800000001", "bob-secret-1")
		bobG = shop.dial(ctx, bob.token, -1)

		By("the backend sending alice's message to bob: bob receives it live")
		id, a, err := shop.sendText(ctx, "alice", bob.id, "hello bob")
		Expect(err).NotTo(HaveOccurred())
		Expect(a.status).To(Equal(http.StatusCreated), "%s", a)
		f, err := bobG.next(ctx, 10*time.Second)
		Expect(err).NotTo(HaveOccurred())
		Expect(f.MsgID).To(Equal(id))
		Expect(f.FromID).To(Equal("alice"))
		Expect(f.MsgBody.Text).To(Equal("hello bob"))
		Expect(f.Seq).To(BeNumerically(">", 0), "a stored message has a seq")
	})

	It("3. masks the words of a SensitiveWordList, follows edits live, and undoes words added by hand", func(ctx SpecContext) {
		apply(ctx, wordsManifest("spam", "scam"))
		words := named(&imv1alpha1.SensitiveWordList{}, "shop-words")
		waitReady(ctx, words, time.Minute)

		_, a, err := shop.sendText(ctx, "alice", bob.id, "no spam here")
		Expect(err).NotTo(HaveOccurred())
		Expect(a.status).To(Equal(http.StatusCreated), "%s", a)
		f, err := bobG.next(ctx, 10*time.Second)
		Expect(err).NotTo(HaveOccurred())
		Expect(f.MsgBody.Text).To(Equal("no **** here"))

		before := map[types.UID]int32{}
		for _, p := range chatserverPods(ctx) {
			before[p.UID] = restarts(p)
		}

		By("editing the list: the new word is masked within seconds")
		apply(ctx, wordsManifest("spam", "scam", "phish"))
		Eventually(func(g Gomega) {
			_, a, err := shop.sendText(ctx, "alice", bob.id, "phish bait")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(a.status).To(Equal(http.StatusCreated), "%s", a)
			f, err := bobG.next(ctx, 10*time.Second)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(f.MsgBody.Text).To(Equal("***** bait"))
		}).WithContext(ctx).WithTimeout(30 * time.Second).WithPolling(time.Second).Should(Succeed())

		By("no chatserver pod was restarted or replaced")
		after := map[types.UID]int32{}
		for _, p := range chatserverPods(ctx) {
			after[p.UID] = restarts(p)
		}
		Expect(after).To(Equal(before))

		By("a word added by hand through the admin API is gone after the resync")
		admin := must(chatclient.NewAdmin(shop.base, shop.appKey, shop.masterSecret, httpClient))
		Expect(admin.AddSensitiveWords(ctx, []string{"byhand"})).To(Succeed())
		Expect(must(admin.ListSensitiveWords(ctx))).To(ContainElement("byhand"))
		Eventually(func(g Gomega) {
			listed, err := admin.ListSensitiveWords(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(listed).NotTo(ContainElement("byhand"))
			g.Expect(listed).To(ConsistOf("spam", "scam", "phish"))
		}).WithContext(ctx).WithTimeout(2 * time.Minute).WithPolling(2 * time.Second).Should(Succeed())
	})

	It("4. closes self-registration with a RegistrationPolicy: SealTalk register refuses", func(ctx SpecContext) {
		// The verification token is real (send_code and verify_code do not
		// look at the switch): register looks the token up before it
		// checks the switch, so a made-up token would be a 404, not the
		// refusal this is about.
		apply(ctx, policyManifest("Closed"))
		waitReady(ctx, named(&imv1alpha1.RegistrationPolicy{}, "shop"), time.Minute)

		admin := must(chatclient.NewAdmin(shop.base, shop.appKey, shop.masterSecret, httpClient))
		Expect(must(admin.SDKRegister(ctx))).To(BeFalse())
		a := shop.mustAdmin(ctx, http.MethodGet, "/v1/sdkregister/status", nil)
		Expect(string(a.body)).To(MatchJSON(`{"status":0}`))

		vt := shop.verificationToken(ctx, "86", "13800000002")
		a = shop.sealtalk(ctx, http.MethodPost, "register", map[string]any{
			"nickname": "dave", "password": "dave-secret-1", "verification_token": vt,
		}, "")
		Expect(a.status).To(Equal(http.StatusForbidden), "%s", a)
		Expect(a.json()).To(HaveKeyWithValue("code", BeNumerically("==", 403)))
		Expect(a.json()).To(HaveKey("message"))
		a = shop.sealtalk(ctx, http.MethodPost, "login", map[string]any{"region": "86", "phone": "13800000002", "password": "dave-secret-1"}, "")
		Expect(a.json()).To(HaveKeyWithValue("code", BeNumerically("==", 1000)), "nobody was registered: %s", a)
	})

	It("5. loses nothing acknowledged when a chatserver pod is deleted under load, and the pod comes back", func(ctx SpecContext) {
		pods := chatserverPods(ctx)
		Expect(pods).To(HaveLen(2))
		victim := pods[0]

		var (
			mu      sync.Mutex
			acked   []int64
			failed  int
			stop    = make(chan struct{})
			stopped = make(chan struct{})
		)
		ackedCount := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
		go func() {
			defer GinkgoRecover()
			defer close(stopped)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id, a, err := shop.sendText(ctx, "alice", bob.id, describe("load %d", i))
				mu.Lock()
				if err == nil && a.status == http.StatusCreated {
					acked = append(acked, id)
				} else {
					failed++
				}
				mu.Unlock()
			}
		}()
		Eventually(ackedCount).WithContext(ctx).WithTimeout(30 * time.Second).Should(BeNumerically(">=", 20))

		By("deleting pod " + victim.Name + " while messages are being sent")
		Expect(k8s.Delete(ctx, &victim)).To(Succeed())
		Eventually(func(g Gomega) {
			ready := 0
			for _, p := range chatserverPods(ctx) {
				g.Expect(p.UID).NotTo(Equal(victim.UID), "the deleted pod is still there")
				if podReady(p) {
					ready++
				}
			}
			g.Expect(ready).To(Equal(2))
		}).WithContext(ctx).WithTimeout(2 * time.Minute).WithPolling(time.Second).Should(Succeed())
		afterBack := ackedCount()
		Eventually(ackedCount).WithContext(ctx).WithTimeout(30 * time.Second).Should(BeNumerically(">=", afterBack+20))
		close(stop)
		<-stopped
		waitReady(ctx, server(), time.Minute)
		GinkgoWriter.Printf("acknowledged %d messages, %d sends failed during the restart\n", len(acked), failed)

		By("every acknowledged message is stored: bob's replay holds them all")
		want := map[int64]bool{}
		for _, id := range acked {
			want[id] = true
		}
		bobG.close()
		replay := shop.dial(ctx, bob.token, 0)
		defer replay.close()
		for len(want) > 0 {
			f, err := replay.next(ctx, 20*time.Second)
			Expect(err).NotTo(HaveOccurred(), "%d acknowledged messages never came back", len(want))
			delete(want, f.MsgID)
		}
	})

	It("6. rotates the masterSecret by editing the Secret: the old one is refused, the new one works", func(ctx SpecContext) {
		old := shop
		next := randomString(24)
		var s corev1.Secret
		Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "shop-credentials"}, &s)).To(Succeed())
		s.Data["masterSecret"] = []byte(next)
		Expect(k8s.Update(ctx, &s)).To(Succeed())

		rotated := shop
		rotated.masterSecret = next
		Eventually(func(g Gomega) {
			a, err := old.admin(ctx, http.MethodGet, "/v1/users/alice", nil)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(a.status).To(Equal(http.StatusUnauthorized), "old secret: %s", a)
			g.Expect(a.adminCode()).To(Equal(899008))
		}).WithContext(ctx).WithTimeout(time.Minute).WithPolling(time.Second).Should(Succeed())
		a := rotated.mustAdmin(ctx, http.MethodGet, "/v1/users/alice", nil)
		Expect(a.status).To(Equal(http.StatusOK), "new secret: %s", a)
		waitReady(ctx, named(&imv1alpha1.ChatApp{}, "shop"), time.Minute)
		shop = readTenant(ctx, "shop")
		Expect(shop.masterSecret).To(Equal(next))
	})

	It("7. keeps a Retain tenant's data across delete and re-create, and purges a Delete tenant's", func(ctx SpecContext) {
		for _, tc := range []struct {
			name, policy string
			kept         bool
		}{{"keep", "Retain", true}, {"purge", "Delete", false}} {
			By(tc.policy + ": create the ChatApp " + tc.name + " and a user in it")
			apply(ctx, appManifest(tc.name, tc.policy, ""))
			app := named(&imv1alpha1.ChatApp{}, tc.name)
			waitReady(ctx, app, 2*time.Minute)
			t := readTenant(ctx, tc.name)
			a := t.mustAdmin(ctx, http.MethodPost, "/v1/users/", []map[string]any{{"username": "erin", "password": "erin-secret"}})
			Expect(a.status).To(Equal(http.StatusCreated), "%s", a)

			By(tc.policy + ": delete it")
			Expect(k8s.Delete(ctx, app)).To(Succeed())
			waitGone(ctx, app, 3*time.Minute)
			a = t.mustAdmin(ctx, http.MethodGet, "/v1/users/erin", nil)
			if tc.kept {
				Expect(a.status).To(Equal(http.StatusForbidden), "a retained tenant is disabled: %s", a)
				Expect(a.adminCode()).To(Equal(chatclient.CodeAppDisabled))
			} else {
				Expect(a.status).To(Equal(http.StatusUnauthorized), "a purged tenant is gone: %s", a)
			}

			By(tc.policy + ": re-create it with the same appKey")
			apply(ctx, appManifest(tc.name, tc.policy, t.appKey))
			waitReady(ctx, named(&imv1alpha1.ChatApp{}, tc.name), 2*time.Minute)
			again := readTenant(ctx, tc.name)
			Expect(again.appKey).To(Equal(t.appKey))
			a = again.mustAdmin(ctx, http.MethodGet, "/v1/users/erin", nil)
			if tc.kept {
				Expect(a.status).To(Equal(http.StatusOK), "the retained user is back: %s", a)
			} else {
				Expect(a.status).To(Equal(http.StatusNotFound), "the purged user is gone: %s", a)
				Expect(a.adminCode()).To(Equal(899002))
			}
		}
	})

	It("8. deletes the ChatServer with nothing stuck in Terminating", func(ctx SpecContext) {
		if bobG != nil {
			bobG.close()
		}
		Expect(k8s.Delete(ctx, server())).To(Succeed())
		waitGone(ctx, server(), 2*time.Minute)

		By("the apps, lists and policy on it go too")
		for _, obj := range []client.Object{
			named(&imv1alpha1.SensitiveWordList{}, "shop-words"),
			named(&imv1alpha1.RegistrationPolicy{}, "shop"),
			named(&imv1alpha1.ChatApp{}, "shop"),
			named(&imv1alpha1.ChatApp{}, "keep"),
			named(&imv1alpha1.ChatApp{}, "purge"),
		} {
			Expect(client.IgnoreNotFound(k8s.Delete(ctx, obj))).To(Succeed())
		}
		for _, obj := range []client.Object{
			named(&imv1alpha1.SensitiveWordList{}, "shop-words"),
			named(&imv1alpha1.RegistrationPolicy{}, "shop"),
			named(&imv1alpha1.ChatApp{}, "shop"),
			named(&imv1alpha1.ChatApp{}, "keep"),
			named(&imv1alpha1.ChatApp{}, "purge"),
		} {
			waitGone(ctx, obj, 3*time.Minute)
		}

		By("the workloads are garbage-collected and no pod is left Terminating")
		Eventually(func(g Gomega) {
			var deps appsv1.DeploymentList
			g.Expect(k8s.List(ctx, &deps, client.InNamespace(ns))).To(Succeed())
			g.Expect(deps.Items).To(BeEmpty())
			var sts appsv1.StatefulSetList
			g.Expect(k8s.List(ctx, &sts, client.InNamespace(ns))).To(Succeed())
			g.Expect(sts.Items).To(BeEmpty())
			var pods corev1.PodList
			g.Expect(k8s.List(ctx, &pods, client.InNamespace(ns))).To(Succeed())
			g.Expect(pods.Items).To(BeEmpty())
		}).WithContext(ctx).WithTimeout(2 * time.Minute).WithPolling(time.Second).Should(Succeed())
	})
})

func podReady(p corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func restarts(p corev1.Pod) int32 {
	var n int32
	for _, c := range p.Status.ContainerStatuses {
		n += c.RestartCount
	}
	return n
}
