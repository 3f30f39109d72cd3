package core

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// ErrCrossAppDenied: the two apps have not both consented to cross-app
// operations (features.crossAppAllowed), or the other app is unknown or
// disabled. The caller learns nothing more, so it cannot probe appKeys.
var ErrCrossAppDenied = newError(KindForbidden, "cross-app operation not allowed")

// otherApp resolves the app a cross-app call names. Naming one's own app
// (or no app) is simply the caller's app. Consent is mutual: each app
// must list the other in features.crossAppAllowed.
func (s *Service) otherApp(ctx context.Context, q *store.Q, app model.App, key string) (model.App, error) {
	if key == "" || strings.EqualFold(key, app.Key) {
		return app, nil
	}
	denied := fmt.Errorf("%w: %s and %s", ErrCrossAppDenied, app.Key, clip(key))
	if !lists(app, key) {
		return model.App{}, denied
	}
	other, err := q.AppByKey(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return model.App{}, denied
	}
	if err != nil {
		return model.App{}, fmt.Errorf("reading app %s: %w", clip(key), err)
	}
	if other.Disabled || !lists(other, app.Key) {
		return model.App{}, denied
	}
	return other, nil
}

func lists(a model.App, key string) bool {
	return slices.ContainsFunc(a.Features.CrossAppAllowed, func(k string) bool { return strings.EqualFold(k, key) })
}

// AppUsers names users of one app in a call that may cross apps. AppKey ""
// (or the caller's own key) is the caller's app; another app needs mutual
// consent (otherApp).
type AppUsers struct {
	AppKey string
	Names  []string
}

// SameApp names users of the caller's app.
func SameApp(names []string) []AppUsers { return []AppUsers{{Names: names}} }

// appUsersIn resolves each set's names in the set's app, in order and
// without removing repeats, so the result lines up with the names. It
// fails on the first app the caller may not reach, then on the first user
// that does not exist. Every set's app is checked, even one naming nobody.
func (s *Service) appUsersIn(ctx context.Context, q *store.Q, app model.App, sets []AppUsers) ([]model.User, error) {
	var out []model.User
	for _, set := range sets {
		in, err := s.otherApp(ctx, q, app, set.AppKey)
		if err != nil {
			return nil, err
		}
		users, err := s.usersIn(ctx, q, in, set.Names)
		if err != nil {
			return nil, err
		}
		out = append(out, users...)
	}
	return out, nil
}

// countNames is how many usernames the sets name in all.
func countNames(sets []AppUsers) int {
	n := 0
	for _, set := range sets {
		n += len(set.Names)
	}
	return n
}

// uniqueUsers drops repeated users (by id), keeping the first.
func uniqueUsers(users []model.User) []model.User {
	seen := make(map[int64]bool, len(users))
	out := users[:0:0]
	for _, u := range users {
		if !seen[u.ID] {
			seen[u.ID] = true
			out = append(out, u)
		}
	}
	return out
}
