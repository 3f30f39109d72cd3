package sealtalk

import (
	"net/http"
	"strconv"

	"github.com/chat-operator/chat-operator/chatserver/core"
)

// SealTalk's friendship statuses and group roles.
const (
	friendAgreed  = 20
	friendDeleted = 30
	roleCreator   = 0
	roleMember    = 1
)

type syncUser struct {
	ID          string `json:"id"`
	Nickname    string `json:"nickname"`
	PortraitURI string `json:"portraitUri"`
	Timestamp   int64  `json:"timestamp"`
}

type syncBlacklist struct {
	FriendID  string `json:"friendId"`
	Status    bool   `json:"status"`
	Timestamp int64  `json:"timestamp"`
}

type syncProfile struct {
	Nickname    string `json:"nickname"`
	PortraitURI string `json:"portraitUri"`
}

type syncFriend struct {
	FriendID    string      `json:"friendId"`
	DisplayName string      `json:"displayName"`
	Status      int         `json:"status"`
	IsDeleted   bool        `json:"isDeleted"`
	Timestamp   int64       `json:"timestamp"`
	User        syncProfile `json:"user"`
}

type syncGroupInfo struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	PortraitURI string `json:"portraitUri"`
	Timestamp   int64  `json:"timestamp"`
}

type syncGroup struct {
	DisplayName string        `json:"displayName"`
	Role        int           `json:"role"`
	IsDeleted   bool          `json:"isDeleted"`
	Group       syncGroupInfo `json:"group"`
}

type syncMember struct {
	GroupID     string      `json:"groupId"`
	MemberID    string      `json:"memberId"`
	DisplayName string      `json:"displayName"`
	Role        int         `json:"role"`
	IsDeleted   bool        `json:"isDeleted"`
	Timestamp   int64       `json:"timestamp"`
	User        syncProfile `json:"user"`
}

// sync answers /user/sync/:version: what changed for the caller since
// version (0: everything). POST as the seed says, GET as clients send.
func (f *Face) sync(w http.ResponseWriter, r *http.Request, c caller) {
	version, err := strconv.ParseInt(r.PathValue("version"), 10, 64)
	if err != nil || version < 0 {
		writeError(w, r, core.ErrInvalid)
		return
	}
	ch, err := f.svc.ChangesSince(r.Context(), c.app, c.username, version)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := struct {
		Version      int64           `json:"version"`
		User         *syncUser       `json:"user"`
		Blacklist    []syncBlacklist `json:"blacklist"`
		Friends      []syncFriend    `json:"friends"`
		Groups       []syncGroup     `json:"groups"`
		GroupMembers []syncMember    `json:"group_members"`
	}{
		Version: ch.Version, Blacklist: []syncBlacklist{}, Friends: []syncFriend{},
		Groups: []syncGroup{}, GroupMembers: []syncMember{},
	}
	if u := ch.User; u != nil {
		out.User = &syncUser{ID: core.ExternalID(c.app, u.UserID), Nickname: u.Nickname, PortraitURI: u.PortraitURI, Timestamp: u.Stamp}
	}
	for _, b := range ch.Blacklist {
		out.Blacklist = append(out.Blacklist, syncBlacklist{FriendID: core.ExternalID(c.app, b.TargetID), Status: b.Listed, Timestamp: b.Stamp})
	}
	for _, fr := range ch.Friends {
		status := friendAgreed
		if fr.Deleted {
			status = friendDeleted
		}
		out.Friends = append(out.Friends, syncFriend{FriendID: core.ExternalID(c.app, fr.FriendID), DisplayName: fr.DisplayName,
			Status: status, IsDeleted: fr.Deleted, Timestamp: fr.Stamp, User: syncProfile{fr.Nickname, fr.PortraitURI}})
	}
	for _, g := range ch.Groups {
		out.Groups = append(out.Groups, syncGroup{Role: roleOf(g.OwnerID == c.session.UserID), IsDeleted: g.Deleted,
			Group: syncGroupInfo{ID: core.GroupExternalID(c.app, g.GroupID), Name: g.Name, PortraitURI: g.PortraitURI, Timestamp: g.Stamp}})
	}
	for _, m := range ch.GroupMembers {
		out.GroupMembers = append(out.GroupMembers, syncMember{GroupID: core.GroupExternalID(c.app, m.GroupID), MemberID: core.ExternalID(c.app, m.MemberID),
			Role: roleOf(m.Owner), IsDeleted: m.Deleted, Timestamp: m.Stamp, User: syncProfile{m.Nickname, m.PortraitURI}})
	}
	ok(w, out)
}

func roleOf(owner bool) int {
	if owner {
		return roleCreator
	}
	return roleMember
}
