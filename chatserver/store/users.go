package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

const userColumns = `id, app_id, username, password_hash, nickname, avatar, birthday, gender, signature,
	region, address, extras, forbidden, nodisturb_global, created_at, updated_at`

// userColumnsAs is userColumns qualified with a table alias, for joins.
func userColumnsAs(alias string) string {
	cols := strings.Split(userColumns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

func nullString(p *string) sql.NullString {
	if p == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: *p, Valid: true}
}

func nullInt(p *int) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(*p), Valid: true}
}

// userRef is a reference to a user that may be gone: 0, which a row reads
// back after ON DELETE SET NULL took its user, is written as NULL again
// rather than as a user that never existed.
func userRef(id int64) sql.NullInt64 {
	return sql.NullInt64{Int64: id, Valid: id != 0}
}

func ptrString(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	s := n.String
	return &s
}

// userScan holds scan targets for one user row, plus extra columns a join
// appends.
type userScan struct {
	u                                                              model.User
	nickname, avatar, birthday, signature, region, address, extras sql.NullString
	gender                                                         sql.NullInt64
	created, updated                                               int64
}

func (s *userScan) targets(extra ...any) []any {
	return append([]any{&s.u.ID, &s.u.AppID, &s.u.Username, &s.u.PasswordHash, &s.nickname, &s.avatar,
		&s.birthday, &s.gender, &s.signature, &s.region, &s.address, &s.extras, &s.u.Forbidden,
		&s.u.NoDisturbGlobal, &s.created, &s.updated}, extra...)
}

func (s *userScan) user() model.User {
	u := s.u
	u.Profile = model.Profile{
		Nickname: ptrString(s.nickname), Avatar: ptrString(s.avatar), Birthday: ptrString(s.birthday),
		Signature: ptrString(s.signature), Region: ptrString(s.region), Address: ptrString(s.address),
		Extras: ptrString(s.extras),
	}
	if s.gender.Valid {
		g := int(s.gender.Int64)
		u.Profile.Gender = &g
	}
	u.Created, u.Modified = time.UnixMilli(s.created), time.UnixMilli(s.updated)
	return u
}

func (q *Q) scanUsers(ctx context.Context, query string, args ...any) ([]model.User, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.User
	for rows.Next() {
		var s userScan
		if err := rows.Scan(s.targets()...); err != nil {
			return nil, err
		}
		out = append(out, s.user())
	}
	return out, rows.Err()
}

// UserByName finds a user of the app.
func (q *Q) UserByName(ctx context.Context, appID int64, username string) (model.User, error) {
	var s userScan
	err := q.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE app_id = ? AND username = ?", appID, username).
		Scan(s.targets()...)
	if errors.Is(err, sql.ErrNoRows) {
		return model.User{}, ErrNotFound
	}
	if err != nil {
		return model.User{}, err
	}
	return s.user(), nil
}

// UsersByName returns the app's users among names, keyed by username.
// Missing names are simply absent from the map.
func (q *Q) UsersByName(ctx context.Context, appID int64, names []string) (map[string]model.User, error) {
	out := make(map[string]model.User, len(names))
	if len(names) == 0 {
		return out, nil
	}
	users, err := q.scanUsers(ctx, "SELECT "+userColumns+" FROM users WHERE app_id = ? AND username IN ("+
		placeholders(len(names))+")", append([]any{appID}, stringArgs(names)...)...)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		out[u.Username] = u
	}
	return out, nil
}

// InsertUser adds a user; ErrConflict if the username is taken in the app.
func (q *Q) InsertUser(ctx context.Context, u model.User) (int64, error) {
	p := u.Profile
	var id int64
	err := q.queryRow(ctx, `INSERT INTO users (app_id, username, password_hash, nickname, avatar, birthday, gender,
		signature, region, address, extras, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (app_id, username) DO NOTHING RETURNING id`,
		u.AppID, u.Username, u.PasswordHash, nullString(p.Nickname), nullString(p.Avatar), nullString(p.Birthday),
		nullInt(p.Gender), nullString(p.Signature), nullString(p.Region), nullString(p.Address), nullString(p.Extras),
		u.Created.UnixMilli(), u.Modified.UnixMilli()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrConflict
	}
	return id, err
}

// UpdateProfile stores a user's whole profile, with a sync version.
func (q *Q) UpdateProfile(ctx context.Context, appID, userID int64, p model.Profile, now time.Time) error {
	stamp, err := q.syncStamp(ctx, appID)
	if err != nil {
		return err
	}
	_, err = q.exec(ctx, `UPDATE users SET nickname = ?, avatar = ?, birthday = ?, gender = ?, signature = ?,
		region = ?, address = ?, extras = ?, updated_at = ?, sync_at = ? WHERE app_id = ? AND id = ?`,
		nullString(p.Nickname), nullString(p.Avatar), nullString(p.Birthday), nullInt(p.Gender),
		nullString(p.Signature), nullString(p.Region), nullString(p.Address), nullString(p.Extras),
		now.UnixMilli(), stamp, appID, userID)
	return err
}

// SetPasswordHash replaces a user's password hash.
func (q *Q) SetPasswordHash(ctx context.Context, appID, userID int64, hash string, now time.Time) error {
	_, err := q.exec(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE app_id = ? AND id = ?",
		hash, now.UnixMilli(), appID, userID)
	return err
}

// SetForbidden enables or disables a user.
func (q *Q) SetForbidden(ctx context.Context, appID, userID int64, forbidden bool, now time.Time) error {
	_, err := q.exec(ctx, "UPDATE users SET forbidden = ?, updated_at = ? WHERE app_id = ? AND id = ?",
		forbidden, now.UnixMilli(), appID, userID)
	return err
}

// SetNoDisturbGlobal switches a user's global no-disturb.
func (q *Q) SetNoDisturbGlobal(ctx context.Context, appID, userID int64, on bool) error {
	_, err := q.exec(ctx, "UPDATE users SET nodisturb_global = ? WHERE app_id = ? AND id = ?", on, appID, userID)
	return err
}

// DeleteUsers removes the named users of the app and everything hanging off
// them; it returns how many existed. The friendships, blacklist entries and
// group memberships that go with them leave sync tombstones.
func (q *Q) DeleteUsers(ctx context.Context, appID int64, names []string) (int64, error) {
	if len(names) == 0 {
		return 0, nil
	}
	if err := q.tombstoneDeletedUsers(ctx, appID, names); err != nil {
		return 0, err
	}
	res, err := q.exec(ctx, "DELETE FROM users WHERE app_id = ? AND username IN ("+placeholders(len(names))+")",
		append([]any{appID}, stringArgs(names)...)...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// ListUsers pages through the app's users in creation order.
func (q *Q) ListUsers(ctx context.Context, appID int64, start, count int) (users []model.User, total int, err error) {
	if err := q.queryRow(ctx, "SELECT COUNT(*) FROM users WHERE app_id = ?", appID).Scan(&total); err != nil {
		return nil, 0, err
	}
	users, err = q.scanUsers(ctx, "SELECT "+userColumns+" FROM users WHERE app_id = ? ORDER BY id LIMIT ? OFFSET ?",
		appID, count, start)
	return users, total, err
}

// tombstoneDeletedUsers records, before the cascade removes them, the
// friendships, blacklist entries and group memberships of users about to be
// deleted, and drops the tombstones those users owned.
func (q *Q) tombstoneDeletedUsers(ctx context.Context, appID int64, names []string) error {
	stamp, err := q.syncStamp(ctx, appID)
	if err != nil {
		return err
	}
	doomed := "SELECT id FROM users WHERE app_id = ? AND username IN (" + placeholders(len(names)) + ")"
	args := append([]any{appID}, stringArgs(names)...)
	for _, t := range []struct{ kind, sel string }{
		{tombFriend, "SELECT app_id, user_id AS owner_id, friend_id AS target_id FROM friends WHERE friend_id IN (" + doomed + ")"},
		{tombBlacklist, "SELECT app_id, user_id AS owner_id, target_id FROM blacklist WHERE target_id IN (" + doomed + ")"},
		{tombMember, "SELECT app_id, group_id AS owner_id, user_id AS target_id FROM group_members WHERE user_id IN (" + doomed + ")"},
	} {
		if err := q.tombstoneSelect(ctx, t.kind, stamp, t.sel, args...); err != nil {
			return err
		}
	}
	_, err = q.exec(ctx, "DELETE FROM sync_tombstones WHERE app_id = ? AND kind IN ('friend', 'blacklist') AND owner_id IN ("+doomed+")",
		append([]any{appID}, args...)...)
	return err
}
