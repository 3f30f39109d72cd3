package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// RetractWindow is how long after sending a sender may retract.
const RetractWindow = 3 * time.Minute

// Notification is a custom notification-bar text.
type Notification struct {
	Title string `json:"title,omitempty"`
	Alert string `json:"alert,omitempty"`
}

// NewMessage is a message as a face received it.
type NewMessage struct {
	Version        int
	TargetType     string
	FromType       string
	MsgType        string
	TargetID       string
	TargetAppKey   string
	FromID         string
	FromName       string
	TargetName     string
	NoOffline      bool
	NoNotification bool
	Notification   *Notification
	Body           json.RawMessage
	// clientMsgID is the gateway send's, set by SendAsUser.
	clientMsgID string
}

func (in NewMessage) check() error {
	switch {
	case in.Version != 1:
		return invalidf("version must be 1")
	case in.TargetType != model.TargetSingle && in.TargetType != model.TargetGroup && in.TargetType != model.TargetChatroom:
		return invalidf("target_type must be single, group or chatroom")
	case in.FromType != "user":
		return invalidf("from_type must be user")
	case in.TargetID == "":
		return invalidf("target_id is required")
	case in.FromID == "":
		return invalidf("from_id is required")
	}
	for _, f := range []struct{ name, v string }{{"from_name", in.FromName}, {"target_name", in.TargetName}} {
		if err := checkLine(f.name, f.v, lineMax); err != nil {
			return err
		}
	}
	if n := in.Notification; n != nil {
		if err := checkText("notification.title", n.Title, textMax); err != nil {
			return err
		}
		return checkText("notification.alert", n.Alert, textMax)
	}
	return nil
}

// SendMessage validates, routes, masks, stores and publishes one message.
// It returns the stored message with its id and time.
func (s *Service) SendMessage(ctx context.Context, app model.App, in NewMessage) (model.Message, error) {
	if err := in.check(); err != nil {
		return model.Message{}, err
	}
	body, decoded, err := checkBody(in.MsgType, in.Body, app.Limits.MsgBodyBytes)
	if err != nil {
		return model.Message{}, err
	}
	m := model.Message{
		AppID: app.ID, TargetType: in.TargetType, MsgType: in.MsgType, FromName: in.FromName, TargetLabel: in.TargetName,
		NoOffline: in.NoOffline, NoNotification: in.NoNotification,
	}
	if in.Notification != nil {
		n, _ := json.Marshal(in.Notification)
		m.Notification = string(n)
	}
	rt, err := s.route(ctx, s.store.Read(), app, in.FromID, &m, in.TargetID, in.TargetAppKey, true)
	if err != nil {
		return model.Message{}, err
	}
	if m.Body, err = s.maskBody(ctx, app, in.MsgType, body, decoded); err != nil {
		return model.Message{}, err
	}
	m.Created = s.clock()
	ev := Event{Kind: EventMessage, AppID: app.ID, AppKey: app.Key, Recipients: rt, Sender: senderCopy(m), Message: &m,
		At: m.Created, ClientMsgID: in.clientMsgID}
	// The message and its recipients' log rows are one transaction, durable
	// when it returns; concurrent sends share one commit.
	if err := s.storeMessage(ctx, &ev); err != nil {
		return model.Message{}, fmt.Errorf("storing message from %s: %w", m.FromUsername, err)
	}
	s.events.Publish(ctx, ev)
	return m, nil
}

// senderCopy is the sender's own copy of a message, so the sender's
// other devices see what the sender sent, in the sender's own log (the
// sending session skips it: it got "sent"). The copy is kept when the
// message is; a message to oneself needs none.
func senderCopy(m model.Message) *Recipient {
	if m.TargetType == model.TargetSingle && m.TargetID == m.FromID && m.TargetAppID == m.AppID {
		return nil
	}
	return &Recipient{UserID: m.FromID, AppID: m.AppID, Self: true,
		Offline: !m.NoOffline && m.TargetType != model.TargetChatroom}
}

// maskBody masks sensitive words in a text message's text, once per
// message, with the app's compiled filter. Other message kinds pass as is.
func (s *Service) maskBody(ctx context.Context, app model.App, msgType, body string, decoded map[string]any) (string, error) {
	if msgType != model.MsgText {
		return body, nil
	}
	text, _ := decoded["text"].(string)
	masked, changed, err := s.MaskText(ctx, app, text)
	if err != nil || !changed {
		return body, err
	}
	decoded["text"] = masked
	out, err := json.Marshal(decoded)
	return string(out), err
}

// route resolves the sender and the target, checks that the sender may
// reach it (when enforce is set) and computes who receives the message.
// It fills the message's sender and target fields.
func (s *Service) route(ctx context.Context, q *store.Q, app model.App, from string, m *model.Message,
	target, targetAppKey string, enforce bool) ([]Recipient, error) {
	if err := checkUsername(from); err != nil {
		return nil, err
	}
	if m.TargetType == model.TargetSingle {
		return s.routeSingle(ctx, q, app, from, m, target, targetAppKey, enforce)
	}
	if targetAppKey != "" && !strings.EqualFold(targetAppKey, app.Key) {
		return nil, invalidf("target_appkey applies to single messages only")
	}
	id, err := parseID(target)
	if err != nil {
		return nil, err
	}
	sender, err := s.userIn(ctx, q, app, from)
	if err != nil {
		return nil, err
	}
	if err := s.checkSender(m, sender, enforce); err != nil {
		return nil, err
	}
	m.TargetID, m.TargetAppID, m.TargetAppKey = id, app.ID, app.Key
	var rt []Recipient
	switch m.TargetType {
	case model.TargetGroup:
		rt, err = s.routeGroup(ctx, q, app, sender, m, enforce)
	case model.TargetChatroom:
		rt, err = s.routeChatroom(ctx, app, sender, m, enforce)
	default:
		err = invalidf("target_type must be single, group or chatroom")
	}
	return rt, err
}

// checkSender records the sender on the message and refuses a forbidden
// one.
func (s *Service) checkSender(m *model.Message, sender model.User, enforce bool) error {
	m.FromID, m.FromUsername = sender.ID, sender.Username
	if enforce && sender.Forbidden {
		return fmt.Errorf("%w: %s is forbidden", ErrNoPermission, sender.Username)
	}
	return nil
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, invalidf("target_id %q is not a group or chatroom id", clip(s))
	}
	return id, nil
}

// routeSingle reads sender, recipient and the recipient's switches in one
// query: one-to-one messages are the hot path.
func (s *Service) routeSingle(ctx context.Context, q *store.Q, app model.App, from string, m *model.Message,
	target, targetAppKey string, enforce bool) ([]Recipient, error) {
	targetApp, err := s.otherApp(ctx, q, app, targetAppKey)
	if err != nil {
		return nil, err
	}
	if err := checkUsername(target); err != nil {
		return nil, err
	}
	sender, to, blocked, silenced, err := q.SinglePair(ctx, app.ID, from, targetApp.ID, target)
	switch {
	case err != nil:
		return nil, fmt.Errorf("reading users %s and %s: %w", from, target, err)
	case sender.ID == 0:
		return nil, fmt.Errorf("%w: %s", ErrUserNotFound, from)
	case to.ID == 0:
		return nil, fmt.Errorf("%w: %s", ErrUserNotFound, target)
	}
	if err := s.checkSender(m, sender, enforce); err != nil {
		return nil, err
	}
	m.TargetID, m.TargetName, m.TargetAppID, m.TargetAppKey = to.ID, to.Username, targetApp.ID, targetApp.Key
	if enforce && blocked {
		return nil, fmt.Errorf("%w: %s blocks %s", ErrBlacklisted, to.Username, sender.Username)
	}
	return []Recipient{{
		UserID: to.ID, AppID: to.AppID,
		Notify:  !m.NoNotification && !to.NoDisturbGlobal && !silenced,
		Offline: !m.NoOffline,
	}}, nil
}

// routeGroup: the sender must be an unmuted member; every other member
// receives it except those who shielded the group.
func (s *Service) routeGroup(ctx context.Context, q *store.Q, app model.App, sender model.User, m *model.Message, enforce bool) ([]Recipient, error) {
	g, err := q.GroupByID(ctx, app.ID, m.TargetID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: group %d", ErrUserNotFound, m.TargetID)
	}
	if err != nil {
		return nil, err
	}
	m.TargetName = g.Name
	members, err := q.GroupFanout(ctx, app.ID, g.ID)
	if err != nil {
		return nil, fmt.Errorf("reading members of group %d: %w", g.ID, err)
	}
	rs := make([]Recipient, 0, len(members))
	member := false
	for _, f := range members {
		if f.UserID == sender.ID {
			member = true
			if enforce && f.Silenced {
				return nil, fmt.Errorf("%w: %s is muted in group %d", ErrNoPermission, sender.Username, g.ID)
			}
			continue
		}
		if f.Shielded {
			continue
		}
		rs = append(rs, Recipient{
			UserID: f.UserID, AppID: f.AppID,
			Notify:  !m.NoNotification && !f.NoDisturbGroup && !f.NoDisturbGlobal,
			Offline: !m.NoOffline,
		})
	}
	if enforce && !member {
		return nil, fmt.Errorf("%w: %s is not a member of group %d", ErrNoPermission, sender.Username, g.ID)
	}
	return rs, nil
}

// routeChatroom: the sender must be an unmuted member; every other member
// receives it while connected. Chatroom messages are never kept for
// offline users.
func (s *Service) routeChatroom(ctx context.Context, app model.App, sender model.User, m *model.Message, enforce bool) ([]Recipient, error) {
	member, muted, err := s.ChatroomMembership(ctx, app, m.TargetID, sender.ID)
	if errors.Is(err, ErrChatroomNotFound) {
		return nil, fmt.Errorf("%w: chatroom %d", ErrUserNotFound, m.TargetID)
	}
	if err != nil {
		return nil, err
	}
	if enforce && (!member || muted) {
		return nil, fmt.Errorf("%w: %s is not an unmuted member of chatroom %d", ErrNoPermission, sender.Username, m.TargetID)
	}
	ids, err := s.ChatroomRecipients(ctx, app, m.TargetID)
	if err != nil {
		return nil, err
	}
	rs := make([]Recipient, 0, len(ids))
	for _, id := range ids {
		if id != sender.ID {
			rs = append(rs, Recipient{UserID: id, AppID: app.ID, Notify: !m.NoNotification})
		}
	}
	return rs, nil
}

// Retract withdraws a message: only its sender may, within RetractWindow.
// Everyone who received it is told.
func (s *Service) Retract(ctx context.Context, app model.App, username string, msgID int64) error {
	q := s.store.Read()
	sender, err := s.userIn(ctx, q, app, username)
	if err != nil {
		return err
	}
	m, err := q.MessageByID(ctx, app.ID, msgID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && m.FromID != sender.ID) {
		return fmt.Errorf("%w: %d from %s", ErrMessageNotFound, msgID, username)
	}
	if err != nil {
		return fmt.Errorf("reading message %d: %w", msgID, err)
	}
	if m.Retracted {
		return fmt.Errorf("%w: %d", ErrAlreadyRetracted, msgID)
	}
	if s.clock().Sub(m.Created) > RetractWindow {
		return fmt.Errorf("%w: %d was sent at %s", ErrRetractTooLate, msgID, m.Created.UTC().Format(time.DateTime))
	}
	target := m.TargetName
	if m.TargetType != model.TargetSingle {
		target = fmt.Sprint(m.TargetID)
	}
	rt, err := s.route(ctx, q, app, sender.Username, &m, target, m.TargetAppKey, false)
	if err != nil && !errors.Is(err, ErrUserNotFound) {
		return err
	}
	var marked bool
	err = s.store.Write(ctx, func(q *store.Q) error {
		marked, err = q.MarkRetracted(ctx, app.ID, msgID)
		return err
	})
	if err != nil {
		return fmt.Errorf("retracting message %d: %w", msgID, err)
	}
	if !marked {
		return fmt.Errorf("%w: %d", ErrAlreadyRetracted, msgID)
	}
	m.Retracted = true
	s.events.Publish(ctx, Event{Kind: EventRetract, AppID: app.ID, AppKey: app.Key, Recipients: rt, Sender: senderCopy(m),
		Message: &m, At: s.clock()})
	return nil
}
