package core_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// ChatroomMembership and ChatroomRecipients are what message routing asks
// of a room: who is in it, who is muted, and nothing of another app's room.
func TestChatroomMembershipAndRecipients(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		ctx := context.Background()
		srv := testutil.StartServer(t, b)
		svc := srv.Svc
		app := authenticated(t, svc, srv.CreateApp(t, nil))
		otherApp := authenticated(t, svc, srv.CreateApp(t, nil))
		register := func(names ...string) map[string]int64 {
			t.Helper()
			batch := make([]core.NewUser, len(names))
			for i, n := range names {
				batch[i] = core.NewUser{Username: n, Password: "password"}
			}
			if _, err := svc.RegisterUsers(ctx, app, batch); err != nil {
				t.Fatal(err)
			}
			ids := map[string]int64{}
			for _, n := range names {
				u, err := svc.User(ctx, app, n)
				if err != nil {
					t.Fatal(err)
				}
				ids[n] = u.ID
			}
			return ids
		}
		ids := register("owner", "member", "outsider")
		name := "room"
		room, err := svc.CreateChatroom(ctx, app, core.NewChatroom{Owner: "owner", Name: &name, Members: []string{"member"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.SetChatroomMuted(ctx, app, room, "member", true); err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct {
			user          string
			member, muted bool
		}{{"owner", true, false}, {"member", true, true}, {"outsider", false, false}} {
			member, muted, err := svc.ChatroomMembership(ctx, app, room, ids[c.user])
			if err != nil || member != c.member || muted != c.muted {
				t.Errorf("%s: member %v muted %v (%v), want %v %v", c.user, member, muted, err, c.member, c.muted)
			}
		}
		got, err := svc.ChatroomRecipients(ctx, app, room)
		slices.Sort(got)
		want := []int64{ids["owner"], ids["member"]}
		slices.Sort(want)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("recipients = %v (%v), want %v", got, err, want)
		}

		// Another app, or no such room: ErrChatroomNotFound.
		for _, c := range []struct {
			name string
			id   int64
		}{{"other app", room}, {"unknown", room + 1000}} {
			a := otherApp
			if c.name == "unknown" {
				a = app
			}
			if _, _, err := svc.ChatroomMembership(ctx, a, c.id, ids["owner"]); !errors.Is(err, core.ErrChatroomNotFound) {
				t.Errorf("%s: membership error %v, want ErrChatroomNotFound", c.name, err)
			}
			if _, err := svc.ChatroomRecipients(ctx, a, c.id); !errors.Is(err, core.ErrChatroomNotFound) {
				t.Errorf("%s: recipients error %v, want ErrChatroomNotFound", c.name, err)
			}
		}

		// An empty room (its only member, the owner, deleted) has no
		// recipients but still exists.
		if err := svc.DeleteUser(ctx, app, "owner"); err != nil {
			t.Fatal(err)
		}
		if err := svc.EditChatroomMembers(ctx, app, room, core.MembersChange{Remove: []string{"member"}}); err != nil {
			t.Fatal(err)
		}
		if got, err := svc.ChatroomRecipients(ctx, app, room); err != nil || len(got) != 0 {
			t.Fatalf("recipients of an empty room = %v (%v), want none", got, err)
		}
		rooms, err := svc.Chatrooms(ctx, app, []int64{room})
		if err != nil || len(rooms) != 1 || rooms[0].OwnerName != "" || rooms[0].MemberCount != 0 {
			t.Fatalf("room after its owner left = %+v (%v)", rooms, err)
		}
	})
}
