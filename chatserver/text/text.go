// Package text holds the one rule every layer applies to text from
// outside: it is valid UTF-8 and holds no NUL byte. PostgreSQL refuses
// both in text columns (SQLSTATE 22021) while SQLite stores them, and
// browsers close a WebSocket whose text frame is not UTF-8 (1007), so text
// that breaks the rule is refused where it enters, the same on every
// store, rather than failing later for someone else.
package text

import (
	"bytes"
	"errors"
	"strings"
	"unicode/utf8"
)

// ErrInvalid is the error of text that breaks the rule. Layers wrap it
// with what was wrong; faces answer it with their 400.
var ErrInvalid = errors.New("text holds a NUL byte or invalid UTF-8")

// Valid reports whether s is valid UTF-8 without NUL bytes.
func Valid(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// ValidBytes is Valid for a byte slice.
func ValidBytes(b []byte) bool {
	return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0
}

// ValidJSON reports whether a JSON document keeps the rule once decoded:
// its bytes are valid UTF-8 without NUL, and no string in it spells a NUL
// as the escape \u0000. It does not check that b is JSON; the decoder
// does. An escape is real when an odd number of backslashes precedes the
// "u0000" (an even number is escaped backslashes followed by text).
func ValidJSON(b []byte) bool {
	if !ValidBytes(b) {
		return false
	}
	for rest, off := b, 0; ; {
		i := bytes.Index(rest, []byte("u0000"))
		if i < 0 {
			return true
		}
		slashes := 0
		for j := off + i - 1; j >= 0 && b[j] == '\\'; j-- {
			slashes++
		}
		if slashes%2 == 1 {
			return false
		}
		off += i + 5
		rest = b[off:]
	}
}
