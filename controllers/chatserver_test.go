package controllers_test

import (
	"maps"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	"github.com/chat-operator/chat-operator/controllers"
)

// makeChatServer creates a ChatServer named name in ns, shaped by mutate.
func makeChatServer(ns, name string, mutate ...func(*imv1alpha1.ChatServer)) *imv1alpha1.ChatServer {
	GinkgoHelper()
	cs := &imv1alpha1.ChatServer{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	for _, m := range mutate {
		m(cs)
	}
	Expect(k8s.Create(ctx, cs)).To(Succeed())
	return cs
}

// updateChatServer re-reads cs, applies change and writes it, retrying on
// conflicts.
func updateChatServer(cs *imv1alpha1.ChatServer, change func(*imv1alpha1.ChatServer)) {
	GinkgoHelper()
	Eventually(func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(cs), cs); err != nil {
			return err
		}
		change(cs)
		return k8s.Update(ctx, cs)
	}).Should(Succeed())
}

// owned waits until the object named name in cs's namespace exists and
// reads it into obj.
func owned(cs *imv1alpha1.ChatServer, name string, obj client.Object) {
	GinkgoHelper()
	Eventually(func() error {
		return k8s.Get(ctx, types.NamespacedName{Namespace: cs.Namespace, Name: name}, obj)
	}).Should(Succeed(), "%T %s never appeared", obj, name)
}

// expectControlledBy checks obj's controller owner reference points at cs.
func expectControlledBy(obj client.Object, cs *imv1alpha1.ChatServer) {
	GinkgoHelper()
	ref := metav1.GetControllerOf(obj)
	Expect(ref).NotTo(BeNil(), "%s has no controller reference", obj.GetName())
	Expect(ref.Kind).To(Equal("ChatServer"))
	Expect(ref.Name).To(Equal(cs.Name))
	Expect(ref.UID).To(Equal(cs.UID))
	Expect(obj.GetLabels()).To(HaveKeyWithValue(imv1alpha1.ServerLabel, cs.Name))
	Expect(obj.GetLabels()).To(HaveKeyWithValue("app.kubernetes.io/managed-by", "chat-operator"))
}

// envFrom returns the container's variable name, failing if it is absent.
func envFrom(c corev1.Container, name string) corev1.EnvVar {
	GinkgoHelper()
	for _, e := range c.Env {
		if e.Name == name {
			return e
		}
	}
	Fail("no env var " + name + " in container " + c.Name)
	return corev1.EnvVar{}
}

// secretRef is the Secret key an env var reads.
func secretRef(e corev1.EnvVar) [2]string {
	GinkgoHelper()
	Expect(e.ValueFrom).NotTo(BeNil(), "%s is not read from a Secret", e.Name)
	Expect(e.ValueFrom.SecretKeyRef).NotTo(BeNil(), "%s is not read from a Secret", e.Name)
	return [2]string{e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key}
}

// podConfigHash is the Deployment's config-hash annotation.
func podConfigHash(cs *imv1alpha1.ChatServer) string {
	GinkgoHelper()
	var dep appsv1.Deployment
	owned(cs, controllers.ServiceName(cs), &dep)
	return dep.Spec.Template.Annotations[controllers.ConfigHashAnnotation]
}

// resourceVersions maps every object the ChatServer owns, and the
// ChatServer itself, to its resourceVersion: any write changes one.
func resourceVersions(cs *imv1alpha1.ChatServer) map[string]string {
	GinkgoHelper()
	out := map[string]string{}
	var fresh imv1alpha1.ChatServer
	Expect(k8s.Get(ctx, client.ObjectKeyFromObject(cs), &fresh)).To(Succeed())
	out["ChatServer/"+fresh.Name] = fresh.ResourceVersion
	selector := client.MatchingLabels{imv1alpha1.ServerLabel: cs.Name}
	lists := map[string]client.ObjectList{
		"Deployment": &appsv1.DeploymentList{}, "StatefulSet": &appsv1.StatefulSetList{},
		"Service": &corev1.ServiceList{}, "Secret": &corev1.SecretList{},
		"PodDisruptionBudget": &policyv1.PodDisruptionBudgetList{},
	}
	for kind, list := range lists {
		Expect(k8s.List(ctx, list, client.InNamespace(cs.Namespace), selector)).To(Succeed())
		switch l := list.(type) {
		case *appsv1.DeploymentList:
			for _, o := range l.Items {
				out[kind+"/"+o.Name] = o.ResourceVersion
			}
		case *appsv1.StatefulSetList:
			for _, o := range l.Items {
				out[kind+"/"+o.Name] = o.ResourceVersion
			}
		case *corev1.ServiceList:
			for _, o := range l.Items {
				out[kind+"/"+o.Name] = o.ResourceVersion
			}
		case *corev1.SecretList:
			for _, o := range l.Items {
				out[kind+"/"+o.Name] = o.ResourceVersion
			}
		case *policyv1.PodDisruptionBudgetList:
			for _, o := range l.Items {
				out[kind+"/"+o.Name] = o.ResourceVersion
			}
		}
	}
	return out
}

// ownedObjectWrites is how many write requests the ChatServer controller
// has sent for the objects it owns, from its metric. It counts writes the
// API server turns into no-ops too, which resourceVersions cannot show.
func ownedObjectWrites() float64 {
	GinkgoHelper()
	families, err := ctrlmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	total := 0.0
	for _, f := range families {
		if f.GetName() == "chat_operator_owned_object_writes_total" {
			for _, m := range f.GetMetric() {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}

var _ = Describe("ChatServer reconciler", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("creates the Secrets, the PostgreSQL StatefulSet and Services, and the Deployment, owned and wired together", func() {
		cs := makeChatServer(ns, "wired", func(cs *imv1alpha1.ChatServer) {
			cs.Spec.Resources = corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
			}
			cs.Spec.Database.Managed = &imv1alpha1.ManagedDatabase{
				Storage:          new(resource.MustParse("2Gi")),
				StorageClassName: new("fast"),
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
				},
			}
		})

		By("the platform token Secret")
		var token corev1.Secret
		owned(cs, controllers.PlatformTokenSecretName(cs), &token)
		expectControlledBy(&token, cs)
		Expect(token.Labels).To(HaveKeyWithValue(imv1alpha1.WatchLabel, "true"))
		Expect(token.Labels).To(HaveKeyWithValue("app.kubernetes.io/name", "chatserver"))
		Expect(token.Labels).To(HaveKeyWithValue("app.kubernetes.io/instance", "wired"))
		Expect(len(token.Data[controllers.PlatformTokenKey])).To(BeNumerically(">=", 32))

		By("the database Secret, its DSN derived from the password")
		var pg corev1.Secret
		owned(cs, "wired-postgres", &pg)
		expectControlledBy(&pg, cs)
		Expect(pg.Labels).To(HaveKeyWithValue(imv1alpha1.WatchLabel, "true"))
		Expect(pg.Labels).To(HaveKeyWithValue("app.kubernetes.io/name", "postgres"))
		password := string(pg.Data["password"])
		Expect(password).To(MatchRegexp(`^[A-Za-z0-9]{20,}$`))
		Expect(string(pg.Data["dsn"])).To(Equal("postgres://chat:" + password +
			"@wired-postgres-0.wired-postgres." + ns + ".svc:5432/chat?sslmode=disable"))

		By("the headless database Service")
		var pgSvc corev1.Service
		owned(cs, "wired-postgres", &pgSvc)
		expectControlledBy(&pgSvc, cs)
		Expect(pgSvc.Spec.ClusterIP).To(Equal(corev1.ClusterIPNone))
		Expect(pgSvc.Spec.Ports).To(HaveLen(1))
		Expect(pgSvc.Spec.Ports[0].Port).To(Equal(int32(5432)))
		Expect(pgSvc.Spec.Selector).To(Equal(map[string]string{
			"app.kubernetes.io/name": "postgres", "app.kubernetes.io/instance": "wired",
		}))

		By("the PostgreSQL StatefulSet")
		var sts appsv1.StatefulSet
		owned(cs, "wired-postgres", &sts)
		expectControlledBy(&sts, cs)
		Expect(*sts.Spec.Replicas).To(Equal(int32(1)))
		Expect(sts.Spec.ServiceName).To(Equal("wired-postgres"))
		Expect(sts.Spec.Template.Labels).To(HaveKeyWithValue("app.kubernetes.io/name", "postgres"))
		pc := sts.Spec.Template.Spec.Containers[0]
		Expect(pc.Image).To(Equal("postgres:17"), "the default image")
		Expect(envFrom(pc, "POSTGRES_USER").Value).To(Equal("chat"))
		Expect(envFrom(pc, "POSTGRES_DB").Value).To(Equal("chat"))
		Expect(envFrom(pc, "PGDATA").Value).To(Equal("/var/lib/postgresql/data/pgdata"))
		Expect(secretRef(envFrom(pc, "POSTGRES_PASSWORD"))).To(Equal([2]string{"wired-postgres", "password"}))
		Expect(pc.ReadinessProbe.Exec.Command).To(Equal([]string{"pg_isready", "-U", "chat", "-d", "chat"}))
		Expect(pc.Resources.Requests.Memory().String()).To(Equal("128Mi"))
		Expect(pc.VolumeMounts).To(ContainElement(HaveField("MountPath", "/var/lib/postgresql/data")))
		Expect(sts.Spec.VolumeClaimTemplates).To(HaveLen(1))
		claim := sts.Spec.VolumeClaimTemplates[0]
		Expect(claim.Name).To(Equal("data"))
		Expect(claim.Spec.Resources.Requests.Storage().String()).To(Equal("2Gi"))
		Expect(claim.Spec.StorageClassName).To(HaveValue(Equal("fast")))

		By("the chatserver Deployment")
		var dep appsv1.Deployment
		owned(cs, "wired", &dep)
		expectControlledBy(&dep, cs)
		Expect(*dep.Spec.Replicas).To(Equal(int32(1)))
		Expect(dep.Spec.Template.Annotations).To(HaveKey(controllers.ConfigHashAnnotation))
		pod := dep.Spec.Template.Spec
		Expect(pod.SecurityContext.RunAsNonRoot).To(HaveValue(BeTrue()))
		Expect(pod.SecurityContext.SeccompProfile.Type).To(Equal(corev1.SeccompProfileTypeRuntimeDefault))
		c := pod.Containers[0]
		Expect(c.Image).To(Equal("example.test/chatserver:v0.0.0-test"), "the manager's default image")
		Expect(c.Resources.Requests.Cpu().String()).To(Equal("100m"))
		Expect(c.Resources.Limits.Memory().String()).To(Equal("256Mi"))
		Expect(c.Ports).To(ConsistOf(HaveField("Name", "http")))
		Expect(c.Ports[0].ContainerPort).To(Equal(int32(8080)))
		Expect(envFrom(c, "CHAT_LISTEN_ADDR").Value).To(Equal(":8080"))
		Expect(secretRef(envFrom(c, "CHAT_DATABASE_URL"))).To(Equal([2]string{"wired-postgres", "dsn"}))
		Expect(secretRef(envFrom(c, "CHAT_PLATFORM_TOKEN"))).To(Equal([2]string{"wired-platform-token", "token"}))
		dataDir := envFrom(c, "CHAT_DATA_DIR").Value
		Expect(c.VolumeMounts).To(ContainElement(HaveField("MountPath", dataDir)))
		Expect(pod.Volumes).To(ContainElement(And(HaveField("Name", "data"), HaveField("EmptyDir", Not(BeNil())))))
		Expect(c.ReadinessProbe.HTTPGet.Path).To(Equal("/readyz"))
		Expect(c.ReadinessProbe.HTTPGet.Port).To(Equal(intstr.FromString("http")))
		Expect(c.LivenessProbe.HTTPGet.Path).To(Equal("/healthz"))
		Expect(c.SecurityContext.AllowPrivilegeEscalation).To(HaveValue(BeFalse()))
		Expect(c.SecurityContext.ReadOnlyRootFilesystem).To(HaveValue(BeTrue()))
		Expect(c.SecurityContext.Capabilities.Drop).To(ConsistOf(corev1.Capability("ALL")))

		By("the chatserver Service, with the default type and port")
		var svc corev1.Service
		owned(cs, "wired", &svc)
		expectControlledBy(&svc, cs)
		Expect(svc.Spec.Type).To(Equal(corev1.ServiceTypeClusterIP))
		Expect(svc.Spec.Ports).To(HaveLen(1))
		Expect(svc.Spec.Ports[0].Port).To(Equal(int32(8080)))
		Expect(svc.Spec.Ports[0].TargetPort).To(Equal(intstr.FromString("http")))
		Expect(svc.Spec.Selector).To(Equal(map[string]string{
			"app.kubernetes.io/name": "chatserver", "app.kubernetes.io/instance": "wired",
		}))

		By("events for what it created")
		Eventually(func(g Gomega) []string {
			var list eventsv1.EventList
			g.Expect(k8s.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
			var notes []string
			for _, e := range list.Items {
				if e.Regarding.Kind == "ChatServer" && e.Regarding.Name == "wired" && e.Reason == "Created" {
					notes = append(notes, e.Note)
				}
			}
			return notes
		}).Should(ContainElements("Created Deployment wired", "Created StatefulSet wired-postgres",
			"Created Secret wired-platform-token", "Created Service wired"))

		By("no PodDisruptionBudget for one replica")
		Consistently(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "wired"}, &policyv1.PodDisruptionBudget{}))
		}).WithTimeout(time.Second).Should(BeTrue())
	})

	It("never regenerates the token or the database password, and keeps the DSN in step with the password", func() {
		cs := makeChatServer(ns, "keep")
		var token, pg corev1.Secret
		owned(cs, controllers.PlatformTokenSecretName(cs), &token)
		owned(cs, "keep-postgres", &pg)
		wantToken, wantPassword := string(token.Data["token"]), string(pg.Data["password"])
		wantDSN := string(pg.Data["dsn"])

		By("editing the Secrets' other fields")
		token.Annotations = map[string]string{"edited": "by hand"}
		token.Data["note"] = []byte("mine")
		Expect(k8s.Update(ctx, &token)).To(Succeed())
		pg.Data["dsn"] = []byte("postgres://somebody@elsewhere/db")
		Expect(k8s.Update(ctx, &pg)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(&pg), &pg)).To(Succeed())
			g.Expect(string(pg.Data["dsn"])).To(Equal(wantDSN), "the DSN is restored from the password")
		}).Should(Succeed())

		By("reconciling again after a spec change")
		updateChatServer(cs, func(cs *imv1alpha1.ChatServer) { cs.Spec.Image = "example.test/chatserver:other" })
		Eventually(func(g Gomega) {
			var dep appsv1.Deployment
			g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "keep"}, &dep)).To(Succeed())
			g.Expect(dep.Spec.Template.Spec.Containers[0].Image).To(Equal("example.test/chatserver:other"))
		}).Should(Succeed())

		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(&token), &token)).To(Succeed())
		Expect(string(token.Data["token"])).To(Equal(wantToken))
		Expect(string(token.Data["note"])).To(Equal("mine"))
		Expect(token.Annotations).To(HaveKeyWithValue("edited", "by hand"))
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(&pg), &pg)).To(Succeed())
		Expect(string(pg.Data["password"])).To(Equal(wantPassword))

		By("following a password edited by hand")
		pg.Data["password"] = []byte("Rotated123")
		Expect(k8s.Update(ctx, &pg)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(&pg), &pg)).To(Succeed())
			g.Expect(string(pg.Data["dsn"])).To(HavePrefix("postgres://chat:Rotated123@keep-postgres-0.keep-postgres."))
			g.Expect(string(pg.Data["password"])).To(Equal("Rotated123"))
		}).Should(Succeed())
	})

	It("keeps a platform token Secret created before the ChatServer as it is, and uses it", func() {
		mine := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "byo-platform-token", Labels: map[string]string{"team": "chat"}},
			Data:       map[string][]byte{"token": []byte("a-token-chosen-by-the-platform-team")},
		}
		Expect(k8s.Create(ctx, mine)).To(Succeed())
		rv := mine.ResourceVersion

		cs := makeChatServer(ns, "byo")
		srv := bringUp(cs)
		Expect(srv.Token).To(Equal("a-token-chosen-by-the-platform-team"))
		waitForCondition(cs, imv1alpha1.ConditionReady, metav1.ConditionTrue)

		var dep appsv1.Deployment
		owned(cs, "byo", &dep)
		Expect(secretRef(envFrom(dep.Spec.Template.Spec.Containers[0], "CHAT_PLATFORM_TOKEN"))).
			To(Equal([2]string{"byo-platform-token", "token"}))
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(mine), mine)).To(Succeed())
		Expect(mine.ResourceVersion).To(Equal(rv), "the Secret was written to")
		Expect(mine.OwnerReferences).To(BeEmpty())
		Expect(mine.Labels).To(Equal(map[string]string{"team": "chat"}))
	})

	It("rolls the Deployment when the image, the resources or the token change, and not on an unchanged resync", func() {
		cs := makeChatServer(ns, "roll")
		first := podConfigHash(cs)
		Expect(first).NotTo(BeEmpty())
		var dep appsv1.Deployment
		owned(cs, "roll", &dep)
		rv := dep.ResourceVersion

		By("resyncing twice with nothing changed")
		time.Sleep(2*resync + time.Second)
		owned(cs, "roll", &dep)
		Expect(dep.ResourceVersion).To(Equal(rv))
		Expect(podConfigHash(cs)).To(Equal(first))

		By("changing the image")
		updateChatServer(cs, func(cs *imv1alpha1.ChatServer) { cs.Spec.Image = "example.test/chatserver:v2" })
		Eventually(func() string { return podConfigHash(cs) }).ShouldNot(Equal(first))
		second := podConfigHash(cs)
		owned(cs, "roll", &dep)
		Expect(dep.Spec.Template.Spec.Containers[0].Image).To(Equal("example.test/chatserver:v2"))

		By("changing the resources")
		updateChatServer(cs, func(cs *imv1alpha1.ChatServer) {
			cs.Spec.Resources.Limits = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}
		})
		Eventually(func() string { return podConfigHash(cs) }).ShouldNot(Equal(second))
		third := podConfigHash(cs)
		owned(cs, "roll", &dep)
		Expect(dep.Spec.Template.Spec.Containers[0].Resources.Limits.Memory().String()).To(Equal("1Gi"))

		By("editing the token in its Secret")
		var token corev1.Secret
		owned(cs, controllers.PlatformTokenSecretName(cs), &token)
		token.Data["token"] = []byte("rotated-by-hand")
		Expect(k8s.Update(ctx, &token)).To(Succeed())
		Eventually(func() string { return podConfigHash(cs) }).ShouldNot(Equal(third))
	})

	It("adds a PodDisruptionBudget above one replica and removes it at one", func() {
		cs := makeChatServer(ns, "pdb", func(cs *imv1alpha1.ChatServer) { cs.Spec.Replicas = new(int32(2)) })
		var pdb policyv1.PodDisruptionBudget
		owned(cs, "pdb", &pdb)
		expectControlledBy(&pdb, cs)
		Expect(pdb.Spec.MaxUnavailable).To(HaveValue(Equal(intstr.FromInt32(1))))
		Expect(pdb.Spec.Selector.MatchLabels).To(Equal(map[string]string{
			"app.kubernetes.io/name": "chatserver", "app.kubernetes.io/instance": "pdb",
		}))
		var dep appsv1.Deployment
		owned(cs, "pdb", &dep)
		Expect(*dep.Spec.Replicas).To(Equal(int32(2)))

		updateChatServer(cs, func(cs *imv1alpha1.ChatServer) { cs.Spec.Replicas = new(int32(1)) })
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(&pdb), &pdb))
		}).Should(BeTrue(), "the PodDisruptionBudget is still there at one replica")
		owned(cs, "pdb", &dep)
		Expect(*dep.Spec.Replicas).To(Equal(int32(1)))
	})

	It("waits for an external database's DSN Secret, then wires it and becomes Ready", func() {
		cs := makeChatServer(ns, "ext", func(cs *imv1alpha1.ChatServer) {
			cs.Spec.Database.External = &imv1alpha1.ExternalDatabase{
				DSNSecretRef: imv1alpha1.SecretKeySelector{Name: "ext-db", Key: "url"},
			}
		})
		waitForCondition(cs, imv1alpha1.ConditionDatabaseReady, metav1.ConditionFalse)
		Expect(conditionReason(cs, imv1alpha1.ConditionDatabaseReady)).To(Equal(imv1alpha1.ReasonSecretNotFound))
		Expect(findCondition(cs.Status.Conditions, imv1alpha1.ConditionDatabaseReady).Message).To(ContainSubstring("ext-db"))
		Expect(findCondition(cs.Status.Conditions, imv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionFalse))

		By("a Secret without the key")
		// Unlabelled, as a platform team would create it: the cache does
		// not hold it, so the reconciler must read it directly.
		dsn := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ext-db"},
			Data:       map[string][]byte{"other": []byte("x")},
		}
		Expect(k8s.Create(ctx, dsn)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(cs), cs)).To(Succeed())
			c := findCondition(cs.Status.Conditions, imv1alpha1.ConditionDatabaseReady)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal(imv1alpha1.ReasonSecretNotFound))
			g.Expect(c.Message).To(ContainSubstring(`no key "url"`))
		}).Should(Succeed())

		By("the key appearing")
		dsn.Data["url"] = []byte("postgres://chat:secret@db.example.test:5432/chat")
		Expect(k8s.Update(ctx, dsn)).To(Succeed())
		waitForCondition(cs, imv1alpha1.ConditionDatabaseReady, metav1.ConditionTrue)

		var dep appsv1.Deployment
		owned(cs, "ext", &dep)
		Expect(secretRef(envFrom(dep.Spec.Template.Spec.Containers[0], "CHAT_DATABASE_URL"))).
			To(Equal([2]string{"ext-db", "url"}))
		for _, obj := range []client.Object{&appsv1.StatefulSet{}, &corev1.Service{}, &corev1.Secret{}} {
			Expect(apierrors.IsNotFound(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: "ext-postgres"}, obj))).
				To(BeTrue(), "a managed-database %T exists for an external database", obj)
		}

		bringUp(cs)
		waitForCondition(cs, imv1alpha1.ConditionReady, metav1.ConditionTrue)
	})

	It("rolls the Deployment when the external database's DSN is edited", func() {
		dsn := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ext-rotating", Labels: map[string]string{imv1alpha1.WatchLabel: "true"}},
			Data:       map[string][]byte{"dsn": []byte("postgres://chat:one@db.example.test/chat")},
		}
		Expect(k8s.Create(ctx, dsn)).To(Succeed())
		cs := makeChatServer(ns, "ext-rotate", func(cs *imv1alpha1.ChatServer) {
			cs.Spec.Database.External = &imv1alpha1.ExternalDatabase{
				DSNSecretRef: imv1alpha1.SecretKeySelector{Name: "ext-rotating", Key: "dsn"},
			}
		})
		waitForCondition(cs, imv1alpha1.ConditionDatabaseReady, metav1.ConditionTrue)
		first := podConfigHash(cs)

		dsn.Data["dsn"] = []byte("postgres://chat:two@db.example.test/chat")
		Expect(k8s.Update(ctx, dsn)).To(Succeed())
		Eventually(func() string { return podConfigHash(cs) }).ShouldNot(Equal(first))
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(dsn), dsn)).To(Succeed())
		Expect(dsn.OwnerReferences).To(BeEmpty(), "the platform team's Secret is not adopted")
	})

	It("is Ready only once the database and the Deployment are up and the chatserver answers", func() {
		cs := makeChatServer(ns, "up")

		By("reporting what it waits for")
		waitForCondition(cs, imv1alpha1.ConditionDatabaseReady, metav1.ConditionFalse)
		waitForCondition(cs, imv1alpha1.ConditionAvailable, metav1.ConditionFalse)
		waitForCondition(cs, imv1alpha1.ConditionReady, metav1.ConditionFalse)
		db := findCondition(cs.Status.Conditions, imv1alpha1.ConditionDatabaseReady)
		Expect(db.Reason).To(Equal(imv1alpha1.ReasonDatabaseNotReady))
		Expect(db.Message).To(ContainSubstring("up-postgres"))
		avail := findCondition(cs.Status.Conditions, imv1alpha1.ConditionAvailable)
		Expect(avail.Reason).To(Equal(imv1alpha1.ReasonDeploymentNotReady))
		Expect(avail.Message).To(ContainSubstring("0 of 1 replicas available"))
		Expect(findCondition(cs.Status.Conditions, imv1alpha1.ConditionReady).Message).NotTo(BeEmpty())
		Expect(cs.Status.ReadyReplicas).To(BeZero())
		Expect(cs.Status.ObservedGeneration).To(Equal(cs.Generation), "waiting on pods is not a failed reconcile")

		By("bringing it up")
		srv := bringUp(cs)
		waitForCondition(cs, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		Expect(findCondition(cs.Status.Conditions, imv1alpha1.ConditionDatabaseReady).Status).To(Equal(metav1.ConditionTrue))
		Expect(findCondition(cs.Status.Conditions, imv1alpha1.ConditionAvailable).Status).To(Equal(metav1.ConditionTrue))
		Expect(cs.Status.Endpoint).To(Equal(srv.URL))
		Expect(cs.Status.ReadyReplicas).To(Equal(int32(1)))
		Expect(cs.Status.ObservedGeneration).To(Equal(cs.Generation))
	})

	It("reports ServerUnreachable while the chatserver does not answer", func() {
		cs := makeChatServer(ns, "silent")
		markWorkloadsReady(cs) // the pods are "up", but nothing answers at the endpoint
		waitForCondition(cs, imv1alpha1.ConditionAvailable, metav1.ConditionTrue)
		waitForCondition(cs, imv1alpha1.ConditionDatabaseReady, metav1.ConditionTrue)
		Eventually(func() string { return conditionReason(cs, imv1alpha1.ConditionReady) }).
			Should(Equal(imv1alpha1.ReasonServerUnreachable))
		ready := findCondition(cs.Status.Conditions, imv1alpha1.ConditionReady)
		Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		Expect(ready.Message).To(ContainSubstring("Cannot reach the chatserver at " + unreachableURL))

		By("answering once it is reachable")
		srv := bringUp(cs)
		waitForCondition(cs, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		Expect(cs.Status.Endpoint).To(Equal(srv.URL))
	})

	It("corrects a Deployment edited by hand", func() {
		cs := makeChatServer(ns, "drift")
		var dep appsv1.Deployment
		owned(cs, "drift", &dep)
		Eventually(func() error {
			owned(cs, "drift", &dep)
			dep.Spec.Template.Spec.Containers[0].Image = "example.test/someone-else:latest"
			dep.Spec.Replicas = new(int32(5))
			return k8s.Update(ctx, &dep)
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(&dep), &dep)).To(Succeed())
			g.Expect(dep.Spec.Template.Spec.Containers[0].Image).To(Equal("example.test/chatserver:v0.0.0-test"))
			g.Expect(*dep.Spec.Replicas).To(Equal(int32(1)))
		}).Should(Succeed())
	})

	It("writes nothing to the API server on a resync when nothing changed", func() {
		cs := makeChatServer(ns, "quiet", func(cs *imv1alpha1.ChatServer) {
			cs.Spec.Replicas = new(int32(2))
			cs.Spec.Resources = corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("0.1"), corev1.ResourceMemory: resource.MustParse("64Mi")},
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1G")},
			}
			cs.Spec.Service = imv1alpha1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Port: 9090}
			cs.Spec.Database.Managed = &imv1alpha1.ManagedDatabase{
				StorageClassName: new("standard"),
				Resources: corev1.ResourceRequirements{
					Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")},
				},
			}
		})
		srv := bringUp(cs)
		waitForCondition(cs, imv1alpha1.ConditionReady, metav1.ConditionTrue)
		Expect(cs.Status.Endpoint).To(Equal(srv.URL))
		Expect(cs.Status.ReadyReplicas).To(Equal(int32(2)))

		var svc corev1.Service
		owned(cs, "quiet", &svc)
		Expect(svc.Spec.Type).To(Equal(corev1.ServiceTypeNodePort))
		Expect(svc.Spec.Ports[0].Port).To(Equal(int32(9090)))
		Expect(svc.Spec.Ports[0].NodePort).NotTo(BeZero())

		// Settle: the last writes of bringing it up are done.
		var before map[string]string
		Eventually(func() bool {
			prev := before
			before = resourceVersions(cs)
			return prev != nil && maps.Equal(prev, before)
		}).WithPolling(time.Second).Should(BeTrue())
		Expect(before).To(HaveLen(8), "ChatServer, 2 Secrets, 2 Services, StatefulSet, Deployment, PDB: %v", before)

		writes := ownedObjectWrites()
		time.Sleep(2*resync + time.Second)
		Expect(resourceVersions(cs)).To(Equal(before))
		Expect(ownedObjectWrites()).To(Equal(writes), "write requests for owned objects during resyncs")
		waitForCondition(cs, imv1alpha1.ConditionReady, metav1.ConditionTrue)

		By("still looking: a server that stops answering is noticed at a resync")
		// Nothing in the cluster changes, so only the periodic resync can
		// see it; this also shows the quiet period above had resyncs in it.
		srv.Close()
		Eventually(func() string { return conditionReason(cs, imv1alpha1.ConditionReady) }).
			WithTimeout(3 * resync).Should(Equal(imv1alpha1.ReasonServerUnreachable))
	})

	It("exposes the chatserver on spec.service's type and port, and follows changes to them", func() {
		cs := makeChatServer(ns, "exposed", func(cs *imv1alpha1.ChatServer) {
			cs.Spec.Service = imv1alpha1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Port: 9090}
		})
		var svc corev1.Service
		owned(cs, "exposed", &svc)
		Expect(svc.Spec.Type).To(Equal(corev1.ServiceTypeNodePort))
		Expect(svc.Spec.Ports[0].Port).To(Equal(int32(9090)))
		Expect(svc.Spec.Ports[0].NodePort).NotTo(BeZero(), "allocated by the API server")

		updateChatServer(cs, func(cs *imv1alpha1.ChatServer) {
			cs.Spec.Service = imv1alpha1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, Port: 8081}
		})
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(&svc), &svc)).To(Succeed())
			g.Expect(svc.Spec.Type).To(Equal(corev1.ServiceTypeClusterIP))
			g.Expect(svc.Spec.Ports).To(HaveLen(1))
			g.Expect(svc.Spec.Ports[0].Port).To(Equal(int32(8081)))
			g.Expect(svc.Spec.Ports[0].NodePort).To(BeZero())
			g.Expect(svc.Spec.Ports[0].TargetPort).To(Equal(intstr.FromString("http")))
		}).Should(Succeed())
	})

	It("goes away at once when deleted, ready or never reachable, and leaves its objects to the garbage collector", func() {
		up, _ := readyServer(ns, "gone-ready")
		down := makeChatServer(ns, "gone-down")
		var dep appsv1.Deployment
		owned(down, "gone-down", &dep)

		for _, cs := range []*imv1alpha1.ChatServer{up, down} {
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(cs), cs)).To(Succeed())
			Expect(cs.Finalizers).To(BeEmpty())
			uid := cs.UID
			Expect(k8s.Delete(ctx, cs)).To(Succeed())
			Eventually(func() bool {
				return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(cs), &imv1alpha1.ChatServer{}))
			}).WithTimeout(5*time.Second).Should(BeTrue(), "%s is stuck", cs.Name)

			// envtest runs no garbage collector; a cluster's removes these
			// through their owner references.
			var deployment appsv1.Deployment
			Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: cs.Name}, &deployment)).To(Succeed())
			Expect(metav1.GetControllerOf(&deployment).UID).To(Equal(uid))
		}
	})
})
