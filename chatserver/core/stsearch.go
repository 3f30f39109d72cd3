package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// FindBySTAccount finds a user by SealTalk account for another user,
// honouring the found user's stSearchVerify setting: a user who forbids
// it is ErrUserNotFound, exactly like an account nobody set.
func (s *Service) FindBySTAccount(ctx context.Context, app model.App, account string) (model.User, error) {
	if !validSTAccount(account) {
		return model.User{}, invalidf("st_account must be 6-20 bytes: a letter, then letters, digits, _ or -")
	}
	q := s.store.Read()
	id, err := q.PhoneUserBySTAccount(ctx, app.ID, account)
	if errors.Is(err, store.ErrNotFound) {
		return model.User{}, fmt.Errorf("%w: SealTalk account %s", ErrUserNotFound, account)
	}
	if err != nil {
		return model.User{}, fmt.Errorf("reading phone users of app %s: %w", app.Key, err)
	}
	p, err := readPrivacy(ctx, q, app.ID, id)
	if err != nil {
		return model.User{}, err
	}
	if p.STSearchVerify != 1 {
		return model.User{}, fmt.Errorf("%w: SealTalk account %s", ErrUserNotFound, account)
	}
	u, err := q.UserByID(ctx, app.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return model.User{}, fmt.Errorf("%w: SealTalk account %s", ErrUserNotFound, account)
	}
	if err != nil {
		return model.User{}, fmt.Errorf("reading a user of app %s: %w", app.Key, err)
	}
	u.AppKey = app.Key
	return u, nil
}
