package jmessage

import (
	"net/http"
	"strconv"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

// registerChatrooms adds the chatroom routes (聊天室维护).
func (f *Face) registerChatrooms(handle func(string, appHandler)) {
	both := slashBoth(handle)
	both("POST", "/v1/chatroom", f.createChatroom)
	both("GET", "/v1/chatroom", f.listChatrooms)
	handle("POST /v1/chatroom/batch", f.chatroomDetails)
	both("GET", "/v1/users/{username}/chatroom", f.userChatrooms)
	handle("PUT /v1/chatroom/{room_id}", withChatroom(f.updateChatroom))
	handle("DELETE /v1/chatroom/{room_id}", withChatroom(f.deleteChatroom))
	handle("PUT /v1/chatroom/{room_id}/forbidden/{username}", withChatroom(f.setChatroomMuted))
	both("GET", "/v1/chatroom/{room_id}/members", withChatroom(f.chatroomMembers))
	handle("PUT /v1/chatroom/{room_id}/members", withChatroom(f.addChatroomMembers))
	handle("DELETE /v1/chatroom/{room_id}/members", withChatroom(f.removeChatroomMembers))
}

// chatroomJSON is a room as the seed prints it.
type chatroomJSON struct {
	ID               int64  `json:"id"`
	OwnerUsername    string `json:"owner_username"`
	MaxMemberCount   int    `json:"max_member_count"`
	AppKey           string `json:"appkey"`
	Name             string `json:"name"`
	Description      string `json:"description"`
	TotalMemberCount int    `json:"total_member_count"`
	Ctime            string `json:"ctime"`
}

func renderChatrooms(rs []model.Chatroom) []chatroomJSON {
	out := make([]chatroomJSON, len(rs))
	for i, r := range rs {
		out[i] = chatroomJSON{ID: r.ID, OwnerUsername: r.OwnerName, MaxMemberCount: r.MaxMembers, AppKey: r.AppKey,
			Name: r.Name, Description: r.Description, TotalMemberCount: r.MemberCount, Ctime: formatTime(r.Created)}
	}
	return out
}

// withChatroom runs h with the parsed {room_id}, answering a bad one
// itself.
func withChatroom(h func(w http.ResponseWriter, r *http.Request, app model.App, roomID int64)) appHandler {
	return func(w http.ResponseWriter, r *http.Request, app model.App) {
		v := r.PathValue("room_id")
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			writeError(w, r, invalidParam("room_id", v))
			return
		}
		h(w, r, app, id)
	}
}

type createChatroomJSON struct {
	OwnerUsername   string   `json:"owner_username"`
	Name            *string  `json:"name"`
	Description     string   `json:"description"`
	MembersUsername []string `json:"members_username"`
}

type createdChatroomJSON struct {
	ChatroomID int64 `json:"chatroom_id"`
}

// createChatroom: POST /v1/chatroom/.
func (f *Face) createChatroom(w http.ResponseWriter, r *http.Request, app model.App) {
	var body createChatroomJSON
	if !decode(w, r, &body) {
		return
	}
	id, err := f.svc.CreateChatroom(r.Context(), app, core.NewChatroom{
		Owner: body.OwnerUsername, Name: body.Name, Description: body.Description, Members: body.MembersUsername,
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, createdChatroomJSON{ChatroomID: id})
}

// chatroomDetails: POST /v1/chatroom/batch with a room id array.
func (f *Face) chatroomDetails(w http.ResponseWriter, r *http.Request, app model.App) {
	var roomIDs []int64
	if !decode(w, r, &roomIDs) {
		return
	}
	rs, err := f.svc.Chatrooms(r.Context(), app, roomIDs)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, renderChatrooms(rs))
}

// userChatrooms: GET /v1/users/{username}/chatroom.
func (f *Face) userChatrooms(w http.ResponseWriter, r *http.Request, app model.App) {
	rs, err := f.svc.UserChatrooms(r.Context(), app, r.PathValue("username"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, renderChatrooms(rs))
}

type chatroomListJSON struct {
	Total int            `json:"total"`
	Rooms []chatroomJSON `json:"rooms"`
	Start int            `json:"start"`
	Count int            `json:"count"`
}

// listChatrooms: GET /v1/chatroom?start=&count=.
func (f *Face) listChatrooms(w http.ResponseWriter, r *http.Request, app model.App) {
	p, err := page(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	rs, total, err := f.svc.ListChatrooms(r.Context(), app, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, chatroomListJSON{Total: total, Rooms: renderChatrooms(rs), Start: p.Start, Count: len(rs)})
}

type chatroomPatchJSON struct {
	OwnerUsername *string `json:"owner_username"`
	Name          *string `json:"name"`
	Description   *string `json:"description"`
}

// updateChatroom: PUT /v1/chatroom/{room_id}.
func (f *Face) updateChatroom(w http.ResponseWriter, r *http.Request, app model.App, roomID int64) {
	withBody(w, r, http.StatusNoContent, func(p chatroomPatchJSON) error {
		return f.svc.UpdateChatroom(r.Context(), app, roomID,
			core.ChatroomPatch{Owner: p.OwnerUsername, Name: p.Name, Description: p.Description})
	})
}

// deleteChatroom: DELETE /v1/chatroom/{room_id}.
func (f *Face) deleteChatroom(w http.ResponseWriter, r *http.Request, app model.App, roomID int64) {
	if err := f.svc.DeleteChatroom(r.Context(), app, roomID); err != nil {
		writeError(w, r, err)
		return
	}
	done(w, http.StatusNoContent)
}

// setChatroomMuted: PUT /v1/chatroom/{room_id}/forbidden/{username}?status=0|1.
func (f *Face) setChatroomMuted(w http.ResponseWriter, r *http.Request, app model.App, roomID int64) {
	muted, err := flag01(r, "status")
	if err == nil {
		err = f.svc.SetChatroomMuted(r.Context(), app, roomID, r.PathValue("username"), muted)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	done(w, http.StatusNoContent)
}

type chatroomMemberJSON struct {
	Username  string `json:"username"`
	Flag      int    `json:"flag"`
	RoomCtime string `json:"room_ctime"`
	Mtime     string `json:"mtime"`
	Ctime     string `json:"ctime"`
}

type chatroomMemberListJSON struct {
	Total int                  `json:"total"`
	Users []chatroomMemberJSON `json:"users"`
	Count int                  `json:"count"`
	Start int                  `json:"start"`
}

// chatroomMembers: GET /v1/chatroom/{room_id}/members?start=&count=. flag
// 1 marks a muted member; room_ctime is when they joined.
func (f *Face) chatroomMembers(w http.ResponseWriter, r *http.Request, app model.App, roomID int64) {
	p, err := page(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	ms, total, err := f.svc.ChatroomMembers(r.Context(), app, roomID, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := chatroomMemberListJSON{Total: total, Users: make([]chatroomMemberJSON, len(ms)), Count: len(ms), Start: p.Start}
	for i, m := range ms {
		out.Users[i] = chatroomMemberJSON{Username: m.User.Username, RoomCtime: formatTime(m.Joined),
			Mtime: formatTime(m.User.Modified), Ctime: formatTime(m.User.Created)}
		if m.Muted {
			out.Users[i].Flag = 1
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// addChatroomMembers: PUT /v1/chatroom/{room_id}/members with a username
// array.
func (f *Face) addChatroomMembers(w http.ResponseWriter, r *http.Request, app model.App, roomID int64) {
	withBody(w, r, http.StatusNoContent, func(names []string) error {
		return f.svc.EditChatroomMembers(r.Context(), app, roomID, core.MembersChange{Add: names})
	})
}

// removeChatroomMembers: DELETE /v1/chatroom/{room_id}/members with a
// username array.
func (f *Face) removeChatroomMembers(w http.ResponseWriter, r *http.Request, app model.App, roomID int64) {
	withBody(w, r, http.StatusNoContent, func(names []string) error {
		return f.svc.EditChatroomMembers(r.Context(), app, roomID, core.MembersChange{Remove: names})
	})
}
