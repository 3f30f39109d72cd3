package core

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

var (
	// ErrSendInProgress: a send with the same client_msg_id is still being
	// stored by another connection of the user; retry it.
	ErrSendInProgress = errors.New("a send with this client_msg_id is in progress")
)

const (
	clientMsgIDMax = 128
	// staleClaim is how long an unfinished client_msg_id claim (its
	// replica died mid-send) blocks a retry.
	staleClaim = time.Minute
	// claimWait is how long a retry waits for a concurrent first send.
	claimWait = 5 * time.Second
)

// SendAsUser sends a message from a signed-in user (the gateway's send).
// It is SendMessage with the sender fixed to the user, so every rule and
// the fan-out are the admin API's, plus idempotency: a retry with the same
// clientMsgID never stores a second message and returns the first one's
// id, with dup set.
func (s *Service) SendAsUser(ctx context.Context, app model.App, userID int64, username, clientMsgID string,
	in NewMessage) (msgID int64, dup bool, err error) {
	if clientMsgID == "" || len(clientMsgID) > clientMsgIDMax {
		return 0, false, invalidf("client_msg_id must be 1 to %d bytes", clientMsgIDMax)
	}
	in.Version, in.FromType, in.FromID = 1, "user", username
	deadline := time.Now().Add(claimWait)
	for {
		var owned bool
		err = s.store.Write(ctx, func(q *store.Q) error {
			owned, msgID, err = q.ReserveClientMsgID(ctx, app.ID, userID, clientMsgID, s.clock(), staleClaim)
			return err
		})
		if err != nil {
			return 0, false, fmt.Errorf("claiming client_msg_id: %w", err)
		}
		if owned {
			break
		}
		if msgID != 0 {
			return msgID, true, nil
		}
		if time.Now().After(deadline) {
			return 0, false, fmt.Errorf("%w: %s", ErrSendInProgress, clip(clientMsgID))
		}
		select {
		case <-ctx.Done():
			return 0, false, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	// The claim is ours: the message is stored at most once.
	bg := context.WithoutCancel(ctx)
	m, err := s.SendMessage(ctx, app, in)
	if err != nil {
		_ = s.store.Write(bg, func(q *store.Q) error {
			return q.ReleaseClientMsgID(bg, app.ID, userID, clientMsgID)
		})
		return 0, false, err
	}
	err = s.store.Write(bg, func(q *store.Q) error {
		return q.CompleteClientMsgID(bg, app.ID, userID, clientMsgID, m.ID)
	})
	if err != nil {
		return m.ID, false, fmt.Errorf("recording client_msg_id %s: %w", clip(clientMsgID), err)
	}
	return m.ID, false, nil
}

// MarkRead moves the user's read mark in a conversation ("single:<user>",
// "group:<id>", "chatroom:<id>") forward to msgID.
func (s *Service) MarkRead(ctx context.Context, app model.App, userID int64, conversation string, msgID int64) error {
	if conversation == "" || len(conversation) > 200 {
		return invalidf("conversation must be 1 to 200 bytes")
	}
	if msgID <= 0 {
		return invalidf("msg_id must be positive")
	}
	return s.store.Write(ctx, func(q *store.Q) error {
		return q.MarkRead(ctx, app.ID, userID, conversation, msgID, s.clock())
	})
}

// ReadMark is the last msg_id the user read in a conversation, 0 if none.
func (s *Service) ReadMark(ctx context.Context, app model.App, userID int64, conversation string) (int64, error) {
	return s.store.Read().ReadMark(ctx, app.ID, userID, conversation)
}
