package wordfilter

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

func TestMask(t *testing.T) {
	tests := []struct {
		name    string
		words   []string
		text    string
		want    string
		changed bool
	}{
		{"nil words", nil, "anything at all", "anything at all", false},
		{"empty words", []string{}, "anything", "anything", false},
		{"only empty strings", []string{"", ""}, "abc", "abc", false},
		{"empty text", []string{"bad"}, "", "", false},
		{"single word", []string{"bad"}, "a bad day", "a *** day", true},
		{"no match", []string{"bad"}, "a good day", "a good day", false},
		{"upper word, lower text", []string{"FUCK"}, "oh fuck", "oh ****", true},
		{"upper word, mixed text", []string{"FUCK"}, "oh FuCk!", "oh ****!", true},
		{"lower word, upper text", []string{"fuck"}, "FUCK", "****", true},
		{"chinese word", []string{"坏蛋"}, "你是坏蛋吗", "你是**吗", true},
		{"chinese in ascii", []string{"坏蛋"}, "abc坏蛋def", "abc**def", true},
		{"mixed word", []string{"a坏B"}, "xA坏bx", "x***x", true},
		{"4-byte runes", []string{"😀😀"}, "hi😀😀😀", "hi***", true},
		{"chinese no match", []string{"坏蛋"}, "坏人蛋糕", "坏人蛋糕", false},
		{"overlapping", []string{"ab", "bc"}, "abc", "***", true},
		{"overlapping chinese", []string{"坏蛋", "蛋糕"}, "坏蛋糕点", "***点", true},
		{"word inside longer word", []string{"abcd", "bc"}, "xabcdx", "x****x", true},
		{"short word before long", []string{"bc", "abcd"}, "xabcdx", "x****x", true},
		{"only inner word hits", []string{"abcd", "bc"}, "xabcx", "xa**x", true},
		{"long word starts earlier", []string{"c", "abcd"}, "abcd", "****", true},
		{"adjacent", []string{"ab", "cd"}, "abcd", "****", true},
		{"adjacent same word", []string{"ab"}, "ababx", "****x", true},
		{"self-overlapping word", []string{"aa"}, "aaa", "***", true},
		{"word at start", []string{"bad"}, "bad day", "*** day", true},
		{"word at end", []string{"bad"}, "so bad", "so ***", true},
		{"whole text", []string{"bad"}, "bad", "***", true},
		{"repeated occurrences", []string{"x"}, "x1x2x", "*1*2*", true},
		{"repeated chinese", []string{"坏"}, "坏a坏b坏", "*a*b*", true},
		{"duplicates in list", []string{"bad", "bad", "BAD"}, "bad Bad", "*** ***", true},
		{"empty string among words", []string{"", "bad", ""}, "bad", "***", true},
		{"asterisks untouched", []string{"bad"}, "**bad**", "*******", true},
		{"not a word boundary matcher", []string{"ass"}, "class", "cl***", true},
	}
	for _, tt := range tests {
		for _, b := range budgets {
			t.Run(tt.name+"/"+b.name, func(t *testing.T) {
				f := newFilter(tt.words, b.budget)
				got, changed := f.Mask(tt.text)
				if got != tt.want || changed != tt.changed {
					t.Errorf("Mask(%q) = %q, %v; want %q, %v", tt.text, got, changed, tt.want, tt.changed)
				}
				if !changed && !sameString(got, tt.text) {
					t.Errorf("Mask(%q) copied a text it did not change", tt.text)
				}
				if c := f.Contains(tt.text); c != tt.changed {
					t.Errorf("Contains(%q) = %v; want %v", tt.text, c, tt.changed)
				}
			})
		}
	}
}

// budgets run each case with the automaton fully dense, as small lists are
// in production, and with only the root dense, as the deep states of large
// lists are, so both transition paths see every case.
var budgets = []struct {
	name   string
	budget int
}{
	{"dense", denseBudget},
	{"sparse", 0},
}

func TestLen(t *testing.T) {
	tests := []struct {
		name  string
		words []string
		want  int
	}{
		{"nil", nil, 0},
		{"empty strings only", []string{"", ""}, 0},
		{"distinct", []string{"a", "b", "坏蛋"}, 3},
		{"duplicates", []string{"a", "a", "b", "a"}, 2},
		{"case duplicates", []string{"fuck", "FUCK", "FuCk"}, 1},
		{"empty mixed in", []string{"", "a", "", "b"}, 2},
		{"invalid utf-8 dropped", []string{"\xe4\xb8", "ok"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := New(tt.words).Len(); got != tt.want {
				t.Errorf("Len() = %d; want %d", got, tt.want)
			}
		})
	}
}

// A word made of part of a multi-byte character must not eat into
// neighbouring characters; New drops it instead.
func TestInvalidWordNeverSplitsRunes(t *testing.T) {
	f := New([]string{"\xb8"}) // continuation byte of 中 (e4 b8 ad)
	if got, changed := f.Mask("中文"); got != "中文" || changed {
		t.Errorf("Mask = %q, %v; want text unchanged", got, changed)
	}
}

func TestMaskReturnsSameStringWhenClean(t *testing.T) {
	f := New([]string{"bad", "坏蛋"})
	text := strings.Repeat("a perfectly fine message 你好 ", 8)
	got, changed := f.Mask(text)
	if changed || got != text {
		t.Fatalf("Mask changed a clean text: %q", got)
	}
	if !sameString(got, text) {
		t.Error("Mask returned a copy instead of the input string")
	}
}

// sameString reports whether a and b share backing memory, which is what
// "returned unchanged" promises callers that keep the original around.
func sameString(a, b string) bool {
	return len(a) == len(b) && unsafe.StringData(a) == unsafe.StringData(b)
}

func TestConcurrentUse(t *testing.T) {
	words := []string{"bad", "FUCK", "坏蛋", "ab", "bc"}
	f := New(words)
	cases := map[string]string{
		"a bad day":  "a *** day",
		"Fuck that":  "**** that",
		"你是坏蛋吗":      "你是**吗",
		"abc":        "***",
		"clean text": "clean text",
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				for in, want := range cases {
					if got, _ := f.Mask(in); got != want {
						errs <- fmt.Errorf("goroutine %d iter %d: Mask(%q) = %q; want %q", g, i, in, got, want)
						return
					}
					if f.Contains(in) != (in != want) {
						errs <- fmt.Errorf("goroutine %d: Contains(%q) wrong", g, in)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestAgainstReference throws many short, heavily overlapping words at the
// automaton under several table budgets, including ones that split it
// between dense and sparse states mid-depth.
func TestAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "B", "b", "c", "中", "文", "*", " "}
	pick := func(n int) string {
		var sb strings.Builder
		for range n {
			sb.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return sb.String()
	}
	for round := range 300 {
		words := make([]string, 1+r.IntN(40))
		for i := range words {
			words[i] = pick(1 + r.IntN(6))
		}
		words = slices.DeleteFunc(words, func(w string) bool { return strings.Trim(w, "*") == "" })
		for _, budget := range []int{0, 20, 200, denseBudget} {
			f := newFilter(words, budget)
			for range 20 {
				text := pick(r.IntN(40))
				got, changed := f.Mask(text)
				if want := naiveMask(words, text); got != want || changed != (want != text) {
					t.Fatalf("round %d budget %d words %q: Mask(%q) = %q, %v; want %q",
						round, budget, words, text, got, changed, want)
				}
			}
		}
	}
}
