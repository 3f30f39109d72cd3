package controllers

import (
	"bytes"
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// conditioned is every kind of ours: an object with status conditions.
type conditioned interface {
	client.Object
	GetConditions() *[]metav1.Condition
}

// setCondition records one condition at the object's current generation.
// meta.SetStatusCondition keeps LastTransitionTime when the status did not
// flip, so an unchanged condition produces no diff and no write.
func setCondition(obj conditioned, typ string, ok bool, reason, message string) {
	status := metav1.ConditionFalse
	if ok {
		status = metav1.ConditionTrue
	}
	meta.SetStatusCondition(obj.GetConditions(), metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: message,
		ObservedGeneration: obj.GetGeneration(),
	})
}

// isConditionTrue reports whether obj has condition typ set to True.
func isConditionTrue(obj conditioned, typ string) bool {
	return meta.IsStatusConditionTrue(*obj.GetConditions(), typ)
}

// patchStatus writes obj's status if it differs from before's. A no-op
// reconcile therefore makes no write to the API server.
func patchStatus(ctx context.Context, c client.Client, before, obj client.Object) error {
	patch := client.MergeFrom(before)
	data, err := patch.Data(obj)
	if err != nil {
		return fmt.Errorf("computing status patch: %w", err)
	}
	if bytes.Equal(data, []byte("{}")) {
		return nil
	}
	if err := c.Status().Patch(ctx, obj, patch); err != nil {
		return fmt.Errorf("patching status: %w", err)
	}
	return nil
}
