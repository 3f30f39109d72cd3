package jmessage_test

// Races an attacker with two tenants can start over the admin API:
// opposite friend adds and deletes (same app and cross-app), a group
// dissolved while members are being added, and a user deleted while
// friend adds name them. On PostgreSQL these used to surface deadlocks
// (40P01) and foreign-key violations (23503) as 500s. Whatever the
// interleaving, every answer must be one the seed documents for the
// request, never a 5xx, and the final state must be consistent.

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// answer is an HTTP status with its JMessage error code (0 for success).
type answer struct{ status, code int }

func (a answer) String() string {
	if a.code == 0 {
		return fmt.Sprint(a.status)
	}
	return fmt.Sprintf("%d/%d", a.status, a.code)
}

// Answers the seed documents for the racing requests.
var (
	okCreated       = answer{http.StatusCreated, 0}
	okNoContent     = answer{http.StatusNoContent, 0}
	alreadyFriends  = answer{http.StatusForbidden, codeAlreadyFriend}
	userNotFound    = answer{http.StatusNotFound, codeUserNotFound}
	groupNotFound   = answer{http.StatusNotFound, 899006}
	alreadyMember   = answer{http.StatusForbidden, 899011}
	friendAddAnswer = []answer{okCreated, alreadyFriends}
)

// raceCall is one request of a race and the answers it may get.
type raceCall struct {
	f            *fixture
	method, path string
	body         any
	allowed      []answer
}

// raceTally counts a race's answers.
type raceTally struct {
	mu       sync.Mutex
	total    int
	byAnswer map[answer]int
	// unexpected holds a few answers the seed does not allow, to show.
	unexpected []string
	bad, fives int
}

func newRaceTally() *raceTally { return &raceTally{byAnswer: map[answer]int{}} }

func (rt *raceTally) String() string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	keys := slices.SortedFunc(maps.Keys(rt.byAnswer), func(a, b answer) int {
		if a.status != b.status {
			return a.status - b.status
		}
		return a.code - b.code
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, rt.byAnswer[k])
	}
	return fmt.Sprintf("%d answers (%s); %d of them 5xx, %d not allowed", rt.total, strings.Join(parts, ", "), rt.fives, rt.bad)
}

// race sends every call at once over real HTTP and tallies the answers.
// It never fails the test itself (goroutines must not), so a run can show
// every bad answer; check with rt.requireClean.
func (rt *raceTally) race(t *testing.T, calls []raceCall) {
	t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, len(calls))
	for i, c := range calls {
		wg.Go(func() {
			<-start
			resp, err := c.f.srv.Send(c.method, c.path, c.f.app.As(), c.body)
			if err != nil {
				errs[i] = fmt.Errorf("%s %s: %w", c.method, c.path, err)
				return
			}
			rt.record(t, c, resp)
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func (rt *raceTally) record(t *testing.T, c raceCall, resp testutil.Response) {
	got := answer{status: resp.Status}
	if resp.Status >= 300 {
		var e struct {
			Error struct {
				Code int `json:"code"`
			} `json:"error"`
		}
		// A body that is not the envelope leaves code 0, which no
		// allowed error answer has.
		_ = json.Unmarshal(resp.Body, &e)
		got.code = e.Error.Code
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.total++
	rt.byAnswer[got]++
	if resp.Status >= 500 {
		rt.fives++
	}
	if !slices.Contains(c.allowed, got) {
		rt.bad++
		if len(rt.unexpected) < 5 {
			rt.unexpected = append(rt.unexpected, fmt.Sprintf("%s %s: %s (allowed %v)", c.method, c.path, describe(resp), c.allowed))
		}
	}
}

// requireClean fails the test if any answer was a 5xx or not allowed.
func (rt *raceTally) requireClean(t *testing.T) {
	t.Helper()
	t.Log(rt)
	if rt.bad > 0 || rt.fives > 0 {
		t.Fatalf("%s; for example:\n%s", rt, strings.Join(rt.unexpected, "\n"))
	}
}

// friendsOf lists f's user's friends labelled by app, through the API.
func (x *xApps) friendsOf(t *testing.T, f *fixture, username string) []string {
	t.Helper()
	return x.xRelated(t, f, "/v1/users/"+username+"/friends")
}

// Opposite friend adds, then opposite deletes, round after round: A of
// app a adds B of app b while B adds A (cross-app), and two users of one
// app add each other, each pair from several goroutines. Adds answer 201
// or 403/899070, deletes 204; after an add round every pair is friends on
// both sides, after a delete round no pair is.
func TestRaceOppositeFriendAddsAndDeletes(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		x := newXApps(t, b)
		a, o := x.a, x.b
		const pairs, rounds, copies = 12, 4, 2
		alices, bobs, carols := namesN("alice", pairs), namesN("bobby", pairs), namesN("carol", pairs)
		a.register(t, append(alices, carols...)...)
		o.register(t, bobs...)
		rt := newRaceTally()
		for round := range rounds {
			adding := round%2 == 0
			method, allowed := "POST", friendAddAnswer
			if !adding {
				method, allowed = "DELETE", []answer{okNoContent}
			}
			var calls []raceCall
			for i := range pairs {
				al, bo, ca := alices[i], bobs[i], carols[i]
				for range copies {
					calls = append(calls,
						raceCall{a, method, "/v1/cross/users/" + al + "/friends", map[string]any{"appkey": o.app.Key, "users": []string{bo}}, allowed},
						raceCall{o, method, "/v1/cross/users/" + bo + "/friends", map[string]any{"appkey": a.app.Key, "users": []string{al}}, allowed},
						raceCall{a, method, "/v1/users/" + al + "/friends", []string{ca}, allowed},
						raceCall{a, method, "/v1/users/" + ca + "/friends", []string{al}, allowed},
					)
				}
			}
			rt.race(t, calls)
			for i := range pairs {
				al, bo, ca := alices[i], bobs[i], carols[i]
				var want, wantB, wantC []string
				if adding {
					want, wantB, wantC = []string{"a:" + ca, "b:" + bo}, []string{"a:" + al}, []string{"a:" + al}
				}
				// Errorf, not Fatalf: the tally below still shows the answers.
				for _, c := range []struct {
					f    *fixture
					name string
					want []string
				}{{a, al, want}, {o, bo, wantB}, {a, ca, wantC}} {
					if got := x.friendsOf(t, c.f, c.name); !slices.Equal(got, sorted(c.want...)) {
						t.Errorf("after round %d (adding %t): friends of %s = %q, want %q", round, adding, c.name, got, sorted(c.want...))
					}
				}
			}
		}
		rt.requireClean(t)
	})
}

// A group is dissolved while members are being added to it from several
// goroutines. The delete always succeeds (204); each add succeeds (204),
// finds the group gone (404/899006) or finds its user already added
// (403/899011). Afterwards every group is gone and has no members left.
func TestRaceDeleteGroupWhileAddingMembers(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		const groups, adders = 16, 6
		members := namesN("member", adders)
		f.register(t, append([]string{"owner"}, members...)...)
		gids := make([]int64, groups)
		for i := range gids {
			gids[i] = f.gmCreateGroup(t, "owner")
		}
		addAllowed := []answer{okNoContent, groupNotFound, alreadyMember}
		var calls []raceCall
		for _, gid := range gids {
			path := "/v1/groups/" + gmGid(gid)
			calls = append(calls, raceCall{f, "DELETE", path, nil, []answer{okNoContent}})
			for j := range adders {
				// Pairs of adders name the same user, so some find them added.
				calls = append(calls, raceCall{f, "POST", path + "/members", map[string]any{"add": []string{members[j/2*2]}}, addAllowed})
			}
		}
		rt := newRaceTally()
		rt.race(t, calls)
		rt.requireClean(t)
		appID := f.gmAppID(t)
		for _, gid := range gids {
			wantError(t, f.do(t, "GET", "/v1/groups/"+gmGid(gid), nil), http.StatusNotFound, 899006)
			n, err := f.srv.Store.Read().CountGroupMembers(context.Background(), appID, gid)
			if err != nil {
				t.Fatalf("counting members of group %d: %v", gid, err)
			}
			if n != 0 {
				t.Errorf("deleted group %d still has %d members", gid, n)
			}
		}
		for _, m := range append([]string{"owner"}, members...) {
			if gs := f.gmUserGroups(t, m); len(gs) != 0 {
				t.Errorf("%s is still in groups %v", m, gs)
			}
		}
	})
}

// A user is deleted while friend adds name them: as the friend (same app
// and cross-app) and as the one adding. The delete always succeeds (204);
// each add succeeds (201), finds the user gone (404/899002) or finds the
// friendship made by the opposite add (403/899070). Afterwards the user
// is gone, nobody has them as a friend, and every surviving friendship is
// mutual.
func TestRaceDeleteUserWhileAddingFriends(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		x := newXApps(t, b)
		a, o := x.a, x.b
		const victims = 16
		doomed, adders, others := namesN("doomed", victims), namesN("adder", victims), namesN("other", victims)
		a.register(t, append(doomed, adders...)...)
		o.register(t, others...)
		allowed := []answer{okCreated, userNotFound, alreadyFriends}
		var calls []raceCall
		for i := range victims {
			v, ad, ot := doomed[i], adders[i], others[i]
			calls = append(calls,
				raceCall{a, "DELETE", "/v1/users/" + v, nil, []answer{okNoContent}},
				raceCall{a, "POST", "/v1/users/" + ad + "/friends", []string{v}, allowed},
				raceCall{a, "POST", "/v1/users/" + v + "/friends", []string{ad}, allowed},
				raceCall{o, "POST", "/v1/cross/users/" + ot + "/friends", map[string]any{"appkey": a.app.Key, "users": []string{v}}, allowed},
				raceCall{a, "POST", "/v1/cross/users/" + v + "/friends", map[string]any{"appkey": o.app.Key, "users": []string{ot}}, allowed},
			)
		}
		rt := newRaceTally()
		rt.race(t, calls)
		rt.requireClean(t)
		for i := range victims {
			if a.userExists(t, doomed[i]) {
				t.Errorf("deleted user %s still exists", doomed[i])
			}
			wantNames(t, "friends of a:"+adders[i], x.friendsOf(t, a, adders[i]))
			wantNames(t, "friends of b:"+others[i], x.friendsOf(t, o, others[i]))
		}
	})
}
