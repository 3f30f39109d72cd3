package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	chatclient "github.com/chat-operator/chat-operator/chatserver/client"
)

func newWordList(ns, name, app string, filtering imv1alpha1.Filtering, words ...string) *imv1alpha1.SensitiveWordList {
	GinkgoHelper()
	l := &imv1alpha1.SensitiveWordList{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: imv1alpha1.SensitiveWordListSpec{
			AppRef: imv1alpha1.AppReference{Name: app}, Words: words, Filtering: filtering,
		},
	}
	Expect(k8s.Create(ctx, l)).To(Succeed())
	return l
}

// serverWords is what the app's admin API reports.
func serverWords(admin *chatclient.Admin) func(Gomega) []string {
	return func(g Gomega) []string {
		words, err := admin.ListSensitiveWords(ctx)
		g.Expect(err).NotTo(HaveOccurred())
		return words
	}
}

var _ = Describe("SensitiveWordList", func() {
	var (
		ns    string
		app   *imv1alpha1.ChatApp
		admin *chatclient.Admin
	)
	BeforeEach(func() {
		ns = newNamespace()
		readyServer(ns, "chat")
		app = newApp(ns, "tenant")
		waitForCondition(app, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		admin = adminOf(app)
	})

	It("merges every list of an app into its word set; filtering is on if any list enables it", func() {
		base := newWordList(ns, "base", "tenant", imv1alpha1.FilteringDisabled, "alpha", "beta")
		extra := newWordList(ns, "extra", "tenant", imv1alpha1.FilteringEnabled, "beta", "gamma")
		Eventually(serverWords(admin)).Should(ConsistOf("alpha", "beta", "gamma"))
		Eventually(func() (bool, error) { return admin.SensitiveWordFilter(ctx) }).Should(BeTrue())

		waitForCondition(base, imv1alpha1.ConditionSynced, metav1.ConditionTrue)
		waitForCondition(extra, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(base), base)).To(Succeed())
			g.Expect(base.Status.WordCount).To(Equal(int32(2)))
			g.Expect(base.Status.AppWordCount).To(Equal(int32(3)))
			g.Expect(base.Status.ObservedGeneration).To(Equal(base.Generation))
		}).Should(Succeed())
	})

	It("applies edits and undoes words added or removed through the admin API", func() {
		l := newWordList(ns, "words", "tenant", imv1alpha1.FilteringEnabled, "one", "two")
		Eventually(serverWords(admin)).Should(ConsistOf("one", "two"))

		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(l), l)).To(Succeed())
		l.Spec.Words = []string{"one", "three"}
		Expect(k8s.Update(ctx, l)).To(Succeed())
		Eventually(serverWords(admin)).Should(ConsistOf("one", "three"))

		Expect(admin.AddSensitiveWords(ctx, []string{"byhand"})).To(Succeed())
		Expect(admin.DeleteSensitiveWord(ctx, "one")).To(Succeed())
		Expect(admin.SetSensitiveWordFilter(ctx, false)).To(Succeed())
		Eventually(serverWords(admin)).Should(ConsistOf("one", "three"))
		Eventually(func() (bool, error) { return admin.SensitiveWordFilter(ctx) }).Should(BeTrue())
	})

	It("takes out only the words no other list declares when a list is deleted", func() {
		first := newWordList(ns, "first", "tenant", imv1alpha1.FilteringEnabled, "a", "shared")
		second := newWordList(ns, "second", "tenant", imv1alpha1.FilteringDisabled, "shared", "b")
		Eventually(serverWords(admin)).Should(ConsistOf("a", "shared", "b"))

		Expect(k8s.Delete(ctx, first)).To(Succeed())
		expectGone(first)
		Eventually(serverWords(admin)).Should(ConsistOf("shared", "b"))
		Eventually(func() (bool, error) { return admin.SensitiveWordFilter(ctx) }).Should(BeFalse(),
			"the remaining list disables filtering")

		Expect(k8s.Delete(ctx, second)).To(Succeed())
		expectGone(second)
		Eventually(serverWords(admin)).Should(BeEmpty())
	})

	It("reports a merged set larger than the app allows and leaves the server alone", func() {
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(app), app)).To(Succeed())
		app.Spec.Limits.SensitiveWords = 3
		Expect(k8s.Update(ctx, app)).To(Succeed())
		Eventually(func(g Gomega) {
			got, err := platformOfApp(app).GetApp(ctx, app.Spec.AppKey)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got.Limits.SensitiveWords).To(Equal(3))
		}).Should(Succeed())

		l := newWordList(ns, "toomany", "tenant", imv1alpha1.FilteringEnabled, "w1", "w2")
		Eventually(serverWords(admin)).Should(ConsistOf("w1", "w2"))
		more := newWordList(ns, "more", "tenant", imv1alpha1.FilteringEnabled, "w3", "w4")
		waitForCondition(more, imv1alpha1.ConditionWithinCapacity, metav1.ConditionFalse)
		Expect(conditionReason(more, imv1alpha1.ConditionSynced)).To(Equal(imv1alpha1.ReasonCapacityExceeded))
		waitForCondition(l, imv1alpha1.ConditionWithinCapacity, metav1.ConditionFalse)
		Consistently(serverWords(admin)).WithTimeout(3 * time.Second).Should(ConsistOf("w1", "w2"))
	})

	It("waits for an app that does not exist yet", func() {
		l := newWordList(ns, "early", "later", imv1alpha1.FilteringEnabled, "soon")
		waitForCondition(l, imv1alpha1.ConditionSynced, metav1.ConditionFalse)
		Expect(conditionReason(l, imv1alpha1.ConditionSynced)).To(Equal(imv1alpha1.ReasonAppNotFound))

		later := newApp(ns, "later")
		waitForCondition(later, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		waitForCondition(l, imv1alpha1.ConditionSynced, metav1.ConditionTrue)
		Eventually(serverWords(adminOf(later))).Should(ConsistOf("soon"))
	})
})

var _ = Describe("RegistrationPolicy", func() {
	var (
		ns    string
		admin *chatclient.Admin
	)
	BeforeEach(func() {
		ns = newNamespace()
		readyServer(ns, "chat")
		app := newApp(ns, "tenant")
		waitForCondition(app, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		admin = adminOf(app)
	})

	newPolicy := func(name string, mutate ...func(*imv1alpha1.RegistrationPolicy)) *imv1alpha1.RegistrationPolicy {
		GinkgoHelper()
		p := &imv1alpha1.RegistrationPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
			Spec: imv1alpha1.RegistrationPolicySpec{
				AppRef: imv1alpha1.AppReference{Name: "tenant"}, SelfRegistration: imv1alpha1.SelfRegistrationClosed,
			},
		}
		for _, m := range mutate {
			m(p)
		}
		Expect(k8s.Create(ctx, p)).To(Succeed())
		return p
	}
	sdkRegister := func() (bool, error) { return admin.SDKRegister(ctx) }

	It("closes self-registration through /v1/sdkregister/status and stores the rest of the policy", func() {
		token := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "sms"},
			Data:       map[string][]byte{"token": []byte("s3cret-token\n")},
		}
		Expect(k8s.Create(ctx, token)).To(Succeed())
		six, five := int32(6), int32(5)
		noSpaces := false
		p := newPolicy("signup", func(p *imv1alpha1.RegistrationPolicy) {
			p.Spec.PhoneVerification = &imv1alpha1.PhoneVerification{Required: true, CodeLength: &six, CaptchaRequired: true}
			p.Spec.Username = &imv1alpha1.UsernameRules{MinLength: &five, Pattern: "^[a-z0-9]+$"}
			p.Spec.Password = &imv1alpha1.PasswordRules{MinLength: &six, AllowSpaces: &noSpaces}
			p.Spec.AllowedRegions = []string{"86", "1"}
			p.Spec.SMS = &imv1alpha1.SMSDelivery{
				WebhookURL:     "https://sms.example.test/send",
				TokenSecretRef: &imv1alpha1.SecretKeySelector{Name: "sms", Key: "token"},
			}
		})
		Eventually(sdkRegister).Should(BeFalse())
		waitForCondition(p, imv1alpha1.ConditionSynced, metav1.ConditionTrue)
		waitForCondition(p, imv1alpha1.ConditionReady, metav1.ConditionTrue)

		got, err := admin.RegistrationPolicy(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(got.SelfRegistration).To(Equal("Closed"))
		Expect(*got.PhoneVerification.Required).To(BeTrue())
		Expect(*got.PhoneVerification.CodeLength).To(Equal(6))
		Expect(*got.PhoneVerification.CaptchaRequired).To(BeTrue())
		Expect(*got.PhoneVerification.MaxPerHour).To(Equal(20), "the CRD's default")
		Expect(*got.PhoneVerification.MaxPerDay).To(Equal(50), "the CRD's default")
		Expect(*got.Username.MinLength).To(Equal(5))
		Expect(*got.Username.Pattern).To(Equal("^[a-z0-9]+$"))
		Expect(*got.Password.AllowSpaces).To(BeFalse())
		Expect(got.AllowedRegions).To(ConsistOf("86", "1"))
		Expect(got.SMS.WebhookURL).To(Equal("https://sms.example.test/send"))
		Expect(got.SMS.Token).To(Equal("s3cret-token"), "resolved from the Secret, trailing newline trimmed")
	})

	It("undoes a switch flipped through the admin API and opens again when edited", func() {
		p := newPolicy("closed")
		Eventually(sdkRegister).Should(BeFalse())
		Expect(admin.SetSDKRegister(ctx, true)).To(Succeed())
		Eventually(sdkRegister).Should(BeFalse(), "drift corrected at the next resync")

		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(p), p)).To(Succeed())
		p.Spec.SelfRegistration = imv1alpha1.SelfRegistrationOpen
		Expect(k8s.Update(ctx, p)).To(Succeed())
		Eventually(sdkRegister).Should(BeTrue())
	})

	It("refuses a username pattern that is not RE2 before calling the server", func() {
		p := newPolicy("badpattern", func(p *imv1alpha1.RegistrationPolicy) {
			p.Spec.Username = &imv1alpha1.UsernameRules{Pattern: "^(unclosed"}
		})
		waitForCondition(p, imv1alpha1.ConditionSynced, metav1.ConditionFalse)
		Expect(conditionReason(p, imv1alpha1.ConditionSynced)).To(Equal(imv1alpha1.ReasonInvalidSpec))
		Consistently(sdkRegister).WithTimeout(2*time.Second).Should(BeTrue(), "nothing was applied")
	})

	It("gives a second policy for the same app a Conflict", func() {
		first := newPolicy("first")
		waitForCondition(first, imv1alpha1.ConditionSynced, metav1.ConditionTrue)
		second := newPolicy("second", func(p *imv1alpha1.RegistrationPolicy) {
			p.Spec.SelfRegistration = imv1alpha1.SelfRegistrationOpen
		})
		waitForCondition(second, imv1alpha1.ConditionSynced, metav1.ConditionFalse)
		Expect(conditionReason(second, imv1alpha1.ConditionSynced)).To(Equal(imv1alpha1.ReasonConflict))
		Consistently(sdkRegister).WithTimeout(3*time.Second).Should(BeFalse(), "the second policy touches nothing")
	})

	It("puts the app back to the defaults when deleted", func() {
		p := newPolicy("temporary")
		Eventually(sdkRegister).Should(BeFalse())
		Expect(k8s.Delete(ctx, p)).To(Succeed())
		expectGone(p)
		open, err := admin.SDKRegister(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(open).To(BeTrue())
	})
})

// platformOfApp is a platform client of the server an app's credentials
// point at.
func platformOfApp(app *imv1alpha1.ChatApp) *chatclient.Platform {
	GinkgoHelper()
	for _, s := range started {
		if s.URL == string(credentials(app).Data["adminURL"]) {
			return platformOf(s)
		}
	}
	Fail("no running server for app " + app.Name)
	return nil
}
