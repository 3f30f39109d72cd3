package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// RegistrationPolicy returns the app's stored policy decoded over
// defaults, so fields added after the row was written read as their
// defaults; an app with no row gets defaults as they are. The
// SelfRegistration field is left as defaults has it: the switch lives in
// apps.sdk_register.
func (q *Q) RegistrationPolicy(ctx context.Context, appID int64, defaults model.RegistrationPolicy) (model.RegistrationPolicy, error) {
	var text string
	err := q.queryRow(ctx, "SELECT policy FROM registration_policies WHERE app_id = ?", appID).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return defaults, nil
	}
	if err != nil {
		return defaults, fmt.Errorf("reading registration policy: %w", err)
	}
	// Decoding writes into the slice and struct it finds, so it gets copies
	// of the caller's.
	p := defaults
	p.AllowedRegions = slices.Clone(defaults.AllowedRegions)
	if defaults.SMS != nil {
		sms := *defaults.SMS
		p.SMS = &sms
	}
	if err := json.Unmarshal([]byte(text), &p); err != nil {
		return defaults, fmt.Errorf("decoding registration policy of app %d: %w", appID, err)
	}
	p.SelfRegistration = defaults.SelfRegistration
	return p, nil
}

// PutRegistrationPolicy stores p as the app's whole policy, replacing any
// earlier one. p.SelfRegistration is not stored.
func (q *Q) PutRegistrationPolicy(ctx context.Context, appID int64, p model.RegistrationPolicy, now time.Time) error {
	p.SelfRegistration = ""
	text, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encoding registration policy: %w", err)
	}
	_, err = q.exec(ctx, `INSERT INTO registration_policies (app_id, policy, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (app_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at`,
		appID, string(text), now.UnixMilli())
	if err != nil {
		return fmt.Errorf("writing registration policy: %w", err)
	}
	return nil
}
