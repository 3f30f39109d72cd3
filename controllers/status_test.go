package controllers

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	imv1alpha1 "github.com/chat-operator/chat-operator/api/v1alpha1"
	chatclient "github.com/chat-operator/chat-operator/chatserver/client"
)

// These table tests cover the functions that compute a status or a diff
// without a client; the envtest suite covers the reconcilers around them.

func TestSetDiff(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b, want []string
	}{
		{nil, nil, nil},
		{[]string{"x", "y"}, nil, []string{"x", "y"}},
		{nil, []string{"x"}, nil},
		{[]string{"x", "y", "z"}, []string{"y"}, []string{"x", "z"}},
		{[]string{"x", "y"}, []string{"y", "x", "w"}, nil},
	} {
		if got := setDiff(c.a, c.b); !slices.Equal(got, c.want) {
			t.Errorf("setDiff(%q, %q) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}

func TestMerged(t *testing.T) {
	t.Parallel()
	list := func(filtering imv1alpha1.Filtering, words ...string) *imv1alpha1.SensitiveWordList {
		return &imv1alpha1.SensitiveWordList{Spec: imv1alpha1.SensitiveWordListSpec{Words: words, Filtering: filtering}}
	}
	for _, c := range []struct {
		name          string
		lists         []*imv1alpha1.SensitiveWordList
		wantWords     []string
		wantFiltering bool
	}{
		{"no lists", nil, nil, false},
		{"one list, sorted", []*imv1alpha1.SensitiveWordList{list("", "b", "a")}, []string{"a", "b"}, true},
		{"union without duplicates",
			[]*imv1alpha1.SensitiveWordList{list(imv1alpha1.FilteringDisabled, "b", "a"), list(imv1alpha1.FilteringDisabled, "c", "a")},
			[]string{"a", "b", "c"}, false},
		{"filtering on if any list enables it",
			[]*imv1alpha1.SensitiveWordList{list(imv1alpha1.FilteringDisabled, "a"), list("", "b")},
			[]string{"a", "b"}, true},
	} {
		words, filtering := merged(c.lists)
		if !slices.Equal(words, c.wantWords) || filtering != c.wantFiltering {
			t.Errorf("%s: merged = %q, %t; want %q, %t", c.name, words, filtering, c.wantWords, c.wantFiltering)
		}
	}
}

func TestTenantMatches(t *testing.T) {
	t.Parallel()
	want := chatclient.AppSpec{
		Limits:   chatclient.Limits{GroupMembers: 50},
		Features: chatclient.Features{CrossAppAllowed: []string{"b", "a"}},
	}
	reported := func(edit func(*chatclient.App)) chatclient.App {
		got := chatclient.App{
			Limits:   chatclient.Limits{GroupMembers: 50}.WithDefaults(),
			Features: chatclient.Features{CrossAppAllowed: []string{"a", "b"}},
		}
		if edit != nil {
			edit(&got)
		}
		return got
	}
	for _, c := range []struct {
		name string
		got  chatclient.App
		want bool
	}{
		{"as declared, defaults filled in and another order", reported(nil), true},
		{"duplicates in the allow-list", reported(func(a *chatclient.App) {
			a.Features.CrossAppAllowed = []string{"a", "b", "a"}
		}), true},
		{"disabled behind our back", reported(func(a *chatclient.App) { a.Disabled = true }), false},
		{"a limit changed", reported(func(a *chatclient.App) { a.Limits.GroupMembers = 51 }), false},
		{"an app missing from the allow-list", reported(func(a *chatclient.App) {
			a.Features.CrossAppAllowed = []string{"a"}
		}), false},
	} {
		if got := tenantMatches(c.got, want); got != c.want {
			t.Errorf("%s: tenantMatches = %t, want %t", c.name, got, c.want)
		}
	}
}

func TestHolder(t *testing.T) {
	t.Parallel()
	at := func(name string, uid types.UID, minute int) *imv1alpha1.RegistrationPolicy {
		return &imv1alpha1.RegistrationPolicy{ObjectMeta: metav1.ObjectMeta{
			Namespace: "ns", Name: name, UID: uid,
			CreationTimestamp: metav1.NewTime(time.Date(2026, 1, 1, 0, minute, 0, 0, time.UTC)),
		}}
	}
	first, second, tied := at("a", "1", 0), at("b", "2", 5), at("c", "3", 5)
	for _, c := range []struct {
		name  string
		p     *imv1alpha1.RegistrationPolicy
		peers []*imv1alpha1.RegistrationPolicy
		want  *imv1alpha1.RegistrationPolicy
	}{
		{"alone", first, []*imv1alpha1.RegistrationPolicy{first}, nil},
		{"the oldest holds", first, []*imv1alpha1.RegistrationPolicy{first, second}, nil},
		{"a later one is held", second, []*imv1alpha1.RegistrationPolicy{first, second}, first},
		{"equal timestamps: the name decides", tied, []*imv1alpha1.RegistrationPolicy{second, tied}, second},
	} {
		if got := holder(c.p, c.peers); got != c.want {
			t.Errorf("%s: holder = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestWithLabels(t *testing.T) {
	t.Parallel()
	if got := withLabels(nil, map[string]string{"a": "1"}); len(got) != 1 || got["a"] != "1" {
		t.Errorf("withLabels(nil, a=1) = %v", got)
	}
	got := withLabels(map[string]string{"theirs": "x", "a": "0"}, map[string]string{"a": "1"})
	if len(got) != 2 || got["theirs"] != "x" || got["a"] != "1" {
		t.Errorf("withLabels keeps others' labels and sets ours: got %v", got)
	}
}

func TestPostgresReadiness(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		ready      int32
		want       bool
		wantReason string
	}{
		{0, false, imv1alpha1.ReasonDatabaseNotReady},
		{1, true, imv1alpha1.ReasonReconciled},
	} {
		sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "s-postgres"},
			Status: appsv1.StatefulSetStatus{ReadyReplicas: c.ready}}
		if got := postgresReadiness(sts); got.ready != c.want || got.reason != c.wantReason {
			t.Errorf("postgresReadiness(%d ready) = %+v, want %t %s", c.ready, got, c.want, c.wantReason)
		}
	}
}

func replicas(n int32) *int32 { return &n }

func deployment(available int32) *appsv1.Deployment {
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "s"},
		Status: appsv1.DeploymentStatus{AvailableReplicas: available, ReadyReplicas: available}}
}

func TestDeploymentAvailability(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name        string
		dep         *appsv1.Deployment
		replicas    *int32
		want        bool
		wantMessage string
	}{
		{"not created yet", nil, nil, false, "The chatserver Deployment waits for the database to be wired"},
		{"available", deployment(2), replicas(3), true, "Deployment s has 2 of 3 replicas available"},
		{"scaled to zero", deployment(0), replicas(0), false, "Deployment s is scaled to zero replicas"},
		{"coming up", deployment(0), nil, false, "Waiting for Deployment s: 0 of 1 replicas available"},
	} {
		run := &chatServerRun{deployment: c.dep,
			server: &imv1alpha1.ChatServer{Spec: imv1alpha1.ChatServerSpec{Replicas: c.replicas}}}
		got := deploymentAvailability(run)
		if got.ready != c.want || got.message != c.wantMessage {
			t.Errorf("%s: deploymentAvailability = %+v, want %t %q", c.name, got, c.want, c.wantMessage)
		}
		if !c.want && got.reason != imv1alpha1.ReasonDeploymentNotReady {
			t.Errorf("%s: reason %s, want %s", c.name, got.reason, imv1alpha1.ReasonDeploymentNotReady)
		}
	}
}

func TestServerReadiness(t *testing.T) {
	t.Parallel()
	up := observation{ready: true, reason: imv1alpha1.ReasonReconciled}
	dbDown := observation{reason: imv1alpha1.ReasonDatabaseNotReady, message: "db"}
	depDown := observation{reason: imv1alpha1.ReasonDeploymentNotReady, message: "dep"}
	refused := &chatclient.Error{HTTPStatus: http.StatusUnauthorized}
	for _, c := range []struct {
		name             string
		database, deploy observation
		seen             bool
		serverErr        error
		want             bool
		wantReason       string
	}{
		{"database first", dbDown, depDown, true, nil, false, imv1alpha1.ReasonDatabaseNotReady},
		{"then the Deployment", up, depDown, true, nil, false, imv1alpha1.ReasonDeploymentNotReady},
		{"not asked yet", up, up, false, nil, false, imv1alpha1.ReasonServerUnreachable},
		{"token refused", up, up, true, refused, false, imv1alpha1.ReasonServerRejected},
		{"no answer", up, up, true, errors.New("connection refused"), false, imv1alpha1.ReasonServerUnreachable},
		{"answers", up, up, true, nil, true, imv1alpha1.ReasonReconciled},
	} {
		run := &chatServerRun{server: &imv1alpha1.ChatServer{ObjectMeta: metav1.ObjectMeta{Name: "s"}},
			endpoint: "http://s:8080", serverSeen: c.seen, serverErr: c.serverErr, info: &chatclient.Info{Version: "v"}}
		got := serverReadiness(run, c.database, c.deploy)
		if got.ready != c.want || got.reason != c.wantReason {
			t.Errorf("%s: serverReadiness = %+v, want %t %s", c.name, got, c.want, c.wantReason)
		}
	}
}

func TestComputeChatServerStatus(t *testing.T) {
	t.Parallel()
	upRun := func() *chatServerRun {
		return &chatServerRun{
			server:     &imv1alpha1.ChatServer{ObjectMeta: metav1.ObjectMeta{Name: "s"}},
			database:   observation{ready: true, reason: imv1alpha1.ReasonReconciled},
			deployment: deployment(1), endpoint: "http://s:8080",
			serverSeen: true, info: &chatclient.Info{Version: "v"},
		}
	}
	for _, c := range []struct {
		name        string
		run         func() *chatServerRun
		stepErr     error
		wantReady   metav1.ConditionStatus
		wantReason  string
		wantObserve bool
		// wantOthers: the DatabaseReady and Available conditions are set.
		wantOthers bool
	}{
		{"all up", upRun, nil, metav1.ConditionTrue, imv1alpha1.ReasonReconciled, true, true},
		{"a failed step marks only Ready", upRun, errors.New("boom"),
			metav1.ConditionFalse, imv1alpha1.ReasonReconcileFailed, false, false},
		{"a wait keeps observedGeneration", func() *chatServerRun {
			run := upRun()
			run.deployment = nil
			run.database = observation{reason: imv1alpha1.ReasonSecretNotFound, message: "no DSN"}
			return run
		}, waiting(imv1alpha1.ReasonSecretNotFound, "no DSN"),
			metav1.ConditionFalse, imv1alpha1.ReasonSecretNotFound, false, true},
	} {
		server := &imv1alpha1.ChatServer{ObjectMeta: metav1.ObjectMeta{Name: "s", Generation: 3}}
		computeChatServerStatus(server, c.run(), c.stepErr)
		ready := meta.FindStatusCondition(server.Status.Conditions, imv1alpha1.ConditionReady)
		if ready == nil || ready.Status != c.wantReady || ready.Reason != c.wantReason {
			t.Errorf("%s: Ready = %+v, want %s %s", c.name, ready, c.wantReady, c.wantReason)
		}
		if observed := server.Status.ObservedGeneration == 3; observed != c.wantObserve {
			t.Errorf("%s: observedGeneration = %d, want set %t", c.name, server.Status.ObservedGeneration, c.wantObserve)
		}
		for _, typ := range []string{imv1alpha1.ConditionDatabaseReady, imv1alpha1.ConditionAvailable} {
			if set := meta.FindStatusCondition(server.Status.Conditions, typ) != nil; set != c.wantOthers {
				t.Errorf("%s: %s set %t, want %t", c.name, typ, set, c.wantOthers)
			}
		}
		if server.Status.Endpoint != "http://s:8080" {
			t.Errorf("%s: endpoint %q", c.name, server.Status.Endpoint)
		}
	}
}

func TestWordListStatus(t *testing.T) {
	t.Parallel()
	over := waiting(imv1alpha1.ReasonCapacityExceeded, "too many words")
	for _, c := range []struct {
		name       string
		peers      bool
		err        error
		wantSet    bool
		wantStatus metav1.ConditionStatus
		wantMsg    string
	}{
		{"peers not listed yet", false, nil, false, "", ""},
		{"fits", true, nil, true, metav1.ConditionTrue, "The app's merged word set fits its limit"},
		{"over capacity", true, over, true, metav1.ConditionFalse, "too many words"},
		{"over capacity, wrapped", true, fmt.Errorf("syncing: %w", over), true, metav1.ConditionFalse, "too many words"},
	} {
		l := &imv1alpha1.SensitiveWordList{Spec: imv1alpha1.SensitiveWordListSpec{Words: []string{"a", "b"}}}
		run := &wordListRun{obj: l}
		if c.peers {
			other := &imv1alpha1.SensitiveWordList{Spec: imv1alpha1.SensitiveWordListSpec{Words: []string{"b", "c"}}}
			run.peers = []*imv1alpha1.SensitiveWordList{l, other}
		}
		wordLists{}.setStatus(run, c.err)
		if l.Status.WordCount != 2 {
			t.Errorf("%s: wordCount %d, want 2", c.name, l.Status.WordCount)
		}
		if want := map[bool]int32{true: 3}[c.peers]; l.Status.AppWordCount != want {
			t.Errorf("%s: appWordCount %d, want %d", c.name, l.Status.AppWordCount, want)
		}
		cond := meta.FindStatusCondition(l.Status.Conditions, imv1alpha1.ConditionWithinCapacity)
		if (cond != nil) != c.wantSet {
			t.Fatalf("%s: WithinCapacity = %+v, want set %t", c.name, cond, c.wantSet)
		}
		if cond != nil && (cond.Status != c.wantStatus || cond.Message != c.wantMsg) {
			t.Errorf("%s: WithinCapacity = %s %q, want %s %q", c.name, cond.Status, cond.Message, c.wantStatus, c.wantMsg)
		}
	}
}
