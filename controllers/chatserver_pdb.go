package controllers

import (
	"context"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// reconcilePodDisruptionBudget keeps a PodDisruptionBudget allowing one
// chatserver pod down at a time while there is more than one replica. A
// single replica gets none: a budget would then block every node drain.
func (r *ChatServerReconciler) reconcilePodDisruptionBudget(ctx context.Context, run *chatServerRun) error {
	server := run.server
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Namespace: server.Namespace, Name: ServiceName(server)}}
	if desiredReplicas(server) <= 1 {
		return r.deleteOwned(ctx, server, pdb)
	}
	return r.apply(ctx, server, componentChatServer, pdb, func() error {
		pdb.Spec.MaxUnavailable = new(intstr.FromInt32(1))
		pdb.Spec.MinAvailable = nil
		pdb.Spec.Selector = &metav1.LabelSelector{MatchLabels: selectorLabels(server, componentChatServer)}
		return nil
	})
}
