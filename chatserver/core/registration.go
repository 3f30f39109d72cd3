package core

import (
	"context"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// SetSDKRegister opens (true) or closes (false) end-user self-registration.
func (s *Service) SetSDKRegister(ctx context.Context, app model.App, open bool) error {
	return s.changeApp(ctx, app, func(q *store.Q) error {
		return q.SetSDKRegister(ctx, app.ID, open)
	})
}

// SDKRegisterOpen reports whether end-user self-registration is open. app
// comes from Authenticate, which reads it fresh on every request. The
// registration policy reports this same switch as SelfRegistration.
func (s *Service) SDKRegisterOpen(app model.App) bool { return app.SDKRegister }
