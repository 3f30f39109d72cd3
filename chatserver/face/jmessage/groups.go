package jmessage

import (
	"net/http"
	"strconv"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

// registerGroups adds the group routes. The seed writes silence and owner
// transfer without /v1; they are served at that path and under /v1.
func (f *Face) registerGroups(handle func(string, appHandler)) {
	both := slashBoth(handle)
	both("POST", "/v1/groups", f.createGroup)
	both("GET", "/v1/groups", f.listGroups)
	handle("GET /v1/groups/{gid}", withGroup(f.getGroup))
	handle("PUT /v1/groups/{gid}", withGroup(f.updateGroup))
	handle("DELETE /v1/groups/{gid}", withGroup(f.deleteGroup))
	handle("POST /v1/groups/{gid}/members", withGroup(f.editGroupMembers))
	handle("POST /v2/groups/{gid}/addMembers", withGroup(f.addGroupMembersV2))
	handle("POST /v2/groups/{gid}/delMembers", withGroup(f.delGroupMembersV2))
	both("GET", "/v1/groups/{gid}/members", withGroup(f.groupMembers))
	both("GET", "/v1/users/{username}/groups", f.userGroups)
	handle("POST /v1/users/{username}/groupsShield", f.groupsShield)
	for _, prefix := range []string{"", "/v1"} {
		handle("PUT "+prefix+"/groups/messages/{gid}/silence", withGroup(f.silenceMembers))
		handle("PUT "+prefix+"/groups/owner/{gid}", withGroup(f.transferOwner))
	}
}

// groupJSON is a group as the seed prints it, plus its owner, flag and
// avatar.
type groupJSON struct {
	Gid            int64  `json:"gid"`
	Name           string `json:"name"`
	Desc           string `json:"desc"`
	AppKey         string `json:"appkey"`
	MaxMemberCount int    `json:"MaxMemberCount"`
	Mtime          string `json:"mtime"`
	Ctime          string `json:"ctime"`
	OwnerUsername  string `json:"owner_username"`
	Flag           int    `json:"flag"`
	Avatar         string `json:"avatar,omitempty"`
}

func renderGroup(g model.Group) groupJSON {
	return groupJSON{Gid: g.ID, Name: g.Name, Desc: g.Description, AppKey: g.AppKey, MaxMemberCount: g.MaxMembers,
		Mtime: formatTime(g.Modified), Ctime: formatTime(g.Created), OwnerUsername: g.OwnerName, Flag: g.Flag, Avatar: g.Avatar}
}

func renderGroups(gs []model.Group) []groupJSON {
	out := make([]groupJSON, len(gs))
	for i, g := range gs {
		out[i] = renderGroup(g)
	}
	return out
}

// gid reads the {gid} path value.
func gid(r *http.Request) (int64, error) {
	v := r.PathValue("gid")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, invalidParam("gid", v)
	}
	return id, nil
}

// withGroup runs h with the parsed gid, answering a bad one itself.
func withGroup(h func(w http.ResponseWriter, r *http.Request, app model.App, gid int64)) appHandler {
	return func(w http.ResponseWriter, r *http.Request, app model.App) {
		id, err := gid(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		h(w, r, app, id)
	}
}

type createGroupJSON struct {
	OwnerUsername   string   `json:"owner_username"`
	Name            *string  `json:"name"`
	MembersUsername []string `json:"members_username"`
	Avatar          string   `json:"avatar"`
	Desc            string   `json:"desc"`
	Flag            int      `json:"flag"`
}

type createdGroupJSON struct {
	groupJSON
	MembersUsername []string `json:"members_username"`
}

// createGroup: POST /v1/groups/.
func (f *Face) createGroup(w http.ResponseWriter, r *http.Request, app model.App) {
	var body createGroupJSON
	if !decode(w, r, &body) {
		return
	}
	g, members, err := f.svc.CreateGroup(r.Context(), app, core.NewGroup{
		Owner: body.OwnerUsername, Name: body.Name, Members: body.MembersUsername,
		Avatar: body.Avatar, Description: body.Desc, Flag: body.Flag,
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	if members == nil {
		members = []string{}
	}
	writeJSON(w, http.StatusCreated, createdGroupJSON{groupJSON: renderGroup(g), MembersUsername: members})
}

// getGroup: GET /v1/groups/{gid}.
func (f *Face) getGroup(w http.ResponseWriter, r *http.Request, app model.App, gid int64) {
	g, err := f.svc.Group(r.Context(), app, gid)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, renderGroup(g))
}

type groupPatchJSON struct {
	Name   *string `json:"name"`
	Desc   *string `json:"desc"`
	Avatar *string `json:"avatar"`
}

// updateGroup: PUT /v1/groups/{gid}.
func (f *Face) updateGroup(w http.ResponseWriter, r *http.Request, app model.App, gid int64) {
	withBody(w, r, http.StatusNoContent, func(p groupPatchJSON) error {
		return f.svc.UpdateGroup(r.Context(), app, gid, core.GroupPatch{Name: p.Name, Description: p.Desc, Avatar: p.Avatar})
	})
}

// deleteGroup: DELETE /v1/groups/{gid}.
func (f *Face) deleteGroup(w http.ResponseWriter, r *http.Request, app model.App, gid int64) {
	if err := f.svc.DeleteGroup(r.Context(), app, gid); err != nil {
		writeError(w, r, err)
		return
	}
	done(w, http.StatusNoContent)
}

// editGroupMembers: POST /v1/groups/{gid}/members with add and/or remove.
func (f *Face) editGroupMembers(w http.ResponseWriter, r *http.Request, app model.App, gid int64) {
	withBody(w, r, http.StatusNoContent, func(body addRemove[string]) error {
		return f.svc.EditGroupMembers(r.Context(), app, gid, core.MembersChange{Add: body.Add, Remove: body.Remove})
	})
}

// addGroupMembersV2: POST /v2/groups/{gid}/addMembers with a username array.
func (f *Face) addGroupMembersV2(w http.ResponseWriter, r *http.Request, app model.App, gid int64) {
	withBody(w, r, http.StatusNoContent, func(names []string) error {
		if len(names) == 0 {
			return invalidBody("the username array is empty")
		}
		return f.svc.EditGroupMembers(r.Context(), app, gid, core.MembersChange{Add: names})
	})
}

// delGroupMembersV2: POST /v2/groups/{gid}/delMembers with a username array.
func (f *Face) delGroupMembersV2(w http.ResponseWriter, r *http.Request, app model.App, gid int64) {
	withBody(w, r, http.StatusNoContent, func(names []string) error {
		if len(names) == 0 {
			return invalidBody("the username array is empty")
		}
		return f.svc.EditGroupMembers(r.Context(), app, gid, core.MembersChange{Remove: names})
	})
}

// memberJSON is a group member: the user, flag 1 for the owner, and the
// member's app (members may come from other apps).
type memberJSON struct {
	userJSON
	Flag   int    `json:"flag"`
	AppKey string `json:"appkey"`
}

// groupMembers: GET /v1/groups/{gid}/members/.
func (f *Face) groupMembers(w http.ResponseWriter, r *http.Request, app model.App, gid int64) {
	members, err := f.svc.GroupMembers(r.Context(), app, gid)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, renderMembers(members))
}

func renderMembers(members []model.GroupMember) []memberJSON {
	out := make([]memberJSON, len(members))
	for i, m := range members {
		out[i] = memberJSON{userJSON: renderUser(m.User), AppKey: m.User.AppKey}
		if m.Owner {
			out[i].Flag = 1
		}
	}
	return out
}

// userGroups: GET /v1/users/{username}/groups/.
func (f *Face) userGroups(w http.ResponseWriter, r *http.Request, app model.App) {
	gs, err := f.svc.UserGroups(r.Context(), app, r.PathValue("username"), false)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, renderGroups(gs))
}

type groupListJSON struct {
	Total  int         `json:"total"`
	Start  int         `json:"start"`
	Count  int         `json:"count"`
	Groups []groupJSON `json:"groups"`
}

// listGroups: GET /v1/groups/?start=&count=.
func (f *Face) listGroups(w http.ResponseWriter, r *http.Request, app model.App) {
	p, err := page(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	gs, total, err := f.svc.ListGroups(r.Context(), app, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, groupListJSON{Total: total, Start: p.Start, Count: len(gs), Groups: renderGroups(gs)})
}

// groupsShield: POST /v1/users/{username}/groupsShield.
func (f *Face) groupsShield(w http.ResponseWriter, r *http.Request, app model.App) {
	withBody(w, r, http.StatusNoContent, func(body addRemove[int64]) error {
		return f.svc.SetGroupShields(r.Context(), app, r.PathValue("username"), body.Add, body.Remove)
	})
}

// silenceMembers: PUT /groups/messages/{gid}/silence?status=true|false.
func (f *Face) silenceMembers(w http.ResponseWriter, r *http.Request, app model.App, gid int64) {
	on, err := boolParam(r, "status")
	if err != nil {
		writeError(w, r, err)
		return
	}
	withBody(w, r, http.StatusNoContent, func(names []string) error {
		return f.svc.SilenceMembers(r.Context(), app, gid, names, on)
	})
}

type ownerJSON struct {
	Username string `json:"username"`
	AppKey   string `json:"appkey"`
}

// transferOwner: PUT /groups/owner/{gid}.
func (f *Face) transferOwner(w http.ResponseWriter, r *http.Request, app model.App, gid int64) {
	withBody(w, r, http.StatusNoContent, func(body ownerJSON) error {
		return f.svc.TransferOwner(r.Context(), app, gid, body.Username, body.AppKey)
	})
}
