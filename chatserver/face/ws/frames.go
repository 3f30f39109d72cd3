package ws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/chat-operator/chat-operator/chatserver/core"
	"github.com/chat-operator/chat-operator/chatserver/text"
)

// errInvalidUTF8 ends a connection that sent a text frame that is not
// UTF-8 (close 1007).
var errInvalidUTF8 = errors.New("text frame is not valid UTF-8")

// Frame types, both directions.
const (
	frameSend    = "send"
	frameAck     = "ack"
	frameRead    = "read"
	framePing    = "ping"
	frameMessage = "message"
	frameEvent   = "event"
	frameSent    = "sent"
	frameError   = "error"
	framePong    = "pong"
	frameGap     = "gap"
)

// clientFrame is every client frame; type says which fields matter.
type clientFrame struct {
	Type           string             `json:"type"`
	ClientMsgID    string             `json:"client_msg_id"`
	TargetType     string             `json:"target_type"`
	TargetID       json.RawMessage    `json:"target_id"`
	TargetAppKey   string             `json:"target_appkey"`
	TargetName     string             `json:"target_name"`
	FromName       string             `json:"from_name"`
	MsgType        string             `json:"msg_type"`
	MsgBody        json.RawMessage    `json:"msg_body"`
	NoOffline      bool               `json:"no_offline"`
	NoNotification bool               `json:"no_notification"`
	Notification   *core.Notification `json:"notification"`
	Seq            int64              `json:"seq"`
	Conversation   string             `json:"conversation"`
	MsgID          int64              `json:"msg_id"`
}

// targetID accepts a string or a number, as /v1/messages does.
func (f clientFrame) targetID() string {
	var s string
	if json.Unmarshal(f.TargetID, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(f.TargetID, &n) == nil {
		return n.String()
	}
	return ""
}

// decodeFrame reads one client frame.
func decodeFrame(data []byte) (clientFrame, error) {
	var f clientFrame
	err := json.Unmarshal(data, &f)
	return f, err
}

type sentFrame struct {
	Type        string `json:"type"`
	ClientMsgID string `json:"client_msg_id"`
	MsgID       int64  `json:"msg_id"`
	// Duplicate: the client_msg_id was sent before; msg_id is the first
	// send's.
	Duplicate bool `json:"duplicate,omitempty"`
}

// logoutFrame tells a connection why its session ended, just before the
// close.
type logoutFrame struct {
	Type   string `json:"type"`
	Event  string `json:"event"`
	Reason string `json:"reason"`
}

const eventForcedLogout = "forced_logout"

type errorFrame struct {
	Type        string `json:"type"`
	Code        string `json:"code"`
	Message     string `json:"message"`
	ClientMsgID string `json:"client_msg_id,omitempty"`
}

// eventNames are the event frame's "event" values.
var eventNames = map[core.EventKind]string{
	core.EventRetract: "retract",
}

// deliveryFrame splices the frame header into the stored payload, which is
// a JSON object: {"type":"message","seq":N,<payload fields>}.
func deliveryFrame(d core.Delivery) []byte {
	var b bytes.Buffer
	b.Grow(len(d.Payload) + 64)
	switch d.Kind {
	case core.EventMessage:
		b.WriteString(`{"type":"` + frameMessage + `"`)
	case core.EventGap:
		b.WriteString(`{"type":"` + frameGap + `"`)
	default:
		name := eventNames[d.Kind]
		if name == "" {
			name = string(d.Kind)
		}
		b.WriteString(`{"type":"` + frameEvent + `","event":"` + name + `"`)
	}
	if d.Seq > 0 {
		b.WriteString(`,"seq":` + strconv.FormatInt(d.Seq, 10))
	}
	body := bytes.TrimSpace(d.Payload)
	if len(body) > 2 {
		b.WriteByte(',')
		b.Write(body[1:])
	} else {
		b.WriteByte('}')
	}
	return b.Bytes()
}

// readFrames reads and answers the client's frames, one at a time, so a
// user's sends from one connection are stored in the order sent, until
// the connection ends.
func (c *connection) readFrames() {
	// Frames are handled to the end even if the connection closes
	// meanwhile: a send in flight is stored (or not) as a whole.
	ctx := context.Background()
	for {
		// A read without a deadline: closing the connection ends it, and a
		// context that can be cancelled would cost every idle connection a
		// watcher.
		typ, data, err := c.conn.Read(context.Background())
		if err != nil {
			c.end(fmt.Errorf("%w: %w", errPeerGone, err))
			return
		}
		// Text from outside keeps text.ValidJSON's rule before anything
		// reads it, so no layer stores NUL or invalid UTF-8 (PostgreSQL
		// refuses it, SQLite would keep it for every reader). A text frame
		// that is not UTF-8 breaks the protocol itself (RFC 6455 §8.1).
		if typ == websocket.MessageText && !utf8.Valid(data) {
			c.end(errInvalidUTF8)
			return
		}
		if !text.ValidJSON(data) {
			err = c.writeJSON(ctx, errorFrame{Type: frameError, Code: codeBadFrame,
				Message: "frame holds a NUL character or invalid UTF-8"})
		} else if f, jerr := decodeFrame(data); jerr != nil {
			err = c.writeJSON(ctx, errorFrame{Type: frameError, Code: codeBadFrame, Message: "frame is not a JSON object"})
		} else {
			err = c.handle(ctx, f)
		}
		if err != nil {
			c.end(err)
			return
		}
	}
}

// handle answers one frame; only a failure to write ends the connection.
func (c *connection) handle(ctx context.Context, f clientFrame) error {
	id := c.id
	switch f.Type {
	case framePing:
		return c.writeJSON(ctx, map[string]string{"type": framePong})
	case frameSend:
		c.expectOwn(f.ClientMsgID)
		msgID, dup, err := c.face.svc.SendAsUser(ctx, id.App, id.UserID, id.Username, f.ClientMsgID, core.NewMessage{
			TargetType: f.TargetType, TargetID: f.targetID(), TargetAppKey: f.TargetAppKey, TargetName: f.TargetName,
			FromName: f.FromName, MsgType: f.MsgType, Body: f.MsgBody, NoOffline: f.NoOffline,
			NoNotification: f.NoNotification, Notification: f.Notification,
		})
		if err != nil || dup {
			c.forgetOwn(f.ClientMsgID)
		}
		if err != nil {
			return c.writeError(ctx, err, f.ClientMsgID)
		}
		return c.writeJSON(ctx, sentFrame{Type: frameSent, ClientMsgID: f.ClientMsgID, MsgID: msgID, Duplicate: dup})
	case frameAck:
		if err := c.face.svc.AckUserEvents(ctx, id.App.ID, id.UserID, id.Device, f.Seq); err != nil {
			return c.writeError(ctx, err, "")
		}
		return nil
	case frameRead:
		if err := c.face.svc.MarkRead(ctx, id.App, id.UserID, f.Conversation, f.MsgID); err != nil {
			return c.writeError(ctx, err, "")
		}
		return nil
	default:
		return c.writeJSON(ctx, errorFrame{Type: frameError, Code: codeBadFrame, Message: "unknown frame type " + strconv.Quote(f.Type)})
	}
}

func (c *connection) writeError(ctx context.Context, err error, clientMsgID string) error {
	code, status, msg := describe(err)
	if status >= http.StatusInternalServerError {
		errorTable.LogServerError(ctx, "FRAME", "/apps/"+c.id.App.Key+"/ws", err)
	}
	return c.writeJSON(ctx, errorFrame{Type: frameError, Code: code, Message: msg, ClientMsgID: clientMsgID})
}
