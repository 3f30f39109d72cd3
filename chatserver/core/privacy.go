package core

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// Privacy is a phone user's privacy settings, each 0 or 1 (SealTalk's
// set_privacy). Every setting is 1 until the user changes it.
type Privacy struct {
	PhoneVerify    int `json:"phoneVerify"`    // 1: others may find me by phone, and see it (WithPhones)
	STSearchVerify int `json:"stSearchVerify"` // 1: others may find me by SealTalk account
	FriVerify      int `json:"friVerify"`      // 1: friend requests need my approval
	GroupVerify    int `json:"groupVerify"`    // 1: others may add me to groups directly
}

// PrivacyPatch changes the settings that are set.
type PrivacyPatch struct {
	PhoneVerify, STSearchVerify, FriVerify, GroupVerify *int
}

func readPrivacy(ctx context.Context, q *store.Q, appID, userID int64) (Privacy, error) {
	raw, err := q.Privacy(ctx, appID, userID)
	if err != nil {
		return Privacy{1, 1, 1, 1}, err
	}
	return decodePrivacy(raw)
}

// decodePrivacy reads the settings as stored ("" when never set: all 1).
func decodePrivacy(raw string) (Privacy, error) {
	p := Privacy{1, 1, 1, 1}
	if raw == "" {
		return p, nil
	}
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return p, fmt.Errorf("decoding privacy settings: %w", err)
	}
	return p, nil
}

// UserPrivacy returns a phone user's privacy settings.
func (s *Service) UserPrivacy(ctx context.Context, app model.App, username string) (Privacy, error) {
	var p Privacy
	err := s.phoneUserWrite(ctx, app, username, func(q *store.Q, id int64) error {
		var err error
		p, err = readPrivacy(ctx, q, app.ID, id)
		return err
	})
	return p, err
}

// SetUserPrivacy applies a patch to a phone user's privacy settings.
func (s *Service) SetUserPrivacy(ctx context.Context, app model.App, username string, patch PrivacyPatch) error {
	for _, v := range []*int{patch.PhoneVerify, patch.STSearchVerify, patch.FriVerify, patch.GroupVerify} {
		if v != nil && *v != 0 && *v != 1 {
			return invalidf("privacy settings are 0 or 1")
		}
	}
	return s.phoneUserWrite(ctx, app, username, func(q *store.Q, id int64) error {
		p, err := readPrivacy(ctx, q, app.ID, id)
		if err != nil {
			return err
		}
		for _, c := range []struct{ dst, src *int }{{&p.PhoneVerify, patch.PhoneVerify},
			{&p.STSearchVerify, patch.STSearchVerify}, {&p.FriVerify, patch.FriVerify}, {&p.GroupVerify, patch.GroupVerify}} {
			if c.src != nil {
				*c.dst = *c.src
			}
		}
		raw, err := json.Marshal(p)
		if err != nil {
			return err
		}
		return q.SetPrivacy(ctx, app.ID, id, string(raw))
	})
}

// FindByPhone finds a phone user for another user, honouring the found
// user's phoneVerify setting: a user who forbids it is ErrUserNotFound,
// exactly like a phone nobody registered.
func (s *Service) FindByPhone(ctx context.Context, app model.App, region, phone string) (model.User, error) {
	u, err := s.PhoneUser(ctx, app, region, phone)
	if err != nil {
		return model.User{}, err
	}
	p, err := readPrivacy(ctx, s.store.Read(), app.ID, u.ID)
	if err != nil {
		return model.User{}, err
	}
	if p.PhoneVerify != 1 {
		return model.User{}, fmt.Errorf("%w: phone +%s %s", ErrUserNotFound, region, phone)
	}
	return u, nil
}
