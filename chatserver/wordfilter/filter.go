// Package wordfilter finds and masks sensitive words in chat messages.
//
// A Filter is compiled once per change of the word list and then shared by
// every goroutine that handles messages, so all per-message work only reads
// it.
package wordfilter

import "unicode/utf8"

// Filter matches a fixed set of words, ignoring ASCII letter case.
// It is immutable and safe for concurrent use. The zero Filter matches
// nothing.
type Filter struct {
	a     *automaton // nil when there are no words
	count int
}

// New compiles words into a Filter. Empty strings and duplicates (including
// words that differ only in ASCII letter case) are ignored, and so are words
// that are not valid UTF-8: such a word could match the tail of one
// character and the head of the next, masking text nobody meant to block.
// A nil or empty list gives a Filter that never matches.
func New(words []string) *Filter {
	return newFilter(words, denseBudget)
}

// newFilter is New with a chosen dense-table budget, so tests can force the
// sparse states that only large lists reach in production.
func newFilter(words []string, budget int) *Filter {
	seen := make(map[string]struct{}, len(words))
	distinct := make([]string, 0, len(words))
	for _, w := range words {
		if w == "" || !utf8.ValidString(w) {
			continue
		}
		w = asciiLower(w)
		if _, dup := seen[w]; dup {
			continue
		}
		seen[w] = struct{}{}
		distinct = append(distinct, w)
	}
	f := &Filter{count: len(distinct)}
	if len(distinct) > 0 {
		f.a = compile(distinct, budget)
	}
	return f
}

// Len reports the number of distinct words the Filter matches.
func (f *Filter) Len() int { return f.count }

// Contains reports whether text contains at least one of the words.
func (f *Filter) Contains(text string) bool {
	return f.a != nil && f.a.contains(text)
}

// asciiLower folds only ASCII letters: that is exactly the case-insensitivity
// the matcher implements, so deduplication agrees with matching.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if foldByte(s[i]) != s[i] {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				b[j] = foldByte(b[j])
			}
			return string(b)
		}
	}
	return s
}
