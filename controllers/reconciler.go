package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

// base is what every reconciler of ours carries.
type base struct {
	client.Client
	// apiReader reads objects the cache does not hold: Secrets a spec
	// points at that lack the watch label.
	apiReader client.Reader
	opts      Options
	events    recorder.EventRecorder
	backoff   *backoff
	conn      connector
}

func newBase(mgr ctrl.Manager, opts Options) base {
	return base{
		Client:    mgr.GetClient(),
		apiReader: mgr.GetAPIReader(),
		opts:      opts,
		events:    mgr.GetEventRecorder("chat-operator"),
		backoff:   newBackoff(time.Second, 2*time.Minute),
		conn: connector{
			reader: mgr.GetClient(), apiReader: mgr.GetAPIReader(),
			resolver: opts.Resolver, httpClient: opts.HTTPClient,
		},
	}
}

// waitError stops a reconcile that depends on something missing or not
// ready. It becomes a False condition with its reason, and a requeue with
// backoff, never an error: waiting is a state, not a failure.
type waitError struct {
	reason  string
	message string
}

func (w *waitError) Error() string { return w.reason + ": " + w.message }

// waiting builds a waitError.
func waiting(reason, format string, args ...any) error {
	return &waitError{reason: reason, message: fmt.Sprintf(format, args...)}
}

// step is one named phase of a reconcile; run carries what the steps
// learn.
type step[R any] func(ctx context.Context, run R) error

// runSteps runs steps in order and stops at the first that does not
// succeed: an error, or a wait for something missing or not ready. It is
// the one step loop of every reconciler.
func runSteps[R any](ctx context.Context, run R, steps ...step[R]) error {
	for _, s := range steps {
		if err := s(ctx, run); err != nil {
			return err
		}
	}
	return nil
}

// tracked is one of our kinds with a status.
type tracked interface {
	conditioned
	SetObservedGeneration(int64)
}

// conclude computes the Ready condition (and the others in also) from how
// the steps ended, writes the status once if it changed, and picks the
// requeue. It is the one place a reconcile's outcome becomes status.
func (b *base) conclude(ctx context.Context, obj, before tracked, stepErr error, also ...string) (ctrl.Result, error) {
	key := types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}
	types := append([]string{imv1alpha1.ConditionReady}, also...)
	var result ctrl.Result
	var wait *waitError
	previous := meta.FindStatusCondition(*obj.GetConditions(), imv1alpha1.ConditionReady)
	switch {
	case stepErr == nil:
		for _, t := range types {
			setCondition(obj, t, true, imv1alpha1.ReasonReconciled, "In sync with the server")
		}
		if s, ok := obj.(interface{ IsSuspended() bool }); ok && s.IsSuspended() {
			// Synced, yet deliberately not serving.
			setCondition(obj, imv1alpha1.ConditionReady, false, imv1alpha1.ReasonSuspended, "spec.suspend is true: the tenant is disabled")
		}
		obj.SetObservedGeneration(obj.GetGeneration())
		b.backoff.reset(key)
		result = ctrl.Result{RequeueAfter: jitter(b.opts.ResyncPeriod)}
	case errors.As(stepErr, &wait):
		for _, t := range types {
			setCondition(obj, t, false, wait.reason, wait.message)
		}
		// One event when a wait starts, not one per retry.
		if previous == nil || previous.Reason != wait.reason {
			b.events.Eventf(obj, nil, corev1.EventTypeWarning, wait.reason, "Reconcile", "%s", wait.message)
		}
		result = ctrl.Result{RequeueAfter: b.backoff.next(key)}
	default:
		for _, t := range types {
			setCondition(obj, t, false, imv1alpha1.ReasonReconcileFailed, stepErr.Error())
		}
		b.events.Eventf(obj, nil, corev1.EventTypeWarning, imv1alpha1.ReasonReconcileFailed, "Reconcile", "%v", stepErr)
	}
	if err := patchStatus(ctx, b.Client, before, obj); err != nil {
		return ctrl.Result{}, errors.Join(stepErr, err)
	}
	if stepErr != nil && wait == nil {
		return ctrl.Result{}, stepErr
	}
	return result, nil
}

// isWait reports whether err is a wait for reason.
func isWait(err error, reason string) bool {
	return waitFor(err, reason) != nil
}

// waitFor returns the wait for reason that err holds, or nil: the value
// errors.As found, since err itself may wrap it.
func waitFor(err error, reason string) *waitError {
	var w *waitError
	if errors.As(err, &w) && w.reason == reason {
		return w
	}
	return nil
}

// finishCleanup lets a deleted object go once its cleanup in the server is
// done. A cleanup that waits on the server (unreachable, refusing) is
// retried with backoff for CleanupTimeout, then abandoned with a Warning
// event, so nothing stays in Terminating; any other error is returned.
func (b *base) finishCleanup(ctx context.Context, obj client.Object, cleanupErr error) (ctrl.Result, error) {
	key := client.ObjectKeyFromObject(obj)
	if cleanupErr != nil {
		var wait *waitError
		if !errors.As(cleanupErr, &wait) {
			return ctrl.Result{}, cleanupErr
		}
		if time.Since(obj.GetDeletionTimestamp().Time) < b.opts.CleanupTimeout {
			log.FromContext(ctx).Info("Waiting to clean up in the server", "object", key, "reason", cleanupErr.Error())
			return ctrl.Result{RequeueAfter: b.backoff.next(key)}, nil
		}
		b.events.Eventf(obj, nil, corev1.EventTypeWarning, "CleanupAbandoned", "Delete",
			"Gave up cleaning up in the server after %s: %v", b.opts.CleanupTimeout, cleanupErr)
	}
	b.backoff.reset(key)
	return ctrl.Result{}, removeFinalizer(ctx, b.Client, obj)
}
