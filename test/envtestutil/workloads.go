package envtestutil

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	"github.com/chat-operator/chat-operator/controllers"
)

const (
	// WaitTimeout bounds how long BringUp and MarkWorkloadsReady wait for
	// the operator to create an object.
	WaitTimeout = 30 * time.Second
	// pollInterval is how often they look.
	pollInterval = 100 * time.Millisecond
)

// BringUp plays the part of the kubelet and the workload controllers for a
// ChatServer the operator reconciles: it waits for the platform token the
// operator generates, starts a chatserver in dir with that token (opts as
// for StartChatServer), points r at it and marks the workloads ready (see
// MarkWorkloadsReady). On an error nothing is left running.
func BringUp(ctx context.Context, c client.Client, r *Resolver, cs *imv1alpha1.ChatServer, dir string, opts ...Option) (*ChatServer, error) {
	var secret corev1.Secret
	key := types.NamespacedName{Namespace: cs.Namespace, Name: controllers.PlatformTokenSecretName(cs)}
	if err := waitFor(ctx, c, key, &secret); err != nil {
		return nil, fmt.Errorf("waiting for the platform token: %w", err)
	}
	srv, err := StartChatServer(ctx, dir, string(secret.Data[controllers.PlatformTokenKey]), opts...)
	if err != nil {
		return nil, err
	}
	r.Set(client.ObjectKeyFromObject(cs), srv.URL)
	if err := MarkWorkloadsReady(ctx, c, cs); err != nil {
		srv.Close()
		return nil, err
	}
	return srv, nil
}

// MarkWorkloadsReady writes the status a cluster's workload controllers
// would once the pods run, since none run under envtest: the ChatServer's
// Deployment and, for a managed database, its StatefulSet. It waits up to
// WaitTimeout for the operator to create them, and retries when the
// operator updates one meanwhile.
func MarkWorkloadsReady(ctx context.Context, c client.Client, cs *imv1alpha1.ChatServer) error {
	depKey := types.NamespacedName{Namespace: cs.Namespace, Name: controllers.ServiceName(cs)}
	var dep appsv1.Deployment
	if err := waitFor(ctx, c, depKey, &dep); err != nil {
		return fmt.Errorf("waiting for Deployment %s: %w", depKey, err)
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := c.Get(ctx, depKey, &dep); err != nil {
			return err
		}
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
		return c.Status().Update(ctx, &dep)
	})
	if err != nil {
		return fmt.Errorf("marking Deployment %s ready: %w", depKey, err)
	}

	if cs.Spec.Database.External != nil {
		return nil
	}
	stsKey := types.NamespacedName{Namespace: cs.Namespace, Name: cs.Name + "-postgres"}
	var sts appsv1.StatefulSet
	if err := waitFor(ctx, c, stsKey, &sts); err != nil {
		return fmt.Errorf("waiting for StatefulSet %s: %w", stsKey, err)
	}
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := c.Get(ctx, stsKey, &sts); err != nil {
			return err
		}
		sts.Status = appsv1.StatefulSetStatus{
			ObservedGeneration: sts.Generation, Replicas: 1, ReadyReplicas: 1, AvailableReplicas: 1,
			CurrentReplicas: 1, UpdatedReplicas: 1,
		}
		return c.Status().Update(ctx, &sts)
	})
	if err != nil {
		return fmt.Errorf("marking StatefulSet %s ready: %w", stsKey, err)
	}
	return nil
}

// waitFor reads key into obj, waiting up to WaitTimeout for it to exist.
func waitFor(ctx context.Context, c client.Client, key types.NamespacedName, obj client.Object) error {
	return wait.PollUntilContextTimeout(ctx, pollInterval, WaitTimeout, true, func(ctx context.Context) (bool, error) {
		err := c.Get(ctx, key, obj)
		return err == nil, client.IgnoreNotFound(err)
	})
}
