package sealtalk

import (
	"net/http"
	"strconv"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

// groupView is a group as /user/groups lists it. We keep no whole-group
// mute and no group certification, so isMute and certiStatus are 0.
type groupView struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	PortraitURI string `json:"portraitUri"`
	CreatorID   string `json:"creatorId"`
	MemberCount int    `json:"memberCount"`
	IsMute      int    `json:"isMute"`
	CertiStatus int    `json:"certiStatus"`
}

// favGroupView is a group as /user/favgroups lists it.
type favGroupView struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	PortraitURI      string `json:"portraitUri"`
	CreatorID        string `json:"creatorId"`
	MemberCount      int    `json:"memberCount"`
	MaxMemberCount   int    `json:"maxMemberCount"`
	MemberProtection int    `json:"memberProtection"`
	CreatedAt        string `json:"createdAt"`
	UpdatedAt        string `json:"updatedAt"`
	UpdatedTime      int64  `json:"updatedTime"`
	CreatedTime      int64  `json:"createdTime"`
}

// externalOrEmpty is the SealTalk id of a user, "" for none (a group
// whose owner was deleted).
func externalOrEmpty(app model.App, userID int64) string {
	if userID == 0 {
		return ""
	}
	return core.ExternalID(app, userID)
}

const isoMillis = "2006-01-02T15:04:05.000Z"

// groups answers /user/groups: every group of the tenant the caller is a
// member of. POST as the seed says, GET as clients send.
func (f *Face) groups(w http.ResponseWriter, r *http.Request, c caller) {
	page, err := f.svc.GroupsOfMember(r.Context(), c.app, c.username, -1, 0)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]groupView, len(page.Groups))
	for i, g := range page.Groups {
		out[i] = groupView{ID: core.GroupExternalID(c.app, g.ID), Name: g.Name, PortraitURI: g.Avatar,
			CreatorID: externalOrEmpty(c.app, g.OwnerID), MemberCount: g.Members}
	}
	ok(w, out)
}

// favGroups answers /user/favgroups?offset=&limit=: the contact groups,
// which are every group the caller is a member of (nothing in this API
// saves a group to contacts). Without offset and limit it lists them all.
func (f *Face) favGroups(w http.ResponseWriter, r *http.Request, c caller) {
	limitArg, offsetArg := r.URL.Query().Get("limit"), r.URL.Query().Get("offset")
	limit, offset := -1, 0
	var err error
	if limitArg != "" {
		if limit, err = strconv.Atoi(limitArg); err != nil || limit < 0 {
			writeError(w, r, core.ErrInvalid)
			return
		}
	}
	if offsetArg != "" {
		if offset, err = strconv.Atoi(offsetArg); err != nil {
			writeError(w, r, core.ErrInvalid)
			return
		}
	}
	page, err := f.svc.GroupsOfMember(r.Context(), c.app, c.username, limit, offset)
	if err != nil {
		writeError(w, r, err)
		return
	}
	list := make([]favGroupView, len(page.Groups))
	for i, g := range page.Groups {
		list[i] = favViewOf(c.app, g)
	}
	if limitArg == "" {
		limitArg = strconv.Itoa(len(list))
	}
	if offsetArg == "" {
		offsetArg = "0"
	}
	ok(w, map[string]any{"list": list, "total": page.Total, "limit": limitArg, "offset": offsetArg})
}

func favViewOf(app model.App, g core.GroupWithSize) favGroupView {
	return favGroupView{
		ID: core.GroupExternalID(app, g.ID), Name: g.Name, PortraitURI: g.Avatar, CreatorID: externalOrEmpty(app, g.OwnerID),
		MemberCount: g.Members, MaxMemberCount: g.MaxMembers,
		CreatedAt: g.Created.UTC().Format(isoMillis), UpdatedAt: g.Modified.UTC().Format(isoMillis),
		CreatedTime: g.Created.UnixMilli(), UpdatedTime: g.Modified.UnixMilli(),
	}
}
