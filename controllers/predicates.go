package controllers

import (
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

// specOrDeletionChanged passes updates that change what was declared (the
// generation), the labels or annotations, or start a deletion. Our own
// status writes do not pass, so they never trigger another round of calls
// to the chatserver.
func specOrDeletionChanged() predicate.Predicate {
	return predicate.Or(
		predicate.GenerationChangedPredicate{},
		predicate.LabelChangedPredicate{},
		predicate.AnnotationChangedPredicate{},
		predicate.Funcs{
			CreateFunc:  func(event.CreateEvent) bool { return false },
			DeleteFunc:  func(event.DeleteEvent) bool { return false },
			GenericFunc: func(event.GenericEvent) bool { return false },
			UpdateFunc: func(e event.UpdateEvent) bool {
				return !e.ObjectNew.GetDeletionTimestamp().Equal(e.ObjectOld.GetDeletionTimestamp()) ||
					len(e.ObjectNew.GetFinalizers()) != len(e.ObjectOld.GetFinalizers())
			},
		},
	)
}

// serverAvailabilityChanged passes ChatServer updates that matter to its
// apps: Ready flipping, the endpoint moving, or the spec changing (e.g.
// allowedNamespaces). Replica counts moving do not wake a thousand apps.
func serverAvailabilityChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			before, ok1 := e.ObjectOld.(*imv1alpha1.ChatServer)
			after, ok2 := e.ObjectNew.(*imv1alpha1.ChatServer)
			if !ok1 || !ok2 {
				return true
			}
			return before.Generation != after.Generation ||
				before.Status.Endpoint != after.Status.Endpoint ||
				meta.IsStatusConditionTrue(before.Status.Conditions, imv1alpha1.ConditionReady) !=
					meta.IsStatusConditionTrue(after.Status.Conditions, imv1alpha1.ConditionReady)
		},
	}
}

// appReferenceChanged passes ChatApp updates that matter to the config
// objects of the app: Ready flipping or the appKey appearing.
func appReferenceChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			before, ok1 := e.ObjectOld.(*imv1alpha1.ChatApp)
			after, ok2 := e.ObjectNew.(*imv1alpha1.ChatApp)
			if !ok1 || !ok2 {
				return true
			}
			return !equality.Semantic.DeepEqual(before.Spec.Limits, after.Spec.Limits) ||
				before.Status.AppKey != after.Status.AppKey ||
				meta.IsStatusConditionTrue(before.Status.Conditions, imv1alpha1.ConditionReady) !=
					meta.IsStatusConditionTrue(after.Status.Conditions, imv1alpha1.ConditionReady)
		},
	}
}
