package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Admin calls one tenant's JMessage-compatible admin API (/v1) with Basic
// auth appKey:masterSecret. The credentials fix the tenant.
type Admin struct {
	conn   conn
	appKey string
	// Batch sizes; tests shrink them to exercise paging on few words.
	wordPage, addBatchWords, addBatchBytes int
}

const (
	// maxWordPage is the seed's largest count for GET /v1/sensitiveword.
	maxWordPage = 2000
	// The seed sets no per-call limit on POST /v1/sensitiveword, but the
	// server refuses bodies over 4 MiB and an app may hold 100000 words, so
	// large sets go in batches: at most as many words as a listing page, and
	// a quarter of the body limit.
	maxAddBatchWords = 2000
	maxAddBatchBytes = 1 << 20
)

// NewAdmin returns a client of the admin API at baseURL for the tenant
// appKey. hc carries every request; nil means a client with
// DefaultTimeout.
func NewAdmin(baseURL, appKey, masterSecret string, hc *http.Client) (*Admin, error) {
	c, err := newConn(baseURL, hc, func(r *http.Request) { r.SetBasicAuth(appKey, masterSecret) })
	if err != nil {
		return nil, fmt.Errorf("creating admin client for app %s: %w", appKey, err)
	}
	return &Admin{
		conn: c, appKey: appKey,
		wordPage: maxWordPage, addBatchWords: maxAddBatchWords, addBatchBytes: maxAddBatchBytes,
	}, nil
}

// wordPageJSON is one page of GET /v1/sensitiveword.
type wordPageJSON struct {
	Start int `json:"start"`
	Count int `json:"count"`
	Words []struct {
		Name string `json:"name"`
	} `json:"words"`
	Total int `json:"total"`
}

// ListSensitiveWords returns all the app's sensitive words, in the server's
// order, following pages until the reported total. Words changed while it
// pages may be missed or seen twice; the operator's periodic resync
// converges anyway.
func (a *Admin) ListSensitiveWords(ctx context.Context) ([]string, error) {
	var words []string
	for {
		var page wordPageJSON
		q := url.Values{"start": {strconv.Itoa(len(words))}, "count": {strconv.Itoa(a.wordPage)}}
		if _, err := a.conn.do(ctx, call{method: http.MethodGet, path: "/v1/sensitiveword", query: q, out: &page}); err != nil {
			return nil, fmt.Errorf("listing sensitive words of app %s: %w", a.appKey, err)
		}
		for _, w := range page.Words {
			words = append(words, w.Name)
		}
		// An empty page ends the loop even if total says otherwise (words
		// deleted meanwhile), so it always terminates.
		if len(page.Words) == 0 || len(words) >= page.Total {
			return words, nil
		}
	}
}

// AddSensitiveWords adds words to the app's list; words already listed are
// skipped by the server. Large sets are sent in several calls, each
// all-or-nothing, so after a failure part may be added: retrying the same
// call is safe.
func (a *Admin) AddSensitiveWords(ctx context.Context, words []string) error {
	for len(words) > 0 {
		n := a.addBatchLen(words)
		if _, err := a.conn.do(ctx, call{method: http.MethodPost, path: "/v1/sensitiveword", body: words[:n]}); err != nil {
			return fmt.Errorf("adding %d sensitive words to app %s: %w", n, a.appKey, err)
		}
		words = words[n:]
	}
	return nil
}

// addBatchLen returns how many of words fit in the next POST; always at
// least one, so an oversized word reaches the server and gets its error.
func (a *Admin) addBatchLen(words []string) int {
	size := 2 // the brackets
	for i, w := range words {
		enc, _ := json.Marshal(w) // a string always encodes
		size += len(enc) + 1      // and a comma
		if i > 0 && (i >= a.addBatchWords || size > a.addBatchBytes) {
			return i
		}
	}
	return len(words)
}

// ReplaceSensitiveWord renames oldWord to newWord.
func (a *Admin) ReplaceSensitiveWord(ctx context.Context, oldWord, newWord string) error {
	body := struct {
		OldWord string `json:"old_word"`
		NewWord string `json:"new_word"`
	}{oldWord, newWord}
	if _, err := a.conn.do(ctx, call{method: http.MethodPut, path: "/v1/sensitiveword", body: body}); err != nil {
		return fmt.Errorf("replacing sensitive word %q of app %s: %w", oldWord, a.appKey, err)
	}
	return nil
}

// DeleteSensitiveWord removes word from the app's list. The server answers
// 400 (code 899003), not 404, for a word that is not listed.
func (a *Admin) DeleteSensitiveWord(ctx context.Context, word string) error {
	body := struct {
		Word string `json:"word"`
	}{word}
	if _, err := a.conn.do(ctx, call{method: http.MethodDelete, path: "/v1/sensitiveword", body: body}); err != nil {
		return fmt.Errorf("deleting sensitive word %q of app %s: %w", word, a.appKey, err)
	}
	return nil
}

// SensitiveWordFilter reports whether messages are filtered.
func (a *Admin) SensitiveWordFilter(ctx context.Context) (bool, error) {
	on, err := a.getSwitch(ctx, "/v1/sensitiveword/status")
	if err != nil {
		return false, fmt.Errorf("getting the sensitive-word filter of app %s: %w", a.appKey, err)
	}
	return on, nil
}

// SetSensitiveWordFilter switches message filtering on or off.
func (a *Admin) SetSensitiveWordFilter(ctx context.Context, on bool) error {
	if err := a.putSwitch(ctx, "/v1/sensitiveword/status", on); err != nil {
		return fmt.Errorf("setting the sensitive-word filter of app %s to %t: %w", a.appKey, on, err)
	}
	return nil
}

// SDKRegister reports whether end users may register themselves through
// the SDK.
func (a *Admin) SDKRegister(ctx context.Context) (bool, error) {
	open, err := a.getSwitch(ctx, "/v1/sdkregister/status")
	if err != nil {
		return false, fmt.Errorf("getting the SDK registration switch of app %s: %w", a.appKey, err)
	}
	return open, nil
}

// SetSDKRegister opens or closes SDK self-registration.
func (a *Admin) SetSDKRegister(ctx context.Context, open bool) error {
	if err := a.putSwitch(ctx, "/v1/sdkregister/status", open); err != nil {
		return fmt.Errorf("setting the SDK registration switch of app %s to %t: %w", a.appKey, open, err)
	}
	return nil
}

// statusJSON is the seed's switch shape, {"status":0|1}.
type statusJSON struct {
	Status int `json:"status"`
}

func (a *Admin) getSwitch(ctx context.Context, path string) (bool, error) {
	var s statusJSON
	if _, err := a.conn.do(ctx, call{method: http.MethodGet, path: path, out: &s}); err != nil {
		return false, err
	}
	switch s.Status {
	case 0, 1:
		return s.Status == 1, nil
	default:
		return false, fmt.Errorf("GET %s: status %d is neither 0 nor 1", path, s.Status)
	}
}

// putSwitch sends the status in the query, as the seed does.
func (a *Admin) putSwitch(ctx context.Context, path string, on bool) error {
	v := "0"
	if on {
		v = "1"
	}
	_, err := a.conn.do(ctx, call{method: http.MethodPut, path: path, query: url.Values{"status": {v}}})
	return err
}
