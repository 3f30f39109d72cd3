package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// MaxUserPage is the largest page of a user listing.
const MaxUserPage = 500

// NewUser is one item of a registration batch.
type NewUser struct {
	Username string
	Password string
	Profile  ProfileInput
	// Err is set by the face when the item could not even be decoded; it is
	// reported back for that item and the item is skipped.
	Err error
}

// RegisterResult reports one item of a registration batch. Err is nil when
// the user was created.
type RegisterResult struct {
	Username string
	Err      error
}

// RegisterUsers creates a batch of users. A batch over the app's limit is
// refused whole; otherwise each item succeeds or fails on its own, and
// valid items are written even when others fail.
func (s *Service) RegisterUsers(ctx context.Context, app model.App, batch []NewUser) ([]RegisterResult, error) {
	if len(batch) == 0 {
		return nil, invalidf("the user array is empty")
	}
	if max := app.Limits.BatchRegister; len(batch) > max {
		return nil, invalidf("at most %d users per registration, got %d", max, len(batch))
	}
	results := make([]RegisterResult, len(batch))
	users := make([]model.User, 0, len(batch))
	index := make([]int, 0, len(batch)) // users[i] answers results[index[i]]
	seen := make(map[string]bool, len(batch))
	now := s.clock()
	for i, nu := range batch {
		results[i].Username = nu.Username
		u, err := validateNewUser(nu)
		switch {
		case err != nil:
			results[i].Err = err
		case seen[nu.Username]:
			results[i].Err = fmt.Errorf("%w: %s appears twice in the batch", ErrUserExists, nu.Username)
		default:
			seen[nu.Username] = true
			u.AppID, u.Created, u.Modified = app.ID, now, now
			users = append(users, u)
			index = append(index, i)
		}
	}
	if len(users) == 0 {
		return results, nil
	}
	if err := s.hashUserPasswords(ctx, users); err != nil {
		return nil, err
	}
	err := s.store.Write(ctx, func(q *store.Q) error {
		// A retried run (store.Write) answers afresh: a name taken in a
		// lost run may be free now.
		for _, i := range index {
			results[i].Err = nil
		}
		for j, u := range users {
			_, err := q.InsertUser(ctx, u)
			if errors.Is(err, store.ErrConflict) {
				results[index[j]].Err = fmt.Errorf("%w: %s", ErrUserExists, u.Username)
				continue
			}
			if err != nil {
				return fmt.Errorf("inserting user %s: %w", u.Username, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("registering users in app %s: %w", app.Key, err)
	}
	return results, nil
}

func validateNewUser(nu NewUser) (model.User, error) {
	if nu.Err != nil {
		return model.User{}, nu.Err
	}
	if err := checkUsername(nu.Username); err != nil {
		return model.User{}, err
	}
	if err := checkPassword(nu.Password); err != nil {
		return model.User{}, err
	}
	p, err := nu.Profile.profile()
	if err != nil {
		return model.User{}, err
	}
	// PasswordHash holds the plain password until hashUserPasswords runs.
	return model.User{Username: nu.Username, PasswordHash: nu.Password, Profile: p}, nil
}

func (s *Service) hashUserPasswords(ctx context.Context, users []model.User) error {
	plain := make([]string, len(users))
	for i, u := range users {
		plain[i] = u.PasswordHash
	}
	hashes, err := s.hashPasswords(ctx, plain)
	if err != nil {
		return fmt.Errorf("hashing passwords: %w", err)
	}
	for i := range users {
		users[i].PasswordHash = hashes[i]
	}
	return nil
}

// User returns one user of the app.
func (s *Service) User(ctx context.Context, app model.App, username string) (model.User, error) {
	return s.userIn(ctx, s.store.Read(), app, username)
}

// userIn loads a user through q, so writers can read inside their
// transaction.
func (s *Service) userIn(ctx context.Context, q *store.Q, app model.App, username string) (model.User, error) {
	if err := checkUsername(username); err != nil {
		return model.User{}, err
	}
	u, err := q.UserByName(ctx, app.ID, username)
	if errors.Is(err, store.ErrNotFound) {
		return u, fmt.Errorf("%w: %s", ErrUserNotFound, username)
	}
	if err != nil {
		return u, fmt.Errorf("reading user %s: %w", username, err)
	}
	u.AppKey = app.Key
	return u, nil
}

// usersIn resolves usernames to users of the app, in order, failing on the
// first that does not exist.
func (s *Service) usersIn(ctx context.Context, q *store.Q, app model.App, names []string) ([]model.User, error) {
	if err := checkUsernames(names); err != nil {
		return nil, err
	}
	found, err := q.UsersByName(ctx, app.ID, names)
	if err != nil {
		return nil, fmt.Errorf("reading users: %w", err)
	}
	out := make([]model.User, len(names))
	for i, n := range names {
		u, ok := found[n]
		if !ok {
			return nil, fmt.Errorf("%w: %s", ErrUserNotFound, n)
		}
		u.AppKey = app.Key
		out[i] = u
	}
	return out, nil
}

// UpdateUser changes the given profile fields; fields not given keep their
// values.
func (s *Service) UpdateUser(ctx context.Context, app model.App, username string, in ProfileInput) error {
	patch, err := in.profile()
	if err != nil {
		return err
	}
	return s.store.Write(ctx, func(q *store.Q) error {
		u, err := s.userIn(ctx, q, app, username)
		if err != nil {
			return err
		}
		return q.UpdateProfile(ctx, app.ID, u.ID, u.Profile.Merge(patch), s.clock())
	})
}

// SetPassword replaces a user's password and revokes every session of
// the user, in the same transaction.
func (s *Service) SetPassword(ctx context.Context, app model.App, username, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	if _, err := s.User(ctx, app, username); err != nil {
		return err
	}
	hashes, err := s.hashPasswords(ctx, []string{password})
	if err != nil {
		return fmt.Errorf("hashing password: %w", err)
	}
	var userID int64
	var ended []int64
	err = s.store.Write(ctx, func(q *store.Q) error {
		u, err := s.userIn(ctx, q, app, username)
		if err != nil {
			return err
		}
		if err := q.SetPasswordHash(ctx, app.ID, u.ID, hashes[0], s.clock()); err != nil {
			return err
		}
		// A new password logs the user out everywhere.
		userID = u.ID
		if ended, err = s.endUserSessions(ctx, q, app.ID, u.ID); err != nil {
			return fmt.Errorf("revoking the sessions of %s: %w", username, err)
		}
		return nil
	})
	if err == nil {
		s.announceLogout(ctx, app, userID, ended, LogoutReasonPasswordChanged)
	}
	return err
}

// SetForbidden disables (true) or re-enables (false) a user. Forbidding
// also ends every session of the user, in the same transaction: a forbidden
// user must not stay logged in on some device.
func (s *Service) SetForbidden(ctx context.Context, app model.App, username string, forbidden bool) error {
	var userID int64
	var ended []int64
	err := s.store.Write(ctx, func(q *store.Q) error {
		u, err := s.userIn(ctx, q, app, username)
		if err != nil {
			return err
		}
		if err := q.SetForbidden(ctx, app.ID, u.ID, forbidden, s.clock()); err != nil {
			return err
		}
		if !forbidden {
			return nil
		}
		userID = u.ID
		if ended, err = s.endUserSessions(ctx, q, app.ID, u.ID); err != nil {
			return fmt.Errorf("ending the sessions of %s: %w", clip(username), err)
		}
		return nil
	})
	if err == nil {
		s.announceLogout(ctx, app, userID, ended, LogoutReasonForbidden)
	}
	return err
}

// DeleteUser removes one user and everything that hangs off them.
func (s *Service) DeleteUser(ctx context.Context, app model.App, username string) error {
	if err := checkUsername(username); err != nil {
		return err
	}
	var ids []int64
	err := s.store.Write(ctx, func(q *store.Q) error {
		var err error
		if ids, err = userIDsOf(ctx, q, app, []string{username}); err != nil {
			return err
		}
		n, err := q.DeleteUsers(ctx, app.ID, []string{username})
		if err != nil {
			return fmt.Errorf("deleting user %s: %w", username, err)
		}
		if n == 0 {
			return fmt.Errorf("%w: %s", ErrUserNotFound, username)
		}
		return nil
	})
	if err == nil {
		s.announceUsersDeleted(ctx, app, ids)
	}
	return err
}

// userIDsOf returns the ids of the named users that exist, for closing
// their connections once they are deleted.
func userIDsOf(ctx context.Context, q *store.Q, app model.App, names []string) ([]int64, error) {
	found, err := q.UsersByName(ctx, app.ID, names)
	if err != nil {
		return nil, fmt.Errorf("reading users: %w", err)
	}
	ids := make([]int64, 0, len(found))
	for _, u := range found {
		ids = append(ids, u.ID)
	}
	return ids, nil
}

// DeleteUsers removes a batch of users; names that do not exist are
// skipped. It returns how many were deleted.
func (s *Service) DeleteUsers(ctx context.Context, app model.App, names []string) (int64, error) {
	if len(names) == 0 {
		return 0, invalidf("the username array is empty")
	}
	if max := app.Limits.BatchDelete; len(names) > max {
		return 0, invalidf("at most %d users per batch delete, got %d", max, len(names))
	}
	if err := checkUsernames(names); err != nil {
		return 0, err
	}
	var n int64
	var ids []int64
	err := s.store.Write(ctx, func(q *store.Q) error {
		var err error
		if ids, err = userIDsOf(ctx, q, app, dedupe(names)); err != nil {
			return err
		}
		n, err = q.DeleteUsers(ctx, app.ID, dedupe(names))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("deleting users in app %s: %w", app.Key, err)
	}
	s.announceUsersDeleted(ctx, app, ids)
	return n, nil
}

// Page is a window on a listing.
type Page struct {
	Start, Count int
}

// listPage checks p against max, then runs list, wrapping its error with
// what was listed.
func listPage[T any](p Page, max int, what string, app model.App, list func() ([]T, int, error)) ([]T, int, error) {
	if err := p.check(max); err != nil {
		return nil, 0, err
	}
	items, total, err := list()
	if err != nil {
		return nil, 0, fmt.Errorf("listing %s of app %s: %w", what, app.Key, err)
	}
	return items, total, nil
}

func (p Page) check(max int) error {
	if p.Start < 0 {
		return invalidf("start must not be negative")
	}
	if p.Count < 1 || p.Count > max {
		return invalidf("count must be between 1 and %d", max)
	}
	return nil
}

// ListUsers pages through the app's users.
func (s *Service) ListUsers(ctx context.Context, app model.App, p Page) ([]model.User, int, error) {
	return listPage(p, MaxUserPage, "users", app, func() ([]model.User, int, error) {
		return s.store.Read().ListUsers(ctx, app.ID, p.Start, p.Count)
	})
}

// UserStatus is the login state of one user across devices.
type UserStatus struct {
	Username string
	Exists   bool
	Devices  []model.Device
}

// LoggedIn reports whether any device is logged in; Online whether any is
// connected now.
func (st UserStatus) LoggedIn() bool {
	for _, d := range st.Devices {
		if d.LoggedIn {
			return true
		}
	}
	return false
}

func (st UserStatus) Online() bool {
	for _, d := range st.Devices {
		if d.Online {
			return true
		}
	}
	return false
}

// MaxStatusBatch caps one batch status query.
const MaxStatusBatch = 500

// UserStatuses reports the device states of the named users; unknown
// users come back with Exists false. A device is every platform (session
// device) the user ever logged in on: logged in while one of its sessions
// is live, online while a gateway replica holds a connection of it
// (Presence).
func (s *Service) UserStatuses(ctx context.Context, app model.App, names []string) ([]UserStatus, error) {
	if len(names) == 0 {
		return nil, invalidf("the username array is empty")
	}
	if len(names) > MaxStatusBatch {
		return nil, invalidf("at most %d users per status query, got %d", MaxStatusBatch, len(names))
	}
	if err := checkUsernames(names); err != nil {
		return nil, err
	}
	q := s.store.Read()
	found, err := q.UsersByName(ctx, app.ID, dedupe(names))
	if err != nil {
		return nil, fmt.Errorf("reading users: %w", err)
	}
	ids := make([]int64, 0, len(found))
	for _, u := range found {
		ids = append(ids, u.ID)
	}
	devices, err := q.DeviceStates(ctx, app.ID, ids, s.clock())
	if err != nil {
		return nil, fmt.Errorf("reading devices: %w", err)
	}
	out := make([]UserStatus, len(names))
	for i, n := range names {
		u, ok := found[n]
		out[i] = UserStatus{Username: n, Exists: ok, Devices: devices[u.ID]}
		if out[i].Devices == nil {
			out[i].Devices = []model.Device{}
		}
	}
	return out, nil
}
