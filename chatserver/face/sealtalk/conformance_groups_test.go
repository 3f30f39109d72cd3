package sealtalk_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// admin calls the tenant's admin API (the tenant's backend), expecting a
// 2xx answer.
func (f *fixture) admin(t *testing.T, method, path string, body any) testutil.Response {
	t.Helper()
	r := f.srv.Do(t, method, path, f.app.As(), body)
	if r.Status/100 != 2 {
		t.Fatalf("admin %s %s: %d %s", method, path, r.Status, r.Body)
	}
	return r
}

// createGroup creates a group through the admin API; it returns the
// group's SealTalk id.
func (f *fixture) createGroup(t *testing.T, owner, name, avatar string, members ...string) (int64, string) {
	t.Helper()
	var g struct {
		Gid int64 `json:"gid"`
	}
	f.admin(t, "POST", "/v1/groups", map[string]any{
		"owner_username": owner, "name": name, "avatar": avatar, "members_username": members,
	}).JSON(t, &g)
	return g.Gid, core.GroupExternalID(f.tenant(t), g.Gid)
}

func TestGroups(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		me, token := f.signUp(t, "13912345678", "P@ssw0rd")
		other, _ := f.signUp(t, "18713578062", "P@ssw0rd")
		third, _ := f.signUp(t, "18600650648", "P@ssw0rd")
		_, team1 := f.createGroup(t, me, "Team 1", "http://test.com/group/abc123.jpg", other)
		_, team2 := f.createGroup(t, third, "Team 2", "", me, other)
		f.createGroup(t, third, "Not mine", "", other)

		for _, method := range []string{"POST", "GET"} {
			r := f.call(t, method, "groups", token, nil)
			r.want(t, 200, 200)
			var got []map[string]any
			r.result(t, &got)
			if len(got) != 2 {
				t.Fatalf("%s groups: %s", method, r.Result)
			}
			want := []map[string]any{
				{"id": team1, "name": "Team 1", "portraitUri": "http://test.com/group/abc123.jpg", "creatorId": me,
					"memberCount": 2.0, "isMute": 0.0, "certiStatus": 0.0},
				{"id": team2, "name": "Team 2", "portraitUri": "", "creatorId": third,
					"memberCount": 3.0, "isMute": 0.0, "certiStatus": 0.0},
			}
			for i, w := range want {
				for k, v := range w {
					if got[i][k] != v {
						t.Fatalf("%s groups[%d].%s = %v, want %v (%s)", method, i, k, got[i][k], v, r.Result)
					}
				}
			}
		}
		f.call(t, "POST", "groups", "", nil).want(t, 403, 403)
	})
}

func TestFavGroups(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		me, token := f.signUp(t, "13912345678", "P@ssw0rd")
		other, _ := f.signUp(t, "18713578062", "P@ssw0rd")
		_, team1 := f.createGroup(t, me, "ceshiqunzu", "", other)
		_, team2 := f.createGroup(t, other, "Team 2", "", me)

		type page struct {
			List []map[string]any `json:"list"`
			// The seed's example has total a number, limit and offset strings.
			Total  int    `json:"total"`
			Limit  string `json:"limit"`
			Offset string `json:"offset"`
		}
		get := func(query string) page {
			r := f.call(t, "GET", "favgroups"+query, token, nil)
			r.want(t, 200, 200)
			var p page
			r.result(t, &p)
			return p
		}
		p := get("?limit=1&offset=0")
		if len(p.List) != 1 || p.Total != 2 || p.Limit != "1" || p.Offset != "0" {
			t.Fatalf("favgroups?limit=1&offset=0: %+v", p)
		}
		g := p.List[0]
		if g["id"] != team1 || g["name"] != "ceshiqunzu" || g["creatorId"] != me || g["memberCount"] != 2.0 ||
			g["maxMemberCount"] == nil || g["memberProtection"] != 0.0 || g["portraitUri"] != "" {
			t.Fatalf("favgroups entry: %v", g)
		}
		for _, k := range []string{"createdAt", "updatedAt", "updatedTime", "createdTime"} {
			if g[k] == nil || g[k] == "" || g[k] == 0.0 {
				t.Fatalf("favgroups entry lacks %s: %v", k, g)
			}
		}
		if p := get("?limit=1&offset=1"); len(p.List) != 1 || p.List[0]["id"] != team2 || p.Total != 2 {
			t.Fatalf("second page: %+v", p)
		}
		// Neither parameter: every contact group.
		if p := get(""); len(p.List) != 2 || p.Total != 2 || p.Limit != "2" || p.Offset != "0" {
			t.Fatalf("favgroups: %+v", p)
		}
		f.call(t, "GET", "favgroups?limit=x", token, nil).want(t, 400, 400)
		f.call(t, "GET", "favgroups?offset=1", token, nil).want(t, 400, 400)
		f.call(t, "GET", "favgroups", "", nil).want(t, 403, 403)
	})
}

// syncResult is the seed's /user/sync/:version result.
type syncResult struct {
	Version int64 `json:"version"`
	User    *struct {
		ID          string `json:"id"`
		Nickname    string `json:"nickname"`
		PortraitURI string `json:"portraitUri"`
		Timestamp   int64  `json:"timestamp"`
	} `json:"user"`
	Blacklist []struct {
		FriendID  string `json:"friendId"`
		Status    bool   `json:"status"`
		Timestamp int64  `json:"timestamp"`
	} `json:"blacklist"`
	Friends []struct {
		FriendID    string `json:"friendId"`
		DisplayName string `json:"displayName"`
		Status      int    `json:"status"`
		Timestamp   int64  `json:"timestamp"`
	} `json:"friends"`
	Groups []struct {
		DisplayName string `json:"displayName"`
		Role        int    `json:"role"`
		IsDeleted   bool   `json:"isDeleted"`
		Group       struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			PortraitURI string `json:"portraitUri"`
			Timestamp   int64  `json:"timestamp"`
		} `json:"group"`
	} `json:"groups"`
	GroupMembers []struct {
		GroupID   string `json:"groupId"`
		MemberID  string `json:"memberId"`
		Role      int    `json:"role"`
		IsDeleted bool   `json:"isDeleted"`
		Timestamp int64  `json:"timestamp"`
		User      struct {
			Nickname    string `json:"nickname"`
			PortraitURI string `json:"portraitUri"`
		} `json:"user"`
	} `json:"group_members"`
}

func (f *fixture) sync(t *testing.T, method, token string, version int64) syncResult {
	t.Helper()
	r := f.call(t, method, "sync/"+itoa(version), token, nil)
	r.want(t, 200, 200)
	var out syncResult
	r.result(t, &out)
	for _, k := range []string{`"blacklist":[`, `"friends":[`, `"groups":[`, `"group_members":[`} {
		if !strings.Contains(string(r.Result), k) {
			t.Fatalf("sync/%d: no %s list in %s", version, k, r.Result)
		}
	}
	return out
}

func TestSync(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		me, token := f.signUp(t, "13912345678", "P@ssw0rd")
		friend, friendToken := f.signUp(t, "18713578062", "P@ssw0rd")

		// Version 0: everything, the user included.
		s := f.sync(t, "GET", token, 0)
		if s.User == nil || s.User.ID != me || s.User.Nickname != "Tom" || len(s.Friends)+len(s.Blacklist)+len(s.Groups) != 0 {
			t.Fatalf("sync/0 of a new user: %+v", s)
		}
		v0 := s.Version

		// The tenant's backend makes them friends and puts both in a group;
		// the user blacklists the friend.
		f.admin(t, "POST", "/v1/users/"+me+"/friends", []string{friend})
		f.admin(t, "PUT", "/v1/users/"+me+"/friends", []map[string]any{{"username": friend, "note_name": "Jerry"}})
		gid, team := f.createGroup(t, me, "Team 1", "http://test.com/group/abc123.jpg", friend)
		gone, goneTeam := f.createGroup(t, friend, "Team 2", "", me)
		f.call(t, "POST", "add_to_blacklist", token, map[string]any{"friendId": friend}).want(t, 200, 200)

		s = f.sync(t, "POST", token, v0)
		if s.Version <= v0 || s.User != nil {
			t.Fatalf("sync/%d: version %d, user %+v", v0, s.Version, s.User)
		}
		if len(s.Friends) != 1 || s.Friends[0].FriendID != friend || s.Friends[0].Status != 20 ||
			s.Friends[0].DisplayName != "Jerry" || s.Friends[0].Timestamp <= v0 || s.Friends[0].Timestamp > s.Version {
			t.Fatalf("friends: %+v", s.Friends)
		}
		if len(s.Blacklist) != 1 || s.Blacklist[0].FriendID != friend || !s.Blacklist[0].Status {
			t.Fatalf("blacklist: %+v", s.Blacklist)
		}
		if len(s.Groups) != 2 || s.Groups[0].Group.ID != team || s.Groups[0].Group.Name != "Team 1" ||
			s.Groups[0].Group.PortraitURI != "http://test.com/group/abc123.jpg" || s.Groups[0].Role != 0 || s.Groups[0].IsDeleted ||
			s.Groups[1].Group.ID != goneTeam || s.Groups[1].Role != 1 {
			t.Fatalf("groups: %+v", s.Groups)
		}
		if len(s.GroupMembers) != 4 {
			t.Fatalf("group_members: %+v", s.GroupMembers)
		}
		for _, m := range s.GroupMembers {
			if m.GroupID == team && m.MemberID == friend && (m.Role != 1 || m.User.Nickname != "Tom" || m.IsDeleted) ||
				m.GroupID == team && m.MemberID == me && m.Role != 0 {
				t.Fatalf("group_members: %+v", s.GroupMembers)
			}
		}
		v1 := s.Version

		// Nothing changed: nothing reported, the version stays.
		if s := f.sync(t, "GET", token, v1); s.Version != v1 || s.User != nil || len(s.Friends)+len(s.Blacklist)+
			len(s.Groups)+len(s.GroupMembers) != 0 {
			t.Fatalf("sync/%d with no change: %+v", v1, s)
		}

		// Deletions: unfriended, off the blacklist, removed from a group,
		// a group dissolved; and a new nickname.
		f.call(t, "POST", "set_nickname", token, map[string]any{"nickname": "Tommy"}).want(t, 200, 200)
		f.admin(t, "DELETE", "/v1/users/"+me+"/friends", []string{friend})
		f.call(t, "POST", "remove_from_blacklist", token, map[string]any{"friendId": friend}).want(t, 200, 200)
		f.admin(t, "POST", "/v1/groups/"+itoa(gid)+"/members", map[string]any{"remove": []string{friend}})
		f.admin(t, "DELETE", "/v1/groups/"+itoa(gone), nil)

		s = f.sync(t, "GET", token, v1)
		if s.Version <= v1 || s.User == nil || s.User.Nickname != "Tommy" || s.User.Timestamp <= v1 {
			t.Fatalf("sync/%d user: version %d %+v", v1, s.Version, s.User)
		}
		if len(s.Friends) != 1 || s.Friends[0].FriendID != friend || s.Friends[0].Status != 30 {
			t.Fatalf("unfriended: %+v", s.Friends)
		}
		if len(s.Blacklist) != 1 || s.Blacklist[0].FriendID != friend || s.Blacklist[0].Status {
			t.Fatalf("un-blacklisted: %+v", s.Blacklist)
		}
		if len(s.Groups) != 1 || s.Groups[0].Group.ID != goneTeam || !s.Groups[0].IsDeleted {
			t.Fatalf("dissolved group: %+v", s.Groups)
		}
		// The friend left Team 1; the user's own new nickname shows on
		// their membership.
		if len(s.GroupMembers) != 2 {
			t.Fatalf("group_members: %+v", s.GroupMembers)
		}
		for _, m := range s.GroupMembers {
			if m.GroupID != team || m.MemberID == friend && !m.IsDeleted ||
				m.MemberID == me && (m.IsDeleted || m.User.Nickname != "Tommy" || m.Role != 0) {
				t.Fatalf("group_members: %+v", s.GroupMembers)
			}
		}
		// The removed member sees the group gone, and the unfriending.
		fs := f.sync(t, "GET", friendToken, v1)
		if len(fs.Groups) != 2 || !fs.Groups[0].IsDeleted || !fs.Groups[1].IsDeleted ||
			len(fs.Friends) != 1 || fs.Friends[0].FriendID != me || fs.Friends[0].Status != 30 {
			t.Fatalf("sync/%d of the removed member: %+v", v1, fs)
		}
		// Friends again: the deletion is replaced by the friendship.
		f.admin(t, "POST", "/v1/users/"+me+"/friends", []string{friend})
		if s := f.sync(t, "GET", token, v1); len(s.Friends) != 1 || s.Friends[0].Status != 20 {
			t.Fatalf("refriended: %+v", s.Friends)
		}

		f.call(t, "GET", "sync/abc", token, nil).want(t, 400, 400)
		f.call(t, "GET", "sync/-1", token, nil).want(t, 400, 400)
		f.call(t, "GET", "sync/0", "", nil).want(t, 403, 403)
		// Another tenant's sync sees none of this.
		other := &fixture{srv: f.srv, app: f.srv.CreateApp(t, nil), sms: f.sms}
		other.setPolicy(t, nil)
		_, otherToken := other.signUp(t, "13912345678", "P@ssw0rd")
		if s := other.sync(t, "GET", otherToken, 0); len(s.Friends)+len(s.Blacklist)+len(s.Groups)+len(s.GroupMembers) != 0 {
			t.Fatalf("another tenant's sync/0: %+v", s)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A new owner, a renamed group and a deleted user are changes too.
func TestSyncOwnerRenameAndDeletedUser(t *testing.T) {
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		f := newFixture(t, b, nil)
		me, token := f.signUp(t, "13912345678", "P@ssw0rd")
		friend, _ := f.signUp(t, "18713578062", "P@ssw0rd")
		f.admin(t, "POST", "/v1/users/"+me+"/friends", []string{friend})
		gid, team := f.createGroup(t, me, "Team 1", "", friend)
		v := f.sync(t, "GET", token, 0).Version

		f.admin(t, "PUT", "/v1/groups/"+itoa(gid), map[string]any{"name": "Team One"})
		f.admin(t, "PUT", "/v1/groups/owner/"+itoa(gid), map[string]any{"username": friend})
		s := f.sync(t, "GET", token, v)
		if len(s.Groups) != 1 || s.Groups[0].Group.ID != team || s.Groups[0].Group.Name != "Team One" || s.Groups[0].Role != 1 {
			t.Fatalf("groups after rename and transfer: %+v", s.Groups)
		}
		roles := map[string]int{}
		for _, m := range s.GroupMembers {
			roles[m.MemberID] = m.Role
		}
		if len(roles) != 2 || roles[me] != 1 || roles[friend] != 0 {
			t.Fatalf("group_members after transfer: %+v", s.GroupMembers)
		}
		v = s.Version

		// The friend's account is deleted: the friendship and the
		// membership go with it.
		f.admin(t, "DELETE", "/v1/users/"+friend, nil)
		s = f.sync(t, "GET", token, v)
		if len(s.Friends) != 1 || s.Friends[0].FriendID != friend || s.Friends[0].Status != 30 {
			t.Fatalf("friends after the friend's deletion: %+v", s.Friends)
		}
		if len(s.GroupMembers) != 1 || s.GroupMembers[0].MemberID != friend || !s.GroupMembers[0].IsDeleted {
			t.Fatalf("group_members after the member's deletion: %+v", s.GroupMembers)
		}
	})
}
