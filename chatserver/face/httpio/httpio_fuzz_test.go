package httpio

import (
	"encoding/json"
	"errors"
	"testing"
	"unicode/utf8"
)

// FuzzUnmarshal: the shared body decoding every face uses accepts a body
// only when it is one valid JSON value with no NUL and valid UTF-8, and
// refuses everything else with ErrMalformed or ErrEmpty, never a panic.
func FuzzUnmarshal(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `[{"username":"alice"}]`, `{"a":"\u0000"}`, "{\"a\":\"\xff\"}",
		`{"a":1} {"b":2}`, ``, `  `, `{"a":`, `1e400`, `"\ud800"`, `[[[[[[]]]]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v any
		err := Unmarshal(body, &v)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrEmpty) {
				t.Fatalf("error %v is neither malformed nor empty", err)
			}
			return
		}
		if !utf8.Valid(body) {
			t.Fatalf("accepted invalid UTF-8: %q", body)
		}
		if !json.Valid(body) {
			t.Fatalf("accepted what is not one JSON value: %q", body)
		}
		if s, err := json.Marshal(v); err == nil && containsNUL(s) {
			t.Fatalf("accepted a NUL: %q", body)
		}
	})
}

func containsNUL(b []byte) bool {
	var v any
	_ = json.Unmarshal(b, &v)
	var walk func(any) bool
	walk = func(x any) bool {
		switch x := x.(type) {
		case string:
			for _, r := range x {
				if r == 0 {
					return true
				}
			}
		case []any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		case map[string]any:
			for k, e := range x {
				if walk(k) || walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}
