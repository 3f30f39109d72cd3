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
var ErrCrossAppDenied = errors.New("cross-app operation not allowed")

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
