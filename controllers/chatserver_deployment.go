package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

// ConfigHashAnnotation on the chatserver pod template holds a hash of
// everything that should restart the pods: image, environment, resources
// and the values of the Secrets the environment points at. A new value
// rolls the Deployment, so an edited DSN or token reaches the pods.
const ConfigHashAnnotation = "im.chat-operator.dev/config-hash"

const (
	chatServerPort    = 8080
	chatServerDataDir = "/var/lib/chatserver"
	// chatServerUID is the conventional non-root user of distroless images.
	chatServerUID = 65532
)

// reconcileDeployment keeps the chatserver Deployment.
func (r *ChatServerReconciler) reconcileDeployment(ctx context.Context, run *chatServerRun) error {
	server := run.server
	image := server.Spec.Image
	if image == "" {
		image = r.opts.DefaultChatServerImage
	}
	if image == "" {
		return errors.New("no chatserver image: set spec.image, or the manager's default image")
	}
	container := chatServerContainer(server, image, run.dsnRef)
	hash, err := configHash(container, run.dsn, run.token)
	if err != nil {
		return err
	}

	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: server.Namespace, Name: ServiceName(server)}}
	err = r.apply(ctx, server, componentChatServer, dep, func() error {
		if dep.CreationTimestamp.IsZero() {
			dep.Spec.Selector = &metav1.LabelSelector{MatchLabels: selectorLabels(server, componentChatServer)}
		}
		dep.Spec.Replicas = new(desiredReplicas(server))
		tmpl := &dep.Spec.Template
		tmpl.Labels = withLabels(tmpl.Labels, ownedLabels(server, componentChatServer))
		tmpl.Annotations = withLabels(tmpl.Annotations, map[string]string{ConfigHashAnnotation: hash})
		tmpl.Spec.AutomountServiceAccountToken = new(false)
		tmpl.Spec.SecurityContext = restrictedPodSecurityContext(chatServerUID)
		tmpl.Spec.Volumes = []corev1.Volume{emptyDirVolume("data"), emptyDirVolume("tmp")}
		setChatServerContainer(soleContainer(&tmpl.Spec, componentChatServer), container)
		return nil
	})
	if err != nil {
		return err
	}
	run.deployment = dep
	return nil
}

// desiredReplicas is spec.replicas, 1 when unset.
func desiredReplicas(server *imv1alpha1.ChatServer) int32 {
	if server.Spec.Replicas != nil {
		return *server.Spec.Replicas
	}
	return 1
}

// chatServerContainer is the declared chatserver container: the fields the
// operator owns, and only those.
func chatServerContainer(server *imv1alpha1.ChatServer, image string, dsnRef *imv1alpha1.SecretKeySelector) corev1.Container {
	liveness := probe(httpGet("/healthz"), 10, 6)
	liveness.InitialDelaySeconds = 10
	return corev1.Container{
		Name:  componentChatServer,
		Image: image,
		Env: []corev1.EnvVar{
			{Name: "CHAT_LISTEN_ADDR", Value: fmt.Sprintf(":%d", chatServerPort)},
			{Name: "CHAT_DATA_DIR", Value: chatServerDataDir},
			{Name: "CHAT_DATABASE_URL", ValueFrom: secretKeyEnv(dsnRef.Name, dsnRef.Key)},
			{Name: "CHAT_PLATFORM_TOKEN", ValueFrom: secretKeyEnv(PlatformTokenSecretName(server), PlatformTokenKey)},
		},
		Ports:           []corev1.ContainerPort{{Name: "http", ContainerPort: chatServerPort, Protocol: corev1.ProtocolTCP}},
		Resources:       *server.Spec.Resources.DeepCopy(),
		ReadinessProbe:  probe(httpGet("/readyz"), 5, 3),
		LivenessProbe:   liveness,
		SecurityContext: restrictedContainerSecurityContext(),
		VolumeMounts: []corev1.VolumeMount{
			{Name: "data", MountPath: chatServerDataDir},
			{Name: "tmp", MountPath: "/tmp"},
		},
	}
}

// setChatServerContainer copies the declared fields onto the stored
// container, leaving those the API server defaulted (pull policy,
// termination message) as they are.
func setChatServerContainer(c *corev1.Container, want corev1.Container) {
	c.Image = want.Image
	c.Env = want.Env
	c.Ports = want.Ports
	c.Resources = want.Resources
	c.ReadinessProbe = want.ReadinessProbe
	c.LivenessProbe = want.LivenessProbe
	c.SecurityContext = want.SecurityContext
	c.VolumeMounts = want.VolumeMounts
}

// configHash hashes what should roll the pods when it changes. The Secret
// values go in through the hash only, so the annotation reveals nothing.
func configHash(c corev1.Container, dsn, token string) (string, error) {
	data, err := json.Marshal(struct {
		Image     string                      `json:"image"`
		Env       []corev1.EnvVar             `json:"env"`
		Resources corev1.ResourceRequirements `json:"resources"`
		DSN       string                      `json:"dsn"`
		Token     string                      `json:"token"`
	}{c.Image, c.Env, c.Resources, dsn, token})
	if err != nil {
		return "", fmt.Errorf("while hashing the pod configuration: %w", err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16]), nil
}

// deploymentAvailable reports whether dep has an available replica.
func deploymentAvailable(dep *appsv1.Deployment) bool {
	return dep != nil && dep.Status.AvailableReplicas >= 1
}

// soleContainer returns the pod's only container, named name. A pod spec
// holding anything else (none yet, or containers someone added) is reset
// to that one container.
func soleContainer(spec *corev1.PodSpec, name string) *corev1.Container {
	if len(spec.Containers) != 1 || spec.Containers[0].Name != name {
		spec.Containers = []corev1.Container{{Name: name}}
	}
	return &spec.Containers[0]
}

// probe fills in every field the API server would otherwise default, so
// the stored probe compares equal to the declared one.
func probe(handler corev1.ProbeHandler, periodSeconds, failureThreshold int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:     handler,
		PeriodSeconds:    periodSeconds,
		TimeoutSeconds:   3,
		SuccessThreshold: 1,
		FailureThreshold: failureThreshold,
	}
}

func httpGet(path string) corev1.ProbeHandler {
	return corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Path: path, Port: intstr.FromString("http"), Scheme: corev1.URISchemeHTTP,
	}}
}

func secretKeyEnv(name, key string) *corev1.EnvVarSource {
	return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key,
	}}
}

func emptyDirVolume(name string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
}

// restrictedPodSecurityContext meets the "restricted" Pod Security
// Standard: a fixed non-root user, whose group also owns the volumes.
func restrictedPodSecurityContext(uid int64) *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot:   new(true),
		RunAsUser:      new(uid),
		RunAsGroup:     new(uid),
		FSGroup:        new(uid),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// restrictedContainerSecurityContext: no privilege escalation, no
// capabilities, and a read-only root file system (writes go to emptyDirs).
func restrictedContainerSecurityContext() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: new(false),
		ReadOnlyRootFilesystem:   new(true),
		RunAsNonRoot:             new(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
}
