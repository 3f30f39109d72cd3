package jmessage

import (
	"encoding/json"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// timeLayout is how JMessage prints times. We print UTC.
const timeLayout = time.DateTime

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// userJSON is a user as the seed prints it: username, mtime and ctime are
// always there; every other key only when the field was set.
type userJSON struct {
	Username  string          `json:"username"`
	Nickname  *string         `json:"nickname,omitempty"`
	Avatar    *string         `json:"avatar,omitempty"`
	Birthday  *string         `json:"birthday,omitempty"`
	Gender    *int            `json:"gender,omitempty"`
	Signature *string         `json:"signature,omitempty"`
	Region    *string         `json:"region,omitempty"`
	Address   *string         `json:"address,omitempty"`
	Mtime     string          `json:"mtime"`
	Ctime     string          `json:"ctime"`
	Extras    json.RawMessage `json:"extras,omitempty"`
}

func renderUser(u model.User) userJSON {
	p := u.Profile
	out := userJSON{
		Username: u.Username, Nickname: p.Nickname, Avatar: p.Avatar, Birthday: p.Birthday, Gender: p.Gender,
		Signature: p.Signature, Region: p.Region, Address: p.Address,
		Mtime: formatTime(u.Modified), Ctime: formatTime(u.Created),
	}
	if p.Extras != nil {
		out.Extras = json.RawMessage(*p.Extras)
	}
	return out
}

func renderUsers(users []model.User) []userJSON {
	out := make([]userJSON, len(users))
	for i, u := range users {
		out[i] = renderUser(u)
	}
	return out
}

// relatedUserJSON is a user in another user's list, with the app they
// belong to (lists may cross apps).
type relatedUserJSON struct {
	userJSON
	AppKey string `json:"appkey"`
}

func renderRelated(users []model.User) []relatedUserJSON {
	out := make([]relatedUserJSON, len(users))
	for i, u := range users {
		out[i] = relatedUserJSON{userJSON: renderUser(u), AppKey: u.AppKey}
	}
	return out
}

type friendJSON struct {
	userJSON
	NoteName string `json:"note_name"`
	Others   string `json:"others"`
	AppKey   string `json:"appkey"`
}

func renderFriends(friends []model.Friend) []friendJSON {
	out := make([]friendJSON, len(friends))
	for i, f := range friends {
		out[i] = friendJSON{userJSON: renderUser(f.User), NoteName: f.NoteName, Others: f.Others, AppKey: f.User.AppKey}
	}
	return out
}
