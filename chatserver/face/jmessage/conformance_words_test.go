package jmessage_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chat-operator/chat-operator/chatserver/testutil"
)

// wordList is the GET /v1/sensitiveword response.
type wordList struct {
	Start int `json:"start"`
	Count int `json:"count"`
	Total int `json:"total"`
	Words []struct {
		Name  string `json:"name"`
		Itime string `json:"itime"`
	} `json:"words"`
}

// words returns every sensitive word of the app, sorted.
func (f *fixture) words(t *testing.T) []string {
	t.Helper()
	r := f.do(t, "GET", "/v1/sensitiveword?start=0&count=2000", nil)
	wantStatus(t, r, http.StatusOK)
	var l wordList
	r.JSON(t, &l)
	out := []string{}
	for _, w := range l.Words {
		out = append(out, w.Name)
	}
	if l.Total != len(out) {
		t.Fatalf("word list total %d but %d words: %s", l.Total, len(out), r.Body)
	}
	slices.Sort(out)
	return out
}

// 添加敏感词: POST ["w"] → 204; a word is at most 10 characters.
func TestConformanceAddSensitiveWords(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		wantNames(t, "words", f.words(t))
		wantStatus(t, f.do(t, "POST", "/v1/sensitiveword", []string{"FUCK"}), http.StatusNoContent)
		wantNames(t, "words", f.words(t), "FUCK")
		ten, tenCJK := "abcdefghij", strings.Repeat("敏", 10)
		wantStatus(t, f.do(t, "POST", "/v1/sensitiveword", []string{ten, tenCJK, "FUCK", "dup", "dup"}), http.StatusNoContent)
		want := sorted("FUCK", ten, tenCJK, "dup")
		wantNames(t, "words (existing and repeated words skipped)", f.words(t), want...)

		for _, body := range []any{
			[]string{"fresh", "abcdefghijk"},
			[]string{"fresh", strings.Repeat("敏", 11)},
			[]any{"fresh", 1},
			map[string]any{"word": "fresh"},
			"fresh",
		} {
			wantError(t, f.do(t, "POST", "/v1/sensitiveword", body), http.StatusBadRequest, codeBadParam)
		}
		wantNames(t, "words after refused adds", f.words(t), want...)
		// Words belong to their app.
		wantNames(t, "another app's words", f.otherApp(t).words(t))
	})
}

// 默认支持 100 个敏感词: an add that would pass the capacity is refused
// whole; the app's sensitiveWords limit changes the capacity.
func TestConformanceSensitiveWordCapacity(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		t.Run("default 100", func(t *testing.T) {
			f := newFixture(t, b, nil)
			var hundred []string
			for i := range 100 {
				hundred = append(hundred, fmt.Sprintf("w%03d", i))
			}
			wantError(t, f.do(t, "POST", "/v1/sensitiveword", append(slices.Clone(hundred), "w100")), http.StatusBadRequest, codeBadParam)
			wantNames(t, "words after refused 101", f.words(t))
			wantStatus(t, f.do(t, "POST", "/v1/sensitiveword", hundred), http.StatusNoContent)
			wantError(t, f.do(t, "POST", "/v1/sensitiveword", []string{"w100"}), http.StatusBadRequest, codeBadParam)
			// Existing words need no room.
			wantStatus(t, f.do(t, "POST", "/v1/sensitiveword", []string{"w000", "w099"}), http.StatusNoContent)
			wantNames(t, "words", f.words(t), hundred...)
		})
		t.Run("app limit", func(t *testing.T) {
			f := newFixture(t, b, withLimits("sensitiveWords", 3))
			wantStatus(t, f.do(t, "POST", "/v1/sensitiveword", []string{"a1", "a2"}), http.StatusNoContent)
			wantError(t, f.do(t, "POST", "/v1/sensitiveword", []string{"a3", "a4"}), http.StatusBadRequest, codeBadParam)
			wantNames(t, "words after refused add", f.words(t), "a1", "a2")
			wantStatus(t, f.do(t, "POST", "/v1/sensitiveword", []string{"a1", "a2", "a3"}), http.StatusNoContent)
			wantError(t, f.do(t, "POST", "/v1/sensitiveword", []string{"a1", "a4"}), http.StatusBadRequest, codeBadParam)
			wantNames(t, "words", f.words(t), "a1", "a2", "a3")
			// A rename needs no room.
			wantStatus(t, f.do(t, "PUT", "/v1/sensitiveword", map[string]any{"old_word": "a3", "new_word": "a9"}), http.StatusNoContent)
			wantNames(t, "words", f.words(t), "a1", "a2", "a9")
		})
		t.Run("app word length", func(t *testing.T) {
			f := newFixture(t, b, withLimits("sensitiveWordLength", 5))
			wantError(t, f.do(t, "POST", "/v1/sensitiveword", []string{"abcde", "abcdef"}), http.StatusBadRequest, codeBadParam)
			wantNames(t, "words after refused add", f.words(t))
			wantStatus(t, f.do(t, "POST", "/v1/sensitiveword", []string{"abcde", strings.Repeat("敏", 5)}), http.StatusNoContent)
			wantNames(t, "words", f.words(t), sorted("abcde", strings.Repeat("敏", 5))...)
		})
	})
}

// 修改敏感词 / 删除敏感词.
func TestConformanceUpdateDeleteSensitiveWords(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		wantStatus(t, f.do(t, "POST", "/v1/sensitiveword", []string{"FUCK", "other"}), http.StatusNoContent)

		// The seed's example.
		wantStatus(t, f.do(t, "PUT", "/v1/sensitiveword", map[string]any{"new_word": "fuck", "old_word": "FUCK"}), http.StatusNoContent)
		wantNames(t, "words", f.words(t), "fuck", "other")
		for _, body := range []any{
			map[string]any{"old_word": "FUCK", "new_word": "again"},
			map[string]any{"old_word": "nothere", "new_word": "again"},
			map[string]any{"new_word": "again"},
			map[string]any{"old_word": "fuck"},
			map[string]any{"old_word": "fuck", "new_word": "abcdefghijk"},
			map[string]any{"old_word": "fuck", "new_word": ""},
			[]string{"fuck", "again"},
		} {
			wantError(t, f.do(t, "PUT", "/v1/sensitiveword", body), http.StatusBadRequest, codeBadParam)
		}
		wantNames(t, "words after refused updates", f.words(t), "fuck", "other")

		wantStatus(t, f.do(t, "DELETE", "/v1/sensitiveword", map[string]any{"word": "fuck"}), http.StatusNoContent)
		wantNames(t, "words", f.words(t), "other")
		for _, body := range []any{
			map[string]any{"word": "fuck"},
			map[string]any{"word": "nothere"},
			map[string]any{},
			[]string{"other"},
		} {
			wantError(t, f.do(t, "DELETE", "/v1/sensitiveword", body), http.StatusBadRequest, codeBadParam)
		}
		wantNames(t, "words after refused deletes", f.words(t), "other")
	})
}

// 获取敏感词列表: GET ?start&count (count ≤ 2000).
func TestConformanceListSensitiveWords(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		all := []string{"alpha", "bravo", "charlie"}
		wantStatus(t, f.do(t, "POST", "/v1/sensitiveword", all), http.StatusNoContent)

		var paged []string
		for start := range 4 {
			r := f.do(t, "GET", fmt.Sprintf("/v1/sensitiveword?start=%d&count=1", start), nil)
			wantStatus(t, r, http.StatusOK)
			var raw map[string]any
			r.JSON(t, &raw)
			if _, ok := raw["words"].([]any); !ok {
				t.Errorf("start=%d: words = %#v, want an array", start, raw["words"])
			}
			var l wordList
			r.JSON(t, &l)
			wantCount := 1
			if start >= len(all) {
				wantCount = 0
			}
			if l.Start != start || l.Count != wantCount || l.Total != len(all) || len(l.Words) != wantCount {
				t.Errorf("start=%d count=1: %s, want start %d count %d total %d", start, r.Body, start, wantCount, len(all))
			}
			for _, w := range l.Words {
				paged = append(paged, w.Name)
				if !jmTimeRE.MatchString(w.Itime) {
					t.Errorf("itime = %q, want yyyy-MM-dd HH:mm:ss", w.Itime)
				} else {
					checkTime(t, "itime", w.Itime)
				}
			}
		}
		slices.Sort(paged)
		wantNames(t, "paged words", paged, all...)

		for _, q := range []string{"", "?start=0", "?start=0&count=0", "?start=0&count=2001", "?start=0&count=x", "?start=x&count=1"} {
			wantError(t, f.do(t, "GET", "/v1/sensitiveword"+q, nil), http.StatusBadRequest, codeBadParam)
		}
		wantStatus(t, f.do(t, "GET", "/v1/sensitiveword?start=0&count=2000", nil), http.StatusOK)
	})
}

// 敏感词功能状态: default on; PUT ?status=0|1 → 204; GET → {"status":N}.
func TestConformanceSensitiveWordStatus(t *testing.T) {
	t.Parallel()
	testutil.ForEachBackend(t, func(t *testing.T, b testutil.Backend) {
		t.Parallel()
		f := newFixture(t, b, nil)
		status := func() int {
			t.Helper()
			r := f.do(t, "GET", "/v1/sensitiveword/status", nil)
			wantStatus(t, r, http.StatusOK)
			var s map[string]any
			r.JSON(t, &s)
			if len(s) != 1 {
				t.Errorf("status body = %s, want {\"status\":N}", r.Body)
			}
			v, ok := s["status"].(float64)
			if !ok {
				t.Fatalf("status body = %s", r.Body)
			}
			return int(v)
		}
		if s := status(); s != 1 {
			t.Fatalf("default status %d, want 1", s)
		}
		for _, v := range []int{0, 1, 0} {
			wantStatus(t, f.do(t, "PUT", fmt.Sprintf("/v1/sensitiveword/status?status=%d", v), nil), http.StatusNoContent)
			if s := status(); s != v {
				t.Fatalf("after PUT status=%d, GET says %d", v, s)
			}
		}
		for _, q := range []string{"", "?status=", "?status=2", "?status=-1", "?status=on", "?status=true"} {
			wantError(t, f.do(t, "PUT", "/v1/sensitiveword/status"+q, nil), http.StatusBadRequest, codeBadParam)
		}
		if s := status(); s != 0 {
			t.Fatalf("refused PUTs changed the status to %d", s)
		}
		// Per app.
		r := f.otherApp(t).do(t, "GET", "/v1/sensitiveword/status", nil)
		wantStatus(t, r, http.StatusOK)
		var other map[string]any
		r.JSON(t, &other)
		if other["status"] != float64(1) {
			t.Errorf("another app's status: %s, want {\"status\":1}", r.Body)
		}
	})
}
