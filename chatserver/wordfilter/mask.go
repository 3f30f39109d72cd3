package wordfilter

import (
	"strings"
	"unicode/utf8"
)

// Mask replaces every rune of every match with '*', including overlapping
// and adjacent matches. When nothing matches it returns text itself without
// allocating, since clean messages are the common case.
func (f *Filter) Mask(text string) (masked string, changed bool) {
	if f.a == nil {
		return text, false
	}
	// Messages rarely have more spans than this; the array keeps them off
	// the heap.
	var buf [16]span
	spans := f.a.appendSpans(buf[:0], text)
	if len(spans) == 0 {
		return text, false
	}
	return maskSpans(text, spans), true
}

// maskSpans builds the masked text. It relies on every span starting and
// ending on a rune boundary, which New guarantees by accepting only valid
// UTF-8 words: a valid sequence can only match where a decoder reading text
// would also start and finish a rune, whatever bytes surround it.
func maskSpans(text string, spans []span) string {
	var sb strings.Builder
	// A masked rune never grows, so the output fits in len(text).
	sb.Grow(len(text))
	pos := 0
	for _, s := range spans {
		sb.WriteString(text[pos:s.start])
		for range utf8.RuneCountInString(text[s.start:s.end]) {
			sb.WriteByte('*')
		}
		pos = s.end
	}
	sb.WriteString(text[pos:])
	return sb.String()
}
