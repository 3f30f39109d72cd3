package jmessage

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/model"
)

func (f *Face) registerMessages(handle func(string, appHandler)) {
	handle("POST /v1/messages", f.sendMessage)
	handle("POST /v1/messages/{username}/{msgid}/retract", f.retract)
}

type messageJSON struct {
	Version        int                `json:"version"`
	TargetType     string             `json:"target_type"`
	FromType       string             `json:"from_type"`
	MsgType        string             `json:"msg_type"`
	TargetID       string             `json:"target_id"`
	TargetAppKey   string             `json:"target_appkey"`
	FromID         string             `json:"from_id"`
	FromName       string             `json:"from_name"`
	TargetName     string             `json:"target_name"`
	NoOffline      bool               `json:"no_offline"`
	NoNotification bool               `json:"no_notification"`
	Notification   *core.Notification `json:"notification"`
	MsgBody        json.RawMessage    `json:"msg_body"`
}

// UnmarshalJSON accepts target_id as a string or a number: group and
// chatroom ids are numbers, and clients send them either way.
func (m *messageJSON) UnmarshalJSON(b []byte) error {
	type plain messageJSON
	var aux struct {
		plain
		TargetID json.RawMessage `json:"target_id"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*m = messageJSON(aux.plain)
	if len(aux.TargetID) == 0 {
		return nil
	}
	if err := json.Unmarshal(aux.TargetID, &m.TargetID); err == nil {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(aux.TargetID, &n); err != nil {
		return err
	}
	m.TargetID = n.String()
	return nil
}

type sentJSON struct {
	MsgID    int64 `json:"msg_id"`
	MsgCtime int64 `json:"msg_ctime"`
}

// sendMessage: POST /v1/messages.
func (f *Face) sendMessage(w http.ResponseWriter, r *http.Request, app model.App) {
	var in messageJSON
	if !decode(w, r, &in) {
		return
	}
	m, err := f.svc.SendMessage(r.Context(), app, core.NewMessage{
		Version: in.Version, TargetType: in.TargetType, FromType: in.FromType, MsgType: in.MsgType,
		TargetID: in.TargetID, TargetAppKey: in.TargetAppKey, FromID: in.FromID, FromName: in.FromName,
		TargetName: in.TargetName, NoOffline: in.NoOffline, NoNotification: in.NoNotification,
		Notification: in.Notification, Body: in.MsgBody,
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sentJSON{MsgID: m.ID, MsgCtime: m.Created.UnixMilli()})
}

// retract: POST /v1/messages/{username}/{msgid}/retract.
func (f *Face) retract(w http.ResponseWriter, r *http.Request, app model.App) {
	v := r.PathValue("msgid")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		writeError(w, r, invalidParam("msgid", v))
		return
	}
	if err := f.svc.Retract(r.Context(), app, r.PathValue("username"), id); err != nil {
		writeError(w, r, err)
		return
	}
	done(w, http.StatusNoContent)
}
