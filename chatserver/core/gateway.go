package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

var (
	// ErrSendInProgress: a send with the same client_msg_id is still being
	// stored by another connection of the user; retry it.
	ErrSendInProgress = newError(KindConflict, "a send with this client_msg_id is in progress")
)

const (
	clientMsgIDMax = 128
	// staleClaim is how long an unfinished client_msg_id claim (its
	// replica died mid-send) blocks a retry.
	staleClaim = time.Minute
	// claimWait is how long a retry waits for a concurrent first send, or
	// for the release of a failed one that is retried in the background.
	claimWait = 5 * time.Second
	// claimReleaseRetry is the first pause before a failed release of a
	// claim is tried again; the pauses double up to 1 s, well inside
	// claimWait, so a retry waiting on the claim sees it released.
	claimReleaseRetry = 100 * time.Millisecond
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
	// The caller's app was read when the connection opened; the tenant may
	// have been disabled or purged since, and its limits changed.
	if app, err = s.currentApp(ctx, app); err != nil {
		return 0, false, err
	}
	in.Version, in.FromType, in.FromID, in.clientMsgID = 1, "user", username, clientMsgID
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
	// The claim is ours: the message is stored at most once, and the claim
	// is completed in the message's own transaction.
	m, err := s.SendMessage(ctx, app, in)
	if err != nil {
		s.releaseClaim(context.WithoutCancel(ctx), app, userID, clientMsgID)
		return 0, false, err
	}
	return m.ID, false, nil
}

// releaseClaim drops the claim of a send that failed, so the client's
// retry may send again. A send fails most often because the database is
// away, and then so is the first release: it is tried again in the
// background until it lands or the claim would be stale anyway, since a
// claim left behind refuses every retry as in progress for staleClaim.
func (s *Service) releaseClaim(ctx context.Context, app model.App, userID int64, clientMsgID string) {
	release := func(ctx context.Context) error {
		return s.store.Write(ctx, func(q *store.Q) error {
			return q.ReleaseClientMsgID(ctx, app.ID, userID, clientMsgID)
		})
	}
	err := release(ctx)
	if err == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(ctx, staleClaim)
		defer cancel()
		for wait := claimReleaseRetry; ; wait = min(2*wait, time.Second) {
			select {
			case <-ctx.Done():
				slog.Warn("Releasing a failed send's client_msg_id; it blocks retries until it is stale", "app", app.Key, "user", userID, "err", err)
				return
			case <-time.After(wait):
			}
			if err = release(ctx); err == nil {
				return
			}
		}
	}()
}

// currentApp is app as it stands now, through the app cache: a replica
// that changed it sees the change at once, any other within the cache's
// TTL. A disabled app is ErrAppDisabled; a purged one, or one purged and
// created again under the same key (a new id), is ErrAppNotFound.
func (s *Service) currentApp(ctx context.Context, app model.App) (model.App, error) {
	cur, err := s.appByKey(ctx, app.Key)
	if errors.Is(err, store.ErrNotFound) || err == nil && cur.ID != app.ID {
		return model.App{}, fmt.Errorf("%w: %s", ErrAppNotFound, app.Key)
	}
	if err != nil {
		return model.App{}, fmt.Errorf("reading app %s: %w", app.Key, err)
	}
	if cur.Disabled {
		return model.App{}, fmt.Errorf("%w: %s", ErrAppDisabled, app.Key)
	}
	return cur, nil
}

// Conversation names one of a user's conversations for read marks and
// unread counts: "single:<username>" (the peer) or "group:<id>".
type Conversation struct {
	Kind string // model.TargetSingle or model.TargetGroup
	Peer string // the peer's username, for single
	ID   int64  // the group id, for group
}

// String is the conversation's stored key.
func (c Conversation) String() string {
	if c.Kind == model.TargetSingle {
		return c.Kind + ":" + c.Peer
	}
	return c.Kind + ":" + strconv.FormatInt(c.ID, 10)
}

// ParseConversation reads "single:<username>" or "group:<id>".
func ParseConversation(s string) (Conversation, error) {
	kind, rest, _ := strings.Cut(s, ":")
	switch kind {
	case model.TargetSingle:
		if err := checkUsername(rest); err != nil {
			return Conversation{}, err
		}
		return Conversation{Kind: kind, Peer: rest}, nil
	case model.TargetGroup:
		id, err := strconv.ParseInt(rest, 10, 64)
		if err != nil || id <= 0 {
			return Conversation{}, invalidf("conversation %q: want group:<id>", clip(s))
		}
		return Conversation{Kind: kind, ID: id}, nil
	}
	return Conversation{}, invalidf("conversation %q: want single:<username> or group:<id>", clip(s))
}

// MarkRead moves the user's read mark in a conversation forward to msgID.
func (s *Service) MarkRead(ctx context.Context, app model.App, userID int64, conversation string, msgID int64) error {
	c, err := ParseConversation(conversation)
	if err != nil {
		return err
	}
	if msgID <= 0 {
		return invalidf("msg_id must be positive")
	}
	return s.store.Write(ctx, func(q *store.Q) error {
		return q.MarkRead(ctx, app.ID, userID, c.String(), msgID, s.clock())
	})
}

// ReadMark is the last msg_id the user read in a conversation, 0 if none.
func (s *Service) ReadMark(ctx context.Context, app model.App, userID int64, conversation string) (int64, error) {
	c, err := ParseConversation(conversation)
	if err != nil {
		return 0, err
	}
	return s.store.Read().ReadMark(ctx, app.ID, userID, c.String())
}

// UnreadCount is how many stored messages of a conversation the user has
// not read: those after the read mark, not sent by the user, not
// retracted (no_offline ones are not counted). It serves the dialects'
// unread badges. Cross-app one-to-one conversations are not counted yet.
func (s *Service) UnreadCount(ctx context.Context, app model.App, userID int64, conversation string) (int64, error) {
	c, err := ParseConversation(conversation)
	if err != nil {
		return 0, err
	}
	q := s.store.Read()
	mark, err := q.ReadMark(ctx, app.ID, userID, c.String())
	if err != nil {
		return 0, fmt.Errorf("reading read mark: %w", err)
	}
	if c.Kind == model.TargetGroup {
		return q.UnreadGroup(ctx, app.ID, c.ID, userID, mark)
	}
	peer, err := s.userIn(ctx, q, app, c.Peer)
	if err != nil {
		return 0, err
	}
	return q.UnreadSingle(ctx, app.ID, userID, peer.ID, mark)
}
