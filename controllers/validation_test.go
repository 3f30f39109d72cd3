package controllers_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

// These specs check the CRDs' OpenAPI bounds and CEL rules as the API
// server enforces them: the reconcilers rely on them.
var _ = Describe("CRD validation", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	expectInvalid := func(err error, fragment string) {
		GinkgoHelper()
		Expect(err).To(HaveOccurred())
		Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want Invalid, got %v", err)
		Expect(err.Error()).To(ContainSubstring(fragment))
	}

	It("refuses a change of a ChatApp's appKey once set, but lets the operator set it once", func() {
		app := &imv1alpha1.ChatApp{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "cel-appkey"},
			Spec:       imv1alpha1.ChatAppSpec{ServerRef: imv1alpha1.ServerReference{Name: "nowhere"}},
		}
		Expect(k8s.Create(ctx, app)).To(Succeed())
		Expect(app.Spec.DeletionPolicy).To(Equal(imv1alpha1.DeletionPolicyRetain), "defaulted by the CRD")

		// The first value is accepted (the operator generates it this way).
		Eventually(func() error {
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(app), app)).To(Succeed())
			if app.Spec.AppKey != "" {
				return nil
			}
			app.Spec.AppKey = "abcdefghijklmnopqrstuvwx"
			return k8s.Update(ctx, app)
		}).Should(Succeed())

		// The controller writes the object too; retry on a stale version
		// until the API server answers with the rule.
		for _, next := range []string{"ABCDEFGHIJKLMNOPQRSTUVWX", ""} {
			var err error
			Eventually(func() bool {
				Expect(k8s.Get(ctx, client.ObjectKeyFromObject(app), app)).To(Succeed())
				app.Spec.AppKey = next
				err = k8s.Update(ctx, app)
				return !apierrors.IsConflict(err)
			}).Should(BeTrue())
			expectInvalid(err, "appKey is immutable once set")
		}
	})

	It("refuses an appKey that is not 24 letters and digits", func() {
		app := &imv1alpha1.ChatApp{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bad-key"},
			Spec: imv1alpha1.ChatAppSpec{
				ServerRef: imv1alpha1.ServerReference{Name: "s"}, AppKey: "short-key",
			},
		}
		expectInvalid(k8s.Create(ctx, app), "spec.appKey")
	})

	It("refuses a change of serverRef", func() {
		app := &imv1alpha1.ChatApp{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "cel-ref"},
			Spec:       imv1alpha1.ChatAppSpec{ServerRef: imv1alpha1.ServerReference{Name: "one"}},
		}
		Expect(k8s.Create(ctx, app)).To(Succeed())
		Eventually(func() error {
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(app), app)).To(Succeed())
			app.Spec.ServerRef.Name = "two"
			return k8s.Update(ctx, app)
		}).Should(MatchError(ContainSubstring("serverRef is immutable")))
	})

	It("refuses a sensitive word longer than 10 characters and a change of appRef", func() {
		list := &imv1alpha1.SensitiveWordList{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "long"},
			Spec: imv1alpha1.SensitiveWordListSpec{
				AppRef: imv1alpha1.AppReference{Name: "a"}, Words: []string{"fine", "elevenchars"},
			},
		}
		expectInvalid(k8s.Create(ctx, list), "each word must be 1 to 10 characters")

		list.Spec.Words = []string{"十个字符的敏感词汇啊"} // ten characters, thirty bytes
		Expect(k8s.Create(ctx, list)).To(Succeed())
		Expect(list.Spec.Filtering).To(Equal(imv1alpha1.FilteringEnabled), "defaulted by the CRD")
		Eventually(func() error {
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(list), list)).To(Succeed())
			list.Spec.AppRef.Name = "b"
			return k8s.Update(ctx, list)
		}).Should(MatchError(ContainSubstring("appRef is immutable")))
	})

	It("refuses a ChatServer with both a managed and an external database, and storage changes", func() {
		bad := &imv1alpha1.ChatServer{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "both"},
			Spec: imv1alpha1.ChatServerSpec{Database: imv1alpha1.DatabaseSpec{
				Managed:  &imv1alpha1.ManagedDatabase{},
				External: &imv1alpha1.ExternalDatabase{DSNSecretRef: imv1alpha1.SecretKeySelector{Name: "db", Key: "dsn"}},
			}},
		}
		expectInvalid(k8s.Create(ctx, bad), "set either managed or external")

		cs := &imv1alpha1.ChatServer{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "sized"},
			Spec: imv1alpha1.ChatServerSpec{Database: imv1alpha1.DatabaseSpec{
				Managed: &imv1alpha1.ManagedDatabase{},
			}},
		}
		Expect(k8s.Create(ctx, cs)).To(Succeed())
		Expect(cs.Spec.Database.Managed.Storage.String()).To(Equal("1Gi"), "defaulted by the CRD")
		Expect(*cs.Spec.Replicas).To(Equal(int32(1)))
		Eventually(func() error {
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(cs), cs)).To(Succeed())
			q := resource.MustParse("5Gi")
			cs.Spec.Database.Managed.Storage = &q
			return k8s.Update(ctx, cs)
		}).Should(MatchError(ContainSubstring("storage is immutable")))
	})

	It("refuses a registration policy whose limits contradict each other", func() {
		hour, day := int32(30), int32(10)
		pol := &imv1alpha1.RegistrationPolicy{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "limits"},
			Spec: imv1alpha1.RegistrationPolicySpec{
				AppRef:            imv1alpha1.AppReference{Name: "a"},
				PhoneVerification: &imv1alpha1.PhoneVerification{MaxPerHour: &hour, MaxPerDay: &day},
			},
		}
		expectInvalid(k8s.Create(ctx, pol), "maxPerDay must be at least maxPerHour")

		pol.Spec.PhoneVerification = &imv1alpha1.PhoneVerification{Required: true}
		Expect(k8s.Create(ctx, pol)).To(Succeed())
		Expect(*pol.Spec.PhoneVerification.MaxPerHour).To(Equal(int32(20)), "the issue's default")
		Expect(*pol.Spec.PhoneVerification.MaxPerDay).To(Equal(int32(50)), "the issue's default")
		Expect(pol.Spec.SelfRegistration).To(Equal(imv1alpha1.SelfRegistrationOpen))
	})
})
