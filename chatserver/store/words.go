package store

import (
	"context"
	"time"

	"github.com/chat-operator/chat-operator/chatserver/model"
)

// CountWords reports how many sensitive words the app has.
func (q *Q) CountWords(ctx context.Context, appID int64) (int, error) {
	var n int
	err := q.queryRow(ctx, "SELECT COUNT(*) FROM sensitive_words WHERE app_id = ?", appID).Scan(&n)
	return n, err
}

// WordsExisting returns which of words the app already has.
func (q *Q) WordsExisting(ctx context.Context, appID int64, words []string) (map[string]bool, error) {
	out := make(map[string]bool, len(words))
	if len(words) == 0 {
		return out, nil
	}
	rows, err := q.query(ctx, "SELECT word FROM sensitive_words WHERE app_id = ? AND word IN ("+placeholders(len(words))+")",
		append([]any{appID}, stringArgs(words)...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, err
		}
		out[w] = true
	}
	return out, rows.Err()
}

// InsertWords adds words the app does not have yet.
func (q *Q) InsertWords(ctx context.Context, appID int64, words []string, now time.Time) error {
	for _, w := range words {
		if _, err := q.exec(ctx, "INSERT INTO sensitive_words (app_id, word, created_at) VALUES (?, ?, ?) ON CONFLICT (app_id, word) DO NOTHING",
			appID, w, now.UnixMilli()); err != nil {
			return err
		}
	}
	return q.bumpWordsVersion(ctx, appID)
}

// RenameWord replaces oldWord by newWord; found is false if oldWord is not
// in the list, ErrConflict if newWord already is.
func (q *Q) RenameWord(ctx context.Context, appID int64, oldWord, newWord string, now time.Time) (found bool, err error) {
	res, err := q.exec(ctx, "UPDATE sensitive_words SET word = ?, created_at = ? WHERE app_id = ? AND word = ?",
		newWord, now.UnixMilli(), appID, oldWord)
	if isUniqueViolation(err) {
		return true, ErrConflict
	}
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	return true, q.bumpWordsVersion(ctx, appID)
}

// DeleteWord removes a word; found is false if it was not in the list.
func (q *Q) DeleteWord(ctx context.Context, appID int64, word string) (found bool, err error) {
	res, err := q.exec(ctx, "DELETE FROM sensitive_words WHERE app_id = ? AND word = ?", appID, word)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	return true, q.bumpWordsVersion(ctx, appID)
}

// ListWords pages through the app's words, oldest first.
func (q *Q) ListWords(ctx context.Context, appID int64, start, count int) (words []model.SensitiveWord, total int, err error) {
	if total, err = q.CountWords(ctx, appID); err != nil {
		return nil, 0, err
	}
	rows, err := q.query(ctx, "SELECT word, created_at FROM sensitive_words WHERE app_id = ? ORDER BY created_at, word LIMIT ? OFFSET ?",
		appID, count, start)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var w model.SensitiveWord
		var ms int64
		if err := rows.Scan(&w.Word, &ms); err != nil {
			return nil, 0, err
		}
		w.Inserted = time.UnixMilli(ms)
		words = append(words, w)
	}
	return words, total, rows.Err()
}

// AllWords returns every word of the app, for building its filter.
func (q *Q) AllWords(ctx context.Context, appID int64) ([]string, error) {
	rows, err := q.query(ctx, "SELECT word FROM sensitive_words WHERE app_id = ?", appID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

func (q *Q) bumpWordsVersion(ctx context.Context, appID int64) error {
	_, err := q.exec(ctx, "UPDATE apps SET words_version = words_version + 1 WHERE id = ?", appID)
	return err
}
