package text

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"", true},
		{"alice", true},
		{"张三 🙂", true},
		{"a\x00b", false},
		{"\x00", false},
		{"a\xffb", false},
		{"\xc3", false},           // truncated sequence
		{"\xed\xa0\x80", false},   // a UTF-16 surrogate encoded as UTF-8
		{"\xc0\xaf", false},       // overlong "/"
		{"\uFFFD replaced", true}, // the replacement character itself is text
	} {
		if got := Valid(tc.in); got != tc.want {
			t.Errorf("Valid(%q) = %v, want %v", tc.in, got, tc.want)
		}
		if got := ValidBytes([]byte(tc.in)); got != tc.want {
			t.Errorf("ValidBytes(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestValidJSON(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{`{"a":"b"}`, true},
		{`{"a":"a\u0000b"}`, false},
		{`{"a":"\u0000"}`, false},
		{`{"a":"\\u0000"}`, true},    // an escaped backslash, then text
		{`{"a":"\\\u0000"}`, false},  // an escaped backslash, then a NUL
		{`{"a":"\\\\u0000"}`, true},  // two escaped backslashes, then text
		{`{"a":"u0000"}`, true},      // no backslash at all
		{`{"u0000":"\u0001"}`, true}, // other control escapes decode fine
		{"{\"a\":\"\xff\"}", false},
		{"{\"a\":\"\x00\"}", false},
		{`["\u0000`, false}, // truncated, still found
		{`{"a":"\u00000"}`, false},
	} {
		if got := ValidJSON([]byte(tc.in)); got != tc.want {
			t.Errorf("ValidJSON(%s) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// FuzzValidJSON checks ValidJSON against its meaning: a document that
// decodes passes exactly when no decoded string holds a NUL and its bytes
// are valid UTF-8.
func FuzzValidJSON(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":"\u0000"}`, `["\\u0000"]`, `"\\\u0000"`, "\"\xff\"", `{"\u0000":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v any
		if json.Unmarshal(b, &v) != nil {
			return
		}
		want := utf8.Valid(b) && !holdsNUL(v)
		if got := ValidJSON(b); got != want {
			t.Fatalf("ValidJSON(%q) = %v, want %v", b, got, want)
		}
	})
}

func holdsNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.IndexByte(v, 0) >= 0
	case []any:
		for _, e := range v {
			if holdsNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if strings.IndexByte(k, 0) >= 0 || holdsNUL(e) {
				return true
			}
		}
	}
	return false
}
