package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	chatclient "github.com/chat-operator/chat-operator/chatserver/client"
)

// newApp creates a ChatApp on server "chat" in ns.
func newApp(ns, name string, mutate ...func(*imv1alpha1.ChatApp)) *imv1alpha1.ChatApp {
	GinkgoHelper()
	app := &imv1alpha1.ChatApp{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       imv1alpha1.ChatAppSpec{ServerRef: imv1alpha1.ServerReference{Name: "chat"}},
	}
	for _, m := range mutate {
		m(app)
	}
	Expect(k8s.Create(ctx, app)).To(Succeed())
	return app
}

// credentials reads the Secret <app>-credentials.
func credentials(app *imv1alpha1.ChatApp) *corev1.Secret {
	GinkgoHelper()
	s := &corev1.Secret{}
	Expect(k8s.Get(ctx, types.NamespacedName{Namespace: app.Namespace, Name: app.Name + "-credentials"}, s)).To(Succeed())
	return s
}

// adminAs is an admin API client of the app with the given secret.
func adminAs(srv *runningServer, appKey, secret string) *chatclient.Admin {
	GinkgoHelper()
	a, err := chatclient.NewAdmin(srv.URL, appKey, secret, nil)
	Expect(err).NotTo(HaveOccurred())
	return a
}

// adminOf is an admin API client built only from the credentials Secret,
// as the tenant's backend would build it.
func adminOf(app *imv1alpha1.ChatApp) *chatclient.Admin {
	GinkgoHelper()
	s := credentials(app)
	a, err := chatclient.NewAdmin(string(s.Data["adminURL"]), string(s.Data["appKey"]), string(s.Data["masterSecret"]), nil)
	Expect(err).NotTo(HaveOccurred())
	return a
}

func platformOf(srv *runningServer) *chatclient.Platform {
	GinkgoHelper()
	p, err := chatclient.NewPlatform(srv.URL, srv.Token, nil)
	Expect(err).NotTo(HaveOccurred())
	return p
}

// expectGone waits until obj no longer exists.
func expectGone(obj client.Object) {
	GinkgoHelper()
	Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj))
	}).Should(BeTrue(), "%s still exists", obj.GetName())
}

var _ = Describe("ChatApp", func() {
	var (
		ns  string
		cs  *imv1alpha1.ChatServer
		srv *runningServer
	)
	BeforeEach(func() {
		ns = newNamespace()
		cs, srv = readyServer(ns, "chat")
	})

	It("generates an appKey, writes the credentials Secret and registers the tenant", func() {
		app := newApp(ns, "shop")
		waitForCondition(app, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		waitForCondition(app, imv1alpha1.ConditionSynced, metav1.ConditionTrue)

		key := app.Spec.AppKey
		Expect(key).To(MatchRegexp(`^[A-Za-z0-9]{24}$`))
		Expect(app.Status.AppKey).To(Equal(key))
		Expect(app.Status.SecretName).To(Equal("shop-credentials"))
		Expect(app.Status.Endpoint).To(Equal(srv.URL))
		Expect(app.Status.ObservedGeneration).To(Equal(app.Generation))
		Expect(app.Finalizers).To(ContainElement("im.chat-operator.dev/cleanup"))

		s := credentials(app)
		Expect(metav1.IsControlledBy(s, app)).To(BeTrue(), "the Secret is owned by the ChatApp")
		Expect(s.Labels).To(HaveKeyWithValue(imv1alpha1.WatchLabel, "true"))
		Expect(string(s.Data["appKey"])).To(Equal(key))
		Expect(string(s.Data["masterSecret"])).To(MatchRegexp(`^[A-Za-z0-9]{24}$`))
		Expect(string(s.Data["adminURL"])).To(Equal(srv.URL))
		Expect(string(s.Data["clientURL"])).To(Equal(srv.URL + "/apps/" + key))

		// The tenant really exists: its admin API answers the Secret's
		// credentials and refuses others.
		_, err := adminOf(app).SensitiveWordFilter(ctx)
		Expect(err).NotTo(HaveOccurred())
		_, err = adminAs(srv, key, "wrongwrongwrongwrongwron").SensitiveWordFilter(ctx)
		Expect(chatclient.IsUnauthorized(err)).To(BeTrue(), "got %v", err)

		// The appKey in the spec can no longer change.
		Eventually(func() bool {
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(app), app)).To(Succeed())
			app.Spec.AppKey = "ABCDEFGHIJKLMNOPQRSTUVWX"
			err = k8s.Update(ctx, app)
			return !apierrors.IsConflict(err)
		}).Should(BeTrue())
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "got %v", err)
		Expect(err.Error()).To(ContainSubstring("appKey is immutable once set"))
	})

	It("pushes limits, features and suspension to the server", func() {
		app := newApp(ns, "limited", func(a *imv1alpha1.ChatApp) { a.Spec.Limits.SensitiveWords = 7 })
		waitForCondition(app, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		p := platformOf(srv)
		got, err := p.GetApp(ctx, app.Spec.AppKey)
		Expect(err).NotTo(HaveOccurred())
		Expect(got.Limits.SensitiveWords).To(Equal(7))

		other := "abcdefghijklmnopqrstuvwx"
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(app), app)).To(Succeed())
		app.Spec.Limits.SensitiveWords = 9
		app.Spec.Features.CrossAppAllowed = []string{other}
		app.Spec.Suspend = true
		Expect(k8s.Update(ctx, app)).To(Succeed())
		Eventually(func(g Gomega) {
			got, err := p.GetApp(ctx, app.Spec.AppKey)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got.Limits.SensitiveWords).To(Equal(9))
			g.Expect(got.Features.CrossAppAllowed).To(ConsistOf(other))
			g.Expect(got.Disabled).To(BeTrue())
		}).Should(Succeed())
		waitForCondition(app, imv1alpha1.ConditionReady, metav1.ConditionFalse)
		Expect(conditionReason(app, imv1alpha1.ConditionReady)).To(Equal(imv1alpha1.ReasonSuspended))
		waitForCondition(app, imv1alpha1.ConditionSynced, metav1.ConditionTrue)
		_, err = adminOf(app).SensitiveWordFilter(ctx)
		Expect(chatclient.IsAppDisabled(err)).To(BeTrue(), "a suspended tenant's API refuses: %v", err)
	})

	It("rotates the masterSecret when the credentials Secret is edited", func() {
		app := newApp(ns, "rotating")
		waitForCondition(app, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		s := credentials(app)
		key, old := string(s.Data["appKey"]), string(s.Data["masterSecret"])
		_, err := adminAs(srv, key, old).SensitiveWordFilter(ctx)
		Expect(err).NotTo(HaveOccurred())

		fresh := "Rotated0Secret0Value0123"
		s.Data["masterSecret"] = []byte(fresh)
		Expect(k8s.Update(ctx, s)).To(Succeed())
		Eventually(func() error {
			_, err := adminAs(srv, key, fresh).SensitiveWordFilter(ctx)
			return err
		}).Should(Succeed())
		_, err = adminAs(srv, key, old).SensitiveWordFilter(ctx)
		Expect(chatclient.IsUnauthorized(err)).To(BeTrue(), "the old secret must stop working: %v", err)
		Expect(string(credentials(app).Data["masterSecret"])).To(Equal(fresh), "the edit is kept, not regenerated")
	})

	It("uses a referenced masterSecret and follows its edits", func() {
		ref := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "vault-synced", Labels: map[string]string{imv1alpha1.WatchLabel: "true"}},
			Data:       map[string][]byte{"secret": []byte("FromVault000000000000001")},
		}
		Expect(k8s.Create(ctx, ref)).To(Succeed())
		app := newApp(ns, "referenced", func(a *imv1alpha1.ChatApp) {
			a.Spec.MasterSecretRef = &imv1alpha1.SecretKeySelector{Name: "vault-synced", Key: "secret"}
		})
		waitForCondition(app, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		_, err := adminAs(srv, app.Spec.AppKey, "FromVault000000000000001").SensitiveWordFilter(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(credentials(app).Data["masterSecret"])).To(Equal("FromVault000000000000001"))

		ref.Data["secret"] = []byte("FromVault000000000000002")
		Expect(k8s.Update(ctx, ref)).To(Succeed())
		Eventually(func() error {
			_, err := adminAs(srv, app.Spec.AppKey, "FromVault000000000000002").SensitiveWordFilter(ctx)
			return err
		}).Should(Succeed())
		_, err = adminAs(srv, app.Spec.AppKey, "FromVault000000000000001").SensitiveWordFilter(ctx)
		Expect(chatclient.IsUnauthorized(err)).To(BeTrue(), "got %v", err)
	})

	It("waits with SecretNotFound for a referenced Secret that does not exist", func() {
		app := newApp(ns, "no-ref", func(a *imv1alpha1.ChatApp) {
			a.Spec.MasterSecretRef = &imv1alpha1.SecretKeySelector{Name: "missing", Key: "secret"}
		})
		waitForCondition(app, imv1alpha1.ConditionReady, metav1.ConditionFalse)
		Eventually(func() string { return conditionReason(app, imv1alpha1.ConditionReady) }).
			Should(Equal(imv1alpha1.ReasonSecretNotFound))
	})

	It("with Retain disables the tenant and keeps its data for a ChatApp re-created with the same appKey", func() {
		app := newApp(ns, "kept")
		waitForCondition(app, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		key := app.Spec.AppKey
		Expect(adminOf(app).AddSensitiveWords(ctx, []string{"keepme"})).To(Succeed())

		Expect(k8s.Delete(ctx, app)).To(Succeed())
		expectGone(app)
		got, err := platformOf(srv).GetApp(ctx, key)
		Expect(err).NotTo(HaveOccurred(), "Retain keeps the tenant")
		Expect(got.Disabled).To(BeTrue(), "Retain disables the tenant")

		again := newApp(ns, "kept-again", func(a *imv1alpha1.ChatApp) { a.Spec.AppKey = key })
		waitForCondition(again, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		words, err := adminOf(again).ListSensitiveWords(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(words).To(ContainElement("keepme"))
	})

	It("with Delete purges the tenant", func() {
		app := newApp(ns, "purged", func(a *imv1alpha1.ChatApp) { a.Spec.DeletionPolicy = imv1alpha1.DeletionPolicyDelete })
		waitForCondition(app, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		key := app.Spec.AppKey
		Expect(k8s.Delete(ctx, app)).To(Succeed())
		expectGone(app)
		_, err := platformOf(srv).GetApp(ctx, key)
		Expect(chatclient.IsNotFound(err)).To(BeTrue(), "got %v", err)
	})

	It("is not stuck in Terminating when the server does not answer", func() {
		app := newApp(ns, "orphan", func(a *imv1alpha1.ChatApp) { a.Spec.DeletionPolicy = imv1alpha1.DeletionPolicyDelete })
		waitForCondition(app, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		resolver.Set(client.ObjectKeyFromObject(cs), unreachableURL)
		Expect(k8s.Delete(ctx, app)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(app), app))
		}).WithTimeout(cleanupTimeout + 20*time.Second).Should(BeTrue())
		// The server was never told, so the tenant is still there.
		_, err := platformOf(srv).GetApp(ctx, app.Spec.AppKey)
		Expect(err).NotTo(HaveOccurred())
	})

	It("is not stuck in Terminating when its ChatServer is gone", func() {
		app := newApp(ns, "serverless")
		waitForCondition(app, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		Expect(k8s.Delete(ctx, cs)).To(Succeed())
		Expect(k8s.Delete(ctx, app)).To(Succeed())
		expectGone(app)
	})

	It("gives the later of two ChatApps claiming one appKey a Conflict, and the key when the first goes", func() {
		const key = "SharedKey000000000000001"
		first := newApp(ns, "first", func(a *imv1alpha1.ChatApp) { a.Spec.AppKey = key })
		waitForCondition(first, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		firstSecret := string(credentials(first).Data["masterSecret"])

		second := newApp(ns, "second", func(a *imv1alpha1.ChatApp) { a.Spec.AppKey = key })
		waitForCondition(second, imv1alpha1.ConditionSynced, metav1.ConditionFalse)
		Expect(conditionReason(second, imv1alpha1.ConditionSynced)).To(Equal(imv1alpha1.ReasonConflict))
		Expect(conditionReason(second, imv1alpha1.ConditionReady)).To(Equal(imv1alpha1.ReasonConflict))
		Expect(second.Status.AppKey).To(BeEmpty())
		// It touched nothing: no Secret, and the first app's secret still works.
		Consistently(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "second-credentials"}, &corev1.Secret{}))
		}).WithTimeout(3 * time.Second).Should(BeTrue())
		_, err := adminAs(srv, key, firstSecret).SensitiveWordFilter(ctx)
		Expect(err).NotTo(HaveOccurred())

		Expect(k8s.Delete(ctx, first)).To(Succeed())
		expectGone(first)
		waitForCondition(second, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		_, err = adminOf(second).SensitiveWordFilter(ctx)
		Expect(err).NotTo(HaveOccurred())
	})

	It("refuses a ChatServer in another namespace until that namespace is allowed", func() {
		other := newNamespace()
		app := newApp(other, "guest", func(a *imv1alpha1.ChatApp) { a.Spec.ServerRef.Namespace = ns })
		waitForCondition(app, imv1alpha1.ConditionReady, metav1.ConditionFalse)
		Eventually(func() string { return conditionReason(app, imv1alpha1.ConditionReady) }).
			Should(Equal(imv1alpha1.ReasonNamespaceNotAllowed))

		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(cs), cs)).To(Succeed())
		cs.Spec.AllowedNamespaces = []string{other}
		Expect(k8s.Update(ctx, cs)).To(Succeed())
		waitForCondition(app, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		_, err := adminOf(app).SensitiveWordFilter(ctx)
		Expect(err).NotTo(HaveOccurred())
	})

	It("makes no writes and one read per resync when nothing changed", func() {
		app := newApp(ns, "quiet")
		waitForCondition(app, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		// Let the creation's own follow-up events settle first.
		time.Sleep(resync)
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(app), app)).To(Succeed())
		appVersion, secretVersion := app.ResourceVersion, credentials(app).ResourceVersion
		path := "/platform/v1/apps/" + app.Spec.AppKey
		gets, puts := calls.count("GET "+path), calls.count("PUT "+path)

		// Wait for at least two resyncs to have read the tenant.
		Eventually(func() int { return calls.count("GET "+path) - gets }).Should(BeNumerically(">=", 2))
		Expect(calls.count("PUT "+path)).To(Equal(puts), "no write to the chatserver")
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(app), app)).To(Succeed())
		Expect(app.ResourceVersion).To(Equal(appVersion), "no write to the ChatApp")
		Expect(credentials(app).ResourceVersion).To(Equal(secretVersion), "no write to the Secret")
	})

	It("corrects a tenant changed behind its back", func() {
		app := newApp(ns, "drifted")
		waitForCondition(app, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		p := platformOf(srv)
		_, _, err := p.PutApp(ctx, app.Spec.AppKey, chatclient.AppSpec{
			MasterSecret: string(credentials(app).Data["masterSecret"]), Disabled: true,
			Limits: chatclient.Limits{SensitiveWords: 3},
		})
		Expect(err).NotTo(HaveOccurred())
		Eventually(func(g Gomega) {
			got, err := p.GetApp(ctx, app.Spec.AppKey)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got.Disabled).To(BeFalse())
			g.Expect(got.Limits.SensitiveWords).To(Equal(100), "back to the default")
		}).Should(Succeed())
	})
})
