package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// devicesOf is what userstat reports for one user.
func devicesOf(t *testing.T, svc *core.Service, app model.App, username string) []model.Device {
	t.Helper()
	st, err := svc.UserStatuses(context.Background(), app, []string{username})
	if err != nil {
		t.Fatal(err)
	}
	return st[0].Devices
}

func wantDevices(t *testing.T, svc *core.Service, app model.App, username string, want ...model.Device) {
	t.Helper()
	got := devicesOf(t, svc, app, username)
	if want == nil {
		want = []model.Device{}
	}
	if len(got) != len(want) {
		t.Fatalf("devices of %s = %+v, want %+v", username, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("devices of %s = %+v, want %+v", username, got, want)
		}
	}
}

// userstat (JMessage /v1/users/userstat) reports real state: a platform
// appears with the first login on it; "login" while a session of it is
// live; "online" while a gateway connection of it is open on any replica
// whose lease is current.
func TestUserStatusFollowsSessionsAndConnections(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		clock := testutil.NewClock(sessionEpoch)
		svc, _ := openWithRaw(t, b, core.WithClock(clock.Now), core.WithSessionTTL(time.Hour))
		app := newCoreApp(t, svc, "alice", "bobby")
		alice, err := svc.User(ctx, app, "alice")
		if err != nil {
			t.Fatal(err)
		}

		wantDevices(t, svc, app, "alice") // never logged in: []

		tokA, _ := login(t, svc, app, "alice", "a")
		login(t, svc, app, "alice", "i")
		wantDevices(t, svc, app, "alice", model.Device{Platform: "a", LoggedIn: true}, model.Device{Platform: "i", LoggedIn: true})
		wantDevices(t, svc, app, "bobby")

		// Two replicas; alice's Android holds two sockets on replica 1.
		r1, r2 := svc.NewPresence(time.Minute), svc.NewPresence(time.Minute)
		t.Cleanup(r1.Close)
		t.Cleanup(r2.Close)
		sync := func(p ...*core.Presence) {
			t.Helper()
			for _, p := range p {
				if err := p.Sync(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		r1.Connected(app.ID, alice.ID, "a")
		r1.Connected(app.ID, alice.ID, "a")
		r2.Connected(app.ID, alice.ID, "i")
		sync(r1, r2)
		wantDevices(t, svc, app, "alice", model.Device{Platform: "a", LoggedIn: true, Online: true},
			model.Device{Platform: "i", LoggedIn: true, Online: true})
		r1.Disconnected(app.ID, alice.ID, "a")
		sync(r1)
		wantDevices(t, svc, app, "alice", model.Device{Platform: "a", LoggedIn: true, Online: true},
			model.Device{Platform: "i", LoggedIn: true, Online: true})
		r1.Disconnected(app.ID, alice.ID, "a")
		sync(r1)
		wantDevices(t, svc, app, "alice", model.Device{Platform: "a", LoggedIn: true},
			model.Device{Platform: "i", LoggedIn: true, Online: true})

		// Logout ends the login state; the platform stays listed.
		if err := svc.RevokeSession(ctx, app, tokA); err != nil {
			t.Fatal(err)
		}
		wantDevices(t, svc, app, "alice", model.Device{Platform: "a"}, model.Device{Platform: "i", LoggedIn: true, Online: true})

		// A graceful shutdown of replica 2 takes its users offline at once.
		r2.Close()
		wantDevices(t, svc, app, "alice", model.Device{Platform: "a"}, model.Device{Platform: "i", LoggedIn: true})
		// Sessions expire.
		clock.Advance(time.Hour)
		wantDevices(t, svc, app, "alice", model.Device{Platform: "a"}, model.Device{Platform: "i"})
	})
}

// A replica that stops renewing (a crash) stops counting once its lease
// runs out; one that was only stalled writes its connections back when it
// renews again.
func TestPresenceLease(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		ctx := context.Background()
		clock := testutil.NewClock(sessionEpoch)
		svc, _ := openWithRaw(t, b, core.WithClock(clock.Now), core.WithSessionTTL(24*time.Hour))
		app := newCoreApp(t, svc, "alice")
		login(t, svc, app, "alice", "web")
		alice, _ := svc.User(ctx, app, "alice")

		stalled, other := svc.NewPresence(time.Minute), svc.NewPresence(time.Minute)
		t.Cleanup(stalled.Close)
		t.Cleanup(other.Close)
		stalled.Connected(app.ID, alice.ID, "web")
		if err := stalled.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		online := model.Device{Platform: "web", LoggedIn: true, Online: true}
		offline := model.Device{Platform: "web", LoggedIn: true}
		wantDevices(t, svc, app, "alice", online)
		clock.Advance(59 * time.Second)
		wantDevices(t, svc, app, "alice", online)
		clock.Advance(2 * time.Second)
		wantDevices(t, svc, app, "alice", offline)

		// Another replica's renewal clears the dead one's rows...
		if err := other.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		wantDevices(t, svc, app, "alice", offline)
		// ...and the stalled replica, renewing again, restores them.
		if err := stalled.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		wantDevices(t, svc, app, "alice", online)
	})
}
