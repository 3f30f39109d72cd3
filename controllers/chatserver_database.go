package controllers

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

// Defaults of a managed database, for a spec that leaves database.managed
// out entirely (the CRD defaults apply only when it is present).
const (
	defaultPostgresImage = "postgres:17"
	postgresDataDir      = "/var/lib/postgresql/data"
	postgresSocketDir    = "/var/run/postgresql"
	// postgresUID is the postgres user of the official Debian-based image.
	postgresUID = 999
)

var defaultPostgresStorage = resource.MustParse("1Gi")

// postgresName names the managed database's StatefulSet, headless Service
// and Secret.
func postgresName(server *imv1alpha1.ChatServer) string { return server.Name + "-postgres" }

// reconcileDatabase wires the chatserver to its database: an external one
// through the DSN Secret the spec names, or a managed PostgreSQL run as a
// one-replica StatefulSet behind a headless Service.
func (r *ChatServerReconciler) reconcileDatabase(ctx context.Context, run *chatServerRun) error {
	if run.server.Spec.Database.External != nil {
		return r.readExternalDSN(ctx, run)
	}
	if err := r.reconcileDatabaseSecret(ctx, run); err != nil {
		return err
	}
	if err := r.reconcilePostgresService(ctx, run); err != nil {
		return err
	}
	return r.reconcilePostgresStatefulSet(ctx, run)
}

// managedDatabase is the spec's managed database with the defaults filled in.
func managedDatabase(server *imv1alpha1.ChatServer) imv1alpha1.ManagedDatabase {
	var db imv1alpha1.ManagedDatabase
	if server.Spec.Database.Managed != nil {
		db = *server.Spec.Database.Managed.DeepCopy()
	}
	if db.Image == "" {
		db.Image = defaultPostgresImage
	}
	if db.Storage == nil {
		db.Storage = new(defaultPostgresStorage.DeepCopy())
	}
	return db
}

// reconcilePostgresService keeps the headless Service that gives the
// database pod its stable DNS name.
func (r *ChatServerReconciler) reconcilePostgresService(ctx context.Context, run *chatServerRun) error {
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: run.server.Namespace, Name: postgresName(run.server)}}
	return r.apply(ctx, run.server, componentPostgres, svc, func() error {
		if svc.CreationTimestamp.IsZero() {
			svc.Spec.ClusterIP = corev1.ClusterIPNone // immutable once created
		}
		svc.Spec.Selector = selectorLabels(run.server, componentPostgres)
		svc.Spec.Ports = []corev1.ServicePort{{
			Name: "postgres", Port: postgresPort, TargetPort: intstr.FromString("postgres"), Protocol: corev1.ProtocolTCP,
		}}
		return nil
	})
}

// reconcilePostgresStatefulSet keeps the database's StatefulSet and
// observes whether PostgreSQL is ready.
func (r *ChatServerReconciler) reconcilePostgresStatefulSet(ctx context.Context, run *chatServerRun) error {
	server := run.server
	db := managedDatabase(server)
	sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: server.Namespace, Name: postgresName(server)}}
	err := r.apply(ctx, server, componentPostgres, sts, func() error {
		if sts.CreationTimestamp.IsZero() {
			// Selector, service name and claim templates are immutable.
			sts.Spec.Selector = &metav1.LabelSelector{MatchLabels: selectorLabels(server, componentPostgres)}
			sts.Spec.ServiceName = postgresName(server)
			sts.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{postgresClaim(db)}
		}
		sts.Spec.Replicas = new(int32(1))
		tmpl := &sts.Spec.Template
		tmpl.Labels = withLabels(tmpl.Labels, ownedLabels(server, componentPostgres))
		tmpl.Spec.AutomountServiceAccountToken = new(false)
		tmpl.Spec.SecurityContext = restrictedPodSecurityContext(postgresUID)
		tmpl.Spec.Volumes = []corev1.Volume{emptyDirVolume("run"), emptyDirVolume("tmp")}
		setPostgresContainer(soleContainer(&tmpl.Spec, componentPostgres), server, db)
		return nil
	})
	if err != nil {
		return err
	}
	run.database = postgresReadiness(sts)
	return nil
}

// postgresClaim is the claim template of the data volume.
func postgresClaim(db imv1alpha1.ManagedDatabase) corev1.PersistentVolumeClaim {
	return corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: db.StorageClassName,
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: *db.Storage},
			},
		},
	}
}

// setPostgresContainer sets the fields of the PostgreSQL container the
// operator owns; the API server's defaults for the others stay.
func setPostgresContainer(c *corev1.Container, server *imv1alpha1.ChatServer, db imv1alpha1.ManagedDatabase) {
	c.Image = db.Image
	c.Env = []corev1.EnvVar{
		{Name: "POSTGRES_USER", Value: postgresUser},
		{Name: "POSTGRES_DB", Value: postgresDatabase},
		{Name: "POSTGRES_PASSWORD", ValueFrom: secretKeyEnv(postgresName(server), postgresPasswordKey)},
		{Name: "PGDATA", Value: postgresDataDir + "/pgdata"},
	}
	c.Ports = []corev1.ContainerPort{{Name: "postgres", ContainerPort: postgresPort, Protocol: corev1.ProtocolTCP}}
	c.Resources = *db.Resources.DeepCopy()
	c.ReadinessProbe = probe(corev1.ProbeHandler{Exec: &corev1.ExecAction{
		Command: []string{"pg_isready", "-U", postgresUser, "-d", postgresDatabase},
	}}, 5, 3)
	c.SecurityContext = restrictedContainerSecurityContext()
	c.VolumeMounts = []corev1.VolumeMount{
		{Name: "data", MountPath: postgresDataDir},
		{Name: "run", MountPath: postgresSocketDir},
		{Name: "tmp", MountPath: "/tmp"},
	}
}

// postgresReadiness says whether the StatefulSet has a ready pod.
func postgresReadiness(sts *appsv1.StatefulSet) observation {
	if sts.Status.ReadyReplicas >= 1 {
		return observation{ready: true, reason: imv1alpha1.ReasonReconciled,
			message: fmt.Sprintf("PostgreSQL StatefulSet %s is ready", sts.Name)}
	}
	return observation{reason: imv1alpha1.ReasonDatabaseNotReady,
		message: fmt.Sprintf("Waiting for PostgreSQL StatefulSet %s: no ready replica yet", sts.Name)}
}
