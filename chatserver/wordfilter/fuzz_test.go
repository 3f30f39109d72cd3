package wordfilter

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMask checks Mask against invariants that follow from its contract and
// against a deliberately naive reference implementation.
func FuzzMask(f *testing.F) {
	f.Add("ab|bc", "abc")
	f.Add("FUCK", "oh FuCk fuck")
	f.Add("坏蛋|蛋糕", "坏蛋糕点")
	f.Add("a*b|x", "axb")
	f.Add("\xb8|中", "中文\xe4\xb8")
	f.Add("😀|a😀", "A😀😀b")
	f.Fuzz(func(t *testing.T, wordList, text string) {
		words := strings.Split(wordList, "|")
		// Words made only of '*' are left out, as the contract exempts them:
		// they match the very '*' that Mask writes.
		words = slices.DeleteFunc(words, func(w string) bool {
			return w != "" && strings.Trim(w, "*") == ""
		})
		fl := New(words)
		out, changed := fl.Mask(text)

		if utf8.RuneCountInString(out) != utf8.RuneCountInString(text) {
			t.Fatalf("rune count %d -> %d: %q -> %q", utf8.RuneCountInString(text), utf8.RuneCountInString(out), text, out)
		}
		in := []rune(text)
		for i, r := range []rune(out) {
			if r != '*' && r != in[i] {
				t.Fatalf("rune %d changed %q -> %q: %q -> %q", i, in[i], r, text, out)
			}
		}
		if utf8.ValidString(text) && !utf8.ValidString(out) {
			t.Fatalf("valid input gave invalid output: %q -> %q", text, out)
		}
		if changed != (out != text) {
			t.Fatalf("changed = %v but %q -> %q", changed, text, out)
		}
		if !changed && !sameString(out, text) {
			t.Fatalf("unchanged text was copied")
		}
		if got := fl.Contains(text); got != changed {
			t.Fatalf("Contains(%q) = %v but Mask changed = %v", text, got, changed)
		}
		// A word mixing '*' with other runes can be completed by masking
		// (words "x", "a*b" on "axb"), so only '*'-free lists promise that
		// masking leaves nothing to find.
		if !slices.ContainsFunc(words, func(w string) bool { return strings.Contains(w, "*") }) && fl.Contains(out) {
			t.Fatalf("masked text still matches: %q -> %q", text, out)
		}
		for _, budget := range []int{0, 100} {
			if other, _ := newFilter(words, budget).Mask(text); other != out {
				t.Fatalf("budget %d gives %q, full table %q", budget, other, out)
			}
		}
		if want := naiveMask(words, text); out != want {
			t.Fatalf("Mask(%q) with %q = %q; reference gives %q", text, words, out, want)
		}
	})
}

// naiveMask is the contract spelled out literally: try every valid word at
// every byte offset, then mask each decoded rune that any match touches.
func naiveMask(words []string, text string) string {
	hit := make([]bool, len(text))
	lower := asciiLowerRef(text)
	for _, w := range words {
		if w == "" || !utf8.ValidString(w) {
			continue
		}
		w = asciiLowerRef(w)
		for i := 0; i+len(w) <= len(text); i++ {
			if lower[i:i+len(w)] == w {
				for j := i; j < i+len(w); j++ {
					hit[j] = true
				}
			}
		}
	}
	var sb strings.Builder
	for i := 0; i < len(text); {
		_, size := utf8.DecodeRuneInString(text[i:])
		masked := false
		for j := i; j < i+size; j++ {
			masked = masked || hit[j]
		}
		if masked {
			sb.WriteByte('*')
		} else {
			sb.WriteString(text[i : i+size])
		}
		i += size
	}
	return sb.String()
}

// asciiLowerRef is independent of the package's own folding so the
// reference does not inherit its bugs.
func asciiLowerRef(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}
