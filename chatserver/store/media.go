package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// InsertMedia records an uploaded file; ErrConflict if the app already has
// that media id.
func (q *Q) InsertMedia(ctx context.Context, m model.Media) error {
	_, err := q.exec(ctx, `INSERT INTO media (app_id, media_id, media_type, format, fname, size, crc32, hash, width, height, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.AppID, m.MediaID, string(m.Type), m.Format, m.Filename, m.Size, int64(m.CRC32), m.Hash, m.Width, m.Height,
		m.Created.UnixMilli())
	if isUniqueViolation(err) {
		return ErrConflict
	}
	return err
}

// MediaByID finds one of the app's uploads.
func (q *Q) MediaByID(ctx context.Context, appID int64, mediaID string) (model.Media, error) {
	var (
		m       model.Media
		typ     string
		crc     int64
		created int64
	)
	err := q.queryRow(ctx, `SELECT app_id, media_id, media_type, format, fname, size, crc32, hash, width, height, created_at
		FROM media WHERE app_id = ? AND media_id = ?`, appID, mediaID).
		Scan(&m.AppID, &m.MediaID, &typ, &m.Format, &m.Filename, &m.Size, &crc, &m.Hash, &m.Width, &m.Height, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	if err != nil {
		return m, err
	}
	m.Type, m.CRC32, m.Created = model.MediaType(typ), uint32(crc), time.UnixMilli(created)
	return m, nil
}

// MediaCounts reports how many upload records and stored blobs the app
// has, for usage reports and for checking that refused uploads left
// nothing behind.
func (q *Q) MediaCounts(ctx context.Context, appID int64) (records, blobs int, err error) {
	err = q.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM media WHERE app_id = ?), (SELECT COUNT(*) FROM media_blobs WHERE app_id = ?)`,
		appID, appID).Scan(&records, &blobs)
	return records, blobs, err
}

// PutMediaBlob stores bytes under the app and key, replacing any there.
func (q *Q) PutMediaBlob(ctx context.Context, appID int64, key string, data []byte, now time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO media_blobs (app_id, blob_key, data, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (app_id, blob_key) DO UPDATE SET data = excluded.data, created_at = excluded.created_at`,
		appID, key, data, now.UnixMilli())
	return err
}

// MediaBlob reads the bytes stored under the app and key.
func (q *Q) MediaBlob(ctx context.Context, appID int64, key string) ([]byte, error) {
	var data []byte
	err := q.queryRow(ctx, "SELECT data FROM media_blobs WHERE app_id = ? AND blob_key = ?", appID, key).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return data, err
}

// DeleteMediaBlob removes the bytes under the app and key, if any.
func (q *Q) DeleteMediaBlob(ctx context.Context, appID int64, key string) error {
	_, err := q.exec(ctx, "DELETE FROM media_blobs WHERE app_id = ? AND blob_key = ?", appID, key)
	return err
}
