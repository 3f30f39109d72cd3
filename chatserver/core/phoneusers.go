package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/passhash"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// ErrWrongCredentials: a phone login names no user or the wrong password.
// One error for both, so a login does not tell which phones are registered.
var ErrWrongCredentials = newError(KindUnauthorized, "wrong phone or password")

// PhoneVerificationPurpose is the purpose of codes sent by the phone flows
// (SealTalk send_code): one code serves registration and password reset.
const PhoneVerificationPurpose = "phone"

// EndUserApp is the tenant an unauthenticated end-user request names: an
// unknown key is ErrAppNotFound, a disabled tenant ErrAppDisabled.
func (s *Service) EndUserApp(ctx context.Context, appKey string) (model.App, error) {
	app, err := s.GetApp(ctx, appKey)
	if err != nil {
		return app, err
	}
	if app.Disabled {
		return model.App{}, fmt.Errorf("%w: %s", ErrAppDisabled, app.Key)
	}
	return app, nil
}

// PhoneRegistration is a sign-up by verified phone (SealTalk register):
// the phone is the one VerificationToken proves.
type PhoneRegistration struct {
	Nickname          string
	Password          string
	VerificationToken string
}

// RegisterPhoneUser creates a user from a verified phone under the
// registration policy (CheckRegistration). The verification token is
// always required and spent in the same transaction that creates the
// user, whose username is their external id (ExternalID: a new user
// always gets the keyed spelling). A phone already registered is
// ErrUserExists.
func (s *Service) RegisterPhoneUser(ctx context.Context, app model.App, in PhoneRegistration) (model.User, error) {
	v, err := s.LookupVerification(ctx, app, in.VerificationToken)
	if err != nil {
		return model.User{}, err
	}
	err = s.CheckRegistration(ctx, app, RegistrationAttempt{
		Password: in.Password, Region: v.Region, Phone: v.Phone, VerificationToken: in.VerificationToken,
	})
	if err != nil {
		return model.User{}, err
	}
	nickname := in.Nickname
	patch, err := ProfileInput{Nickname: &nickname}.profile()
	if err != nil {
		return model.User{}, err
	}
	hashes, err := s.hashPasswords(ctx, []string{in.Password})
	if err != nil {
		return model.User{}, fmt.Errorf("hashing password: %w", err)
	}
	now := s.clock()
	u := model.User{AppID: app.ID, AppKey: app.Key, PasswordHash: hashes[0], Profile: patch, Created: now, Modified: now}
	err = s.store.Write(ctx, func(q *store.Q) error {
		key := store.PhoneKey{AppID: app.ID, Region: v.Region, Phone: v.Phone}
		if err := q.DeletePhoneVerification(ctx, key, tokenHash(in.VerificationToken), now); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%w: the verification token is unknown, used or expired", ErrVerificationRequired)
			}
			return err
		}
		// The id is known only after the insert: insert under a name no
		// external id can take (9 bytes), then rename.
		placeholder, _, err := newSecretToken()
		if err != nil {
			return err
		}
		u.Username = "p" + placeholder[:20]
		if u.ID, err = q.InsertUser(ctx, u); err != nil {
			return fmt.Errorf("inserting a phone user: %w", err)
		}
		u.Username = ExternalID(app, u.ID)
		if err := q.RenameUser(ctx, app.ID, u.ID, u.Username); errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%w: the generated username %s is taken", ErrUserExists, u.Username)
		} else if err != nil {
			return err
		}
		if err := q.InsertPhoneUser(ctx, app.ID, u.ID, v.Region, v.Phone); errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%w: phone +%s %s is registered", ErrUserExists, v.Region, v.Phone)
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return model.User{}, fmt.Errorf("registering a phone user in app %s: %w", app.Key, err)
	}
	return u, nil
}

// PhoneAvailable tells whether a phone may still register in the app.
func (s *Service) PhoneAvailable(ctx context.Context, app model.App, region, phone string) (bool, error) {
	if err := checkPhoneNumber(region, phone); err != nil {
		return false, err
	}
	_, err := s.store.Read().PhoneUserID(ctx, app.ID, region, phone)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading phone users of app %s: %w", app.Key, err)
	}
	return false, nil
}

// PhoneUser is the user registered with a phone, or ErrUserNotFound.
func (s *Service) PhoneUser(ctx context.Context, app model.App, region, phone string) (model.User, error) {
	if err := checkPhoneNumber(region, phone); err != nil {
		return model.User{}, err
	}
	id, err := s.store.Read().PhoneUserID(ctx, app.ID, region, phone)
	if errors.Is(err, store.ErrNotFound) {
		return model.User{}, fmt.Errorf("%w: phone +%s %s", ErrUserNotFound, region, phone)
	}
	if err != nil {
		return model.User{}, fmt.Errorf("reading phone users of app %s: %w", app.Key, err)
	}
	return s.userByID(ctx, app, id, phone)
}

// userByID is the user of the app with the internal id, or
// ErrUserNotFound naming what the caller looked for.
func (s *Service) userByID(ctx context.Context, app model.App, id int64, lookedFor string) (model.User, error) {
	u, err := s.store.Read().UserByID(ctx, app.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return model.User{}, fmt.Errorf("%w: %s", ErrUserNotFound, clip(lookedFor))
	}
	if err != nil {
		return model.User{}, fmt.Errorf("reading a user of app %s: %w", app.Key, err)
	}
	u.AppKey = app.Key
	return u, nil
}

// LoginByPhone checks a phone user's password and opens a session on the
// device. An unknown phone or a wrong password is ErrWrongCredentials; a
// forbidden user ErrUserForbidden.
//
// Attempts are limited per phone and per client address (AuthLimits): an
// unknown phone counts like a wrong password, so the limits say nothing
// about who is registered.
func (s *Service) LoginByPhone(ctx context.Context, app model.App, region, phone, password, device string) (string, model.User, error) {
	if err := checkPhoneNumber(region, phone); err != nil {
		return "", model.User{}, ErrWrongCredentials
	}
	attempt, err := s.beginAttempt(ctx, app, scopeLogin, region+":"+phone)
	if err != nil {
		return "", model.User{}, err
	}
	u, err := s.PhoneUser(ctx, app, region, phone)
	if errors.Is(err, ErrUserNotFound) {
		return "", model.User{}, ErrWrongCredentials
	}
	if err != nil {
		return "", model.User{}, err
	}
	ok, err := passhash.Verify(password, u.PasswordHash)
	if err != nil {
		return "", model.User{}, fmt.Errorf("checking the password of %s: %w", u.Username, err)
	}
	if !ok {
		return "", model.User{}, ErrWrongCredentials
	}
	token, _, err := s.CreateSession(ctx, app, u.Username, device)
	if err != nil {
		return "", model.User{}, err
	}
	attempt.succeeded(ctx)
	return token, u, nil
}

// checkPolicyPassword applies the registration policy's password rule to
// a new password set by an end user.
func (s *Service) checkPolicyPassword(ctx context.Context, app model.App, password string) error {
	p, err := s.RegistrationPolicy(ctx, app)
	if err != nil {
		return err
	}
	return checkPasswordAgainst(p.Password, password)
}

// ResetPasswordByPhone sets a new password for the phone a verification
// token proves, spending the token; like every password change it ends
// all the user's sessions (SetPassword).
func (s *Service) ResetPasswordByPhone(ctx context.Context, app model.App, verificationToken, password string) error {
	v, err := s.LookupVerification(ctx, app, verificationToken)
	if err != nil {
		return err
	}
	if err := s.checkPolicyPassword(ctx, app, password); err != nil {
		return err
	}
	u, err := s.PhoneUser(ctx, app, v.Region, v.Phone)
	if err != nil {
		return err
	}
	if err := s.ConsumeVerification(ctx, app, v.Region, v.Phone, verificationToken); err != nil {
		return err
	}
	return s.SetPassword(ctx, app, u.Username, password)
}

// ChangePassword replaces a user's password after checking the old one
// (ErrWrongCredentials); it ends all the user's sessions (SetPassword).
//
// Guesses of the old password are limited like logins (AuthLimits), so a
// stolen session cannot be used to find the password.
func (s *Service) ChangePassword(ctx context.Context, app model.App, username, oldPassword, newPassword string) error {
	u, err := s.User(ctx, app, username)
	if err != nil {
		return err
	}
	attempt, err := s.beginAttempt(ctx, app, scopePassword, username)
	if err != nil {
		return err
	}
	ok, err := passhash.Verify(oldPassword, u.PasswordHash)
	if err != nil {
		return fmt.Errorf("checking the password of %s: %w", username, err)
	}
	if !ok {
		return ErrWrongCredentials
	}
	attempt.succeeded(ctx)
	if err := s.checkPolicyPassword(ctx, app, newPassword); err != nil {
		return err
	}
	return s.SetPassword(ctx, app, username, newPassword)
}

// UserByExternalID finds a user of the app by external id, or
// ErrUserNotFound.
func (s *Service) UserByExternalID(ctx context.Context, app model.App, externalID string) (model.User, error) {
	id, ok := ParseExternalID(app, externalID)
	if !ok {
		return model.User{}, fmt.Errorf("%w: %s", ErrUserNotFound, clip(externalID))
	}
	return s.userByID(ctx, app, id, externalID)
}

// UserPhone is a user with the phone they registered with, if any.
type UserPhone struct {
	User          model.User
	Region, Phone string
	STAccount     string
}

// WithPhones adds the phone records to users of the app as the viewer
// (a user id of the app) may see them: a user whose phoneVerify is 0
// keeps their phone (region and number) from everyone but themselves.
func (s *Service) WithPhones(ctx context.Context, app model.App, viewerID int64, users []model.User) ([]UserPhone, error) {
	phones, err := s.store.Read().PhonesOf(ctx, app.ID, ids(users))
	if err != nil {
		return nil, fmt.Errorf("reading phone users of app %s: %w", app.Key, err)
	}
	out := make([]UserPhone, len(users))
	for i, u := range users {
		p := phones[u.ID]
		out[i] = UserPhone{User: u, Region: p.Region, Phone: p.Phone, STAccount: p.STAccount}
		if u.ID == viewerID {
			continue
		}
		privacy, err := decodePrivacy(p.Privacy)
		if err != nil {
			return nil, fmt.Errorf("reading the privacy settings of user %d in app %s: %w", u.ID, app.Key, err)
		}
		if privacy.PhoneVerify != 1 {
			out[i].Region, out[i].Phone = "", ""
		}
	}
	return out, nil
}

// ErrSTAccountTaken: another user of the app has the SealTalk account.
var ErrSTAccountTaken = newError(KindConflict, "the SealTalk account is taken")

// validSTAccount: 6-20 bytes, a letter first, then letters, digits, _ or -.
func validSTAccount(a string) bool {
	if len(a) < 6 || len(a) > 20 {
		return false
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if i == 0 && !letter || !(letter || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// phoneUserWrite runs fn on a phone user's id inside a transaction,
// mapping a missing phone record to ErrUserNotFound.
func (s *Service) phoneUserWrite(ctx context.Context, app model.App, username string, fn func(q *store.Q, userID int64) error) error {
	return s.store.Write(ctx, func(q *store.Q) error {
		u, err := s.userIn(ctx, q, app, username)
		if err != nil {
			return err
		}
		err = fn(q, u.ID)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w: %s has no phone record", ErrUserNotFound, clip(username))
		}
		return err
	})
}

// SetSTAccount sets a phone user's SealTalk account, unique in the app
// (ErrSTAccountTaken).
func (s *Service) SetSTAccount(ctx context.Context, app model.App, username, account string) error {
	if !validSTAccount(account) {
		return invalidf("a SealTalk account is 6-20 bytes: a letter, then letters, digits, _ or -")
	}
	return s.phoneUserWrite(ctx, app, username, func(q *store.Q, id int64) error {
		if err := q.SetSTAccount(ctx, app.ID, id, account); errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%w: %s", ErrSTAccountTaken, account)
		} else {
			return err
		}
	})
}

// SetPoke sets whether a phone user receives pokes.
func (s *Service) SetPoke(ctx context.Context, app model.App, username string, on bool) error {
	return s.phoneUserWrite(ctx, app, username, func(q *store.Q, id int64) error {
		return q.SetPoke(ctx, app.ID, id, on)
	})
}

// Poke tells whether a phone user receives pokes.
func (s *Service) Poke(ctx context.Context, app model.App, username string) (bool, error) {
	var on bool
	err := s.phoneUserWrite(ctx, app, username, func(q *store.Q, id int64) error {
		var err error
		on, err = q.Poke(ctx, app.ID, id)
		return err
	})
	return on, err
}
