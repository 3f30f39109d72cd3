package core

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/chat-operator/chat-operator/chatserver/model"
	"github.com/chat-operator/chat-operator/chatserver/store"
)

// MaxWordPage is the largest page of a sensitive-word listing.
const MaxWordPage = 2000

// checkWord enforces the word rules: non-empty, a single line, and at most
// the app's length in characters (the seed counts characters, so a Chinese
// word of 10 characters fits).
func checkWord(app model.App, w string) error {
	if strings.TrimSpace(w) == "" {
		return invalidf("a sensitive word must not be empty")
	}
	if !utf8.ValidString(w) || strings.ContainsAny(w, "\r\n") {
		return invalidf("sensitive word %q must be one line of UTF-8", clip(w))
	}
	if n, max := utf8.RuneCountInString(w), app.Limits.SensitiveWordLength; n > max {
		return invalidf("sensitive word %q has %d characters, more than %d", clip(w), n, max)
	}
	return nil
}

// AddWords adds words to the app's list. Words already listed are skipped;
// a call that would take the list past the app's capacity is refused whole.
func (s *Service) AddWords(ctx context.Context, app model.App, words []string) error {
	if len(words) == 0 {
		return invalidf("the word array is empty")
	}
	for _, w := range words {
		if err := checkWord(app, w); err != nil {
			return err
		}
	}
	words = dedupe(words)
	return s.changeApp(ctx, app, func(q *store.Q) error {
		if err := q.LockApp(ctx, app.ID); err != nil {
			return err
		}
		existing, err := q.WordsExisting(ctx, app.ID, words)
		if err != nil {
			return err
		}
		count, err := q.CountWords(ctx, app.ID)
		if err != nil {
			return err
		}
		added := len(words) - len(existing)
		if max := app.Limits.SensitiveWords; count+added > max {
			return invalidf("the app may have at most %d sensitive words: it has %d and this adds %d", max, count, added)
		}
		return q.InsertWords(ctx, app.ID, words, s.clock())
	})
}

// ReplaceWord renames oldWord to newWord.
func (s *Service) ReplaceWord(ctx context.Context, app model.App, oldWord, newWord string) error {
	if err := checkWord(app, newWord); err != nil {
		return err
	}
	if oldWord == "" {
		return invalidf("old_word is required")
	}
	if oldWord == newWord {
		return nil
	}
	return s.changeApp(ctx, app, func(q *store.Q) error {
		found, err := q.RenameWord(ctx, app.ID, oldWord, newWord, s.clock())
		if errors.Is(err, store.ErrConflict) {
			return invalidf("sensitive word %q is already listed", clip(newWord))
		}
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w: %q", ErrWordNotFound, clip(oldWord))
		}
		return nil
	})
}

// DeleteWord removes a word from the list.
func (s *Service) DeleteWord(ctx context.Context, app model.App, word string) error {
	if word == "" {
		return invalidf("word is required")
	}
	return s.changeApp(ctx, app, func(q *store.Q) error {
		found, err := q.DeleteWord(ctx, app.ID, word)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("%w: %q", ErrWordNotFound, clip(word))
		}
		return nil
	})
}

// ListWords pages through the app's words.
func (s *Service) ListWords(ctx context.Context, app model.App, p Page) ([]model.SensitiveWord, int, error) {
	return listPage(p, MaxWordPage, "sensitive words", app, func() ([]model.SensitiveWord, int, error) {
		return s.store.Read().ListWords(ctx, app.ID, p.Start, p.Count)
	})
}

// SetWordFilter switches message filtering on or off for the app.
func (s *Service) SetWordFilter(ctx context.Context, app model.App, on bool) error {
	return s.changeApp(ctx, app, func(q *store.Q) error {
		return q.SetSensitiveFilter(ctx, app.ID, on)
	})
}

// WordFilterOn reports whether message filtering is on. app comes from
// Authenticate, which reads it fresh on every request.
func (s *Service) WordFilterOn(app model.App) bool { return app.SensitiveFilter }

// MaskText masks the app's sensitive words in text when filtering is on.
// app must be fresh from Authenticate: its WordsVersion selects the
// compiled filter.
func (s *Service) MaskText(ctx context.Context, app model.App, text string) (string, bool, error) {
	if !app.SensitiveFilter {
		return text, false, nil
	}
	f, err := s.filters.get(ctx, s.store, app)
	if err != nil {
		return text, false, err
	}
	masked, changed := f.Mask(text)
	return masked, changed, nil
}
