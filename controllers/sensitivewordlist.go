package controllers

import (
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
)

// wordLists is the SensitiveWordList plug-in: every list of an app is
// merged into one word set and one filter switch.
type wordLists struct{}

type wordListRun = configRun[*imv1alpha1.SensitiveWordList]
type wordListReconciler = configReconciler[*imv1alpha1.SensitiveWordList]

func setupSensitiveWordList(mgr ctrl.Manager, opts Options) error {
	return setupConfig(mgr, opts, "sensitivewordlist", configKind[*imv1alpha1.SensitiveWordList](wordLists{}), nil)
}

func (wordLists) newObject() *imv1alpha1.SensitiveWordList { return &imv1alpha1.SensitiveWordList{} }
func (wordLists) newList() client.ObjectList               { return &imv1alpha1.SensitiveWordListList{} }

// merged is the union of the lists' words, sorted, and whether any list
// enables filtering.
func merged(lists []*imv1alpha1.SensitiveWordList) (words []string, filtering bool) {
	seen := map[string]bool{}
	for _, l := range lists {
		filtering = filtering || l.Spec.Filtering != imv1alpha1.FilteringDisabled
		for _, w := range l.Spec.Words {
			if !seen[w] {
				seen[w] = true
				words = append(words, w)
			}
		}
	}
	slices.Sort(words)
	return words, filtering
}

// sync diffs the merged set against what the server reports and applies
// only the difference: words added by hand through the admin API go,
// words removed by hand come back.
func (k wordLists) sync(ctx context.Context, r *wordListReconciler, run *wordListRun) error {
	words, filtering := merged(run.peers)
	capacity := effectiveLimits(desiredTenant(run.app, "").Limits).SensitiveWords
	if len(words) > capacity {
		return waiting(imv1alpha1.ReasonCapacityExceeded,
			"the lists of app %s declare %d words together; the app allows %d (spec.limits.sensitiveWords)",
			run.app.Name, len(words), capacity)
	}
	return k.apply(ctx, r, run, words, filtering)
}

// cleanup takes this list's words out, unless another list still declares
// them; with no list left, filtering goes off.
func (k wordLists) cleanup(ctx context.Context, r *wordListReconciler, run *wordListRun) error {
	words, filtering := merged(run.peers)
	return k.apply(ctx, r, run, words, filtering)
}

// apply makes the server hold exactly words, with the filter on or off.
func (wordLists) apply(ctx context.Context, r *wordListReconciler, run *wordListRun, words []string, filtering bool) error {
	current, err := run.admin.ListSensitiveWords(ctx)
	if err != nil {
		return callError("reading the sensitive words", err)
	}
	on, err := run.admin.SensitiveWordFilter(ctx)
	if err != nil {
		return callError("reading the sensitive-word filter", err)
	}
	missing, extra := setDiff(words, current), setDiff(current, words)
	// Removing first frees room under the app's word limit.
	for _, w := range extra {
		if err := run.admin.DeleteSensitiveWord(ctx, w); err != nil {
			return callError("removing sensitive word", err)
		}
	}
	if len(missing) > 0 {
		if err := run.admin.AddSensitiveWords(ctx, missing); err != nil {
			return callError("adding sensitive words", err)
		}
	}
	if on != filtering {
		if err := run.admin.SetSensitiveWordFilter(ctx, filtering); err != nil {
			return callError("switching the sensitive-word filter", err)
		}
	}
	if len(missing)+len(extra) > 0 || on != filtering {
		r.events.Eventf(run.obj, nil, corev1.EventTypeNormal, "WordsSynced", "Sync",
			"App %s: added %d words, removed %d, filtering %t", run.app.Name, len(missing), len(extra), filtering)
	}
	return nil
}

// setDiff returns the members of a missing from b.
func setDiff(a, b []string) []string {
	in := make(map[string]bool, len(b))
	for _, w := range b {
		in[w] = true
	}
	var out []string
	for _, w := range a {
		if !in[w] {
			out = append(out, w)
		}
	}
	return out
}

// setStatus reports the list's and the app's word counts, and whether the
// merged set fits.
func (wordLists) setStatus(run *wordListRun, err error) {
	l := run.obj
	l.Status.WordCount = int32(len(l.Spec.Words))
	if run.peers != nil {
		words, _ := merged(run.peers)
		l.Status.AppWordCount = int32(len(words))
	}
	over := waitFor(err, imv1alpha1.ReasonCapacityExceeded)
	switch {
	case over != nil:
		setCondition(l, imv1alpha1.ConditionWithinCapacity, false, imv1alpha1.ReasonCapacityExceeded, over.message)
	case run.peers != nil:
		setCondition(l, imv1alpha1.ConditionWithinCapacity, true, imv1alpha1.ReasonReconciled, "The app's merged word set fits its limit")
	}
}
