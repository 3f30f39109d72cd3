package core

import (
	"context"
	"fmt"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// RegistrationPolicy returns the app's registration policy, defaults
// filled in, with SelfRegistration read from the app's switch. app comes
// from Authenticate, as for SDKRegisterOpen. The registration flow reads
// its rules here.
func (s *Service) RegistrationPolicy(ctx context.Context, app model.App) (model.RegistrationPolicy, error) {
	p, err := s.store.Read().RegistrationPolicy(ctx, app.ID, model.DefaultRegistrationPolicy())
	if err != nil {
		return model.RegistrationPolicy{}, fmt.Errorf("reading registration policy of app %s: %w", app.Key, err)
	}
	return withSwitch(p, app.SDKRegister), nil
}

// SetRegistrationPolicy replaces the app's whole registration policy with
// p (callers fill omitted fields with DefaultRegistrationPolicy's) and
// returns it as stored. p.SelfRegistration Open or Closed also sets the
// app's switch, in the same transaction; "" leaves the switch alone, since
// /v1/sdkregister/status owns it too.
func (s *Service) SetRegistrationPolicy(ctx context.Context, app model.App, p model.RegistrationPolicy) (model.RegistrationPolicy, error) {
	if err := checkPolicy(p); err != nil {
		return model.RegistrationPolicy{}, err
	}
	var stored model.RegistrationPolicy
	err := s.changeApp(ctx, app, func(q *store.Q) error {
		if p.SelfRegistration != "" {
			if err := q.SetSDKRegister(ctx, app.ID, p.SelfRegistration == model.SelfRegistrationOpen); err != nil {
				return fmt.Errorf("setting the registration switch: %w", err)
			}
		}
		if err := q.PutRegistrationPolicy(ctx, app.ID, p, s.clock()); err != nil {
			return err
		}
		// Read back inside the transaction: the answer is what is stored,
		// and the switch as it is now, even if another replica set it.
		fresh, err := q.AppByID(ctx, app.ID)
		if err != nil {
			return fmt.Errorf("reading the app back: %w", err)
		}
		if stored, err = q.RegistrationPolicy(ctx, app.ID, model.DefaultRegistrationPolicy()); err != nil {
			return err
		}
		stored = withSwitch(stored, fresh.SDKRegister)
		return nil
	})
	if err != nil {
		return model.RegistrationPolicy{}, fmt.Errorf("setting registration policy of app %s: %w", app.Key, err)
	}
	return stored, nil
}

// withSwitch fills in SelfRegistration and normalises the empty region
// list, so the policy always prints the same way.
func withSwitch(p model.RegistrationPolicy, open bool) model.RegistrationPolicy {
	p.SelfRegistration = model.SelfRegistrationOf(open)
	if p.AllowedRegions == nil {
		p.AllowedRegions = []string{}
	}
	return p
}
