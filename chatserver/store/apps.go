package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

const appColumns = `id, app_key, secret_hash, limits, features, disabled, sensitive_filter,
	sdk_register, words_version, id_key, legacy_user_ids, legacy_group_ids, created_at, updated_at`

// idKeyBytes is the size of an app's IDKey.
const idKeyBytes = 32

// newIDKey draws an app's IDKey.
func newIDKey() []byte {
	k := make([]byte, idKeyBytes)
	_, _ = rand.Read(k) // it never fails: it crashes the program instead
	return k
}

func scanApp(row interface{ Scan(...any) error }) (model.App, error) {
	var (
		a                model.App
		limits, features string
		created, updated int64
	)
	err := row.Scan(&a.ID, &a.Key, &a.SecretHash, &limits, &features, &a.Disabled, &a.SensitiveFilter,
		&a.SDKRegister, &a.WordsVersion, &a.IDKey, &a.LegacyUserIDs, &a.LegacyGroupIDs, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(limits), &a.Limits); err != nil {
		return a, fmt.Errorf("decoding limits of app %s: %w", a.Key, err)
	}
	if err := json.Unmarshal([]byte(features), &a.Features); err != nil {
		return a, fmt.Errorf("decoding features of app %s: %w", a.Key, err)
	}
	a.Created, a.Updated = time.UnixMilli(created), time.UnixMilli(updated)
	return a, nil
}

// AppByKey finds an app by its key, case-insensitively as JMessage does.
func (q *Q) AppByKey(ctx context.Context, key string) (model.App, error) {
	a, err := scanApp(q.queryRow(ctx, "SELECT "+appColumns+" FROM apps WHERE app_key_lower = ?", strings.ToLower(key)))
	return q.withIDKey(ctx, a, err)
}

// AppByID finds an app by its internal id.
func (q *Q) AppByID(ctx context.Context, id int64) (model.App, error) {
	a, err := scanApp(q.queryRow(ctx, "SELECT "+appColumns+" FROM apps WHERE id = ?", id))
	return q.withIDKey(ctx, a, err)
}

// withIDKey gives an app read without an IDKey its key. Only an app that a
// replica of an older version created during a rolling upgrade, after
// migration 0015 ran, lacks one; the first replica to read it draws the
// key, and a concurrent one reads the winner's.
func (q *Q) withIDKey(ctx context.Context, a model.App, err error) (model.App, error) {
	if err != nil || len(a.IDKey) > 0 {
		return a, err
	}
	if _, err := q.exec(ctx, "UPDATE apps SET id_key = ? WHERE id = ? AND length(id_key) = 0", newIDKey(), a.ID); err != nil {
		return a, fmt.Errorf("setting the id key of app %s: %w", a.Key, err)
	}
	if err := q.queryRow(ctx, "SELECT id_key FROM apps WHERE id = ?", a.ID).Scan(&a.IDKey); err != nil {
		return a, fmt.Errorf("reading the id key of app %s: %w", a.Key, err)
	}
	return a, nil
}

// ListApps returns every app, oldest first.
func (q *Q) ListApps(ctx context.Context) ([]model.App, error) {
	rows, err := q.query(ctx, "SELECT "+appColumns+" FROM apps ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []model.App
	for rows.Next() {
		a, err := scanApp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	for i := range out {
		if out[i], err = q.withIDKey(ctx, out[i], nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PutApp creates the app or replaces its declared state (secret, limits,
// features, disabled). Tenant config set through the admin API is kept.
// A new app gets a fresh IDKey (a.IDKey is ignored); an update never
// changes it, since it would change every id the tenant handed out.
func (q *Q) PutApp(ctx context.Context, a model.App) (created bool, err error) {
	limits, err := json.Marshal(a.Limits)
	if err != nil {
		return false, err
	}
	features, err := json.Marshal(a.Features)
	if err != nil {
		return false, err
	}
	now := a.Updated.UnixMilli()
	res, err := q.exec(ctx, `UPDATE apps SET secret_hash = ?, limits = ?, features = ?, disabled = ?, updated_at = ?
		WHERE app_key_lower = ?`, a.SecretHash, string(limits), string(features), a.Disabled, now, strings.ToLower(a.Key))
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return false, nil
	}
	_, err = q.exec(ctx, `INSERT INTO apps (app_key, app_key_lower, secret_hash, limits, features, disabled, id_key, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.Key, strings.ToLower(a.Key), a.SecretHash, string(limits), string(features), a.Disabled,
		newIDKey(), now, now)
	if isUniqueViolation(err) {
		return false, ErrConflict
	}
	return err == nil, err
}

// SetAppDisabled flips the disabled flag.
func (q *Q) SetAppDisabled(ctx context.Context, appID int64, disabled bool, now time.Time) error {
	_, err := q.exec(ctx, "UPDATE apps SET disabled = ?, updated_at = ? WHERE id = ?", disabled, now.UnixMilli(), appID)
	return err
}

// PurgeApp deletes the app and, through cascades, every row it owns.
func (q *Q) PurgeApp(ctx context.Context, appID int64) error {
	_, err := q.exec(ctx, "DELETE FROM apps WHERE id = ?", appID)
	return err
}

// SetSensitiveFilter switches message filtering for the app.
func (q *Q) SetSensitiveFilter(ctx context.Context, appID int64, on bool) error {
	_, err := q.exec(ctx, "UPDATE apps SET sensitive_filter = ? WHERE id = ?", on, appID)
	return err
}

// SetSDKRegister switches end-user self-registration for the app.
func (q *Q) SetSDKRegister(ctx context.Context, appID int64, on bool) error {
	_, err := q.exec(ctx, "UPDATE apps SET sdk_register = ? WHERE id = ?", on, appID)
	return err
}

// AppKeysByID maps app ids to their keys, for listings that show a
// related user's app.
func (q *Q) AppKeysByID(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.query(ctx, "SELECT id, app_key FROM apps WHERE id IN ("+placeholders(len(ids))+")", int64Args(ids)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return nil, err
		}
		out[id] = key
	}
	return out, rows.Err()
}

// LockApp serialises writers of one app until the transaction ends, for
// rules that count rows before adding (capacities). SQLite already runs
// one writer at a time; PostgreSQL needs the row lock.
func (q *Q) LockApp(ctx context.Context, appID int64) error {
	if q.kind != Postgres {
		return nil
	}
	var id int64
	return q.queryRow(ctx, "SELECT id FROM apps WHERE id = ? FOR UPDATE", appID).Scan(&id)
}
