package wordfilter

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// benchSeed fixes the generated words and texts so runs are comparable.
const benchSeed = 20240601

// randomWords returns n distinct words of 2–10 characters, shaped like a
// real block list: mostly Chinese phrases, some ASCII words, a few mixed.
// ASCII words start at 4 letters because random 2–3 letter entries would
// hit nearly every English message, which no real list does.
func randomWords(r *rand.Rand, n int) []string {
	seen := make(map[string]bool, n)
	words := make([]string, 0, n)
	for len(words) < n {
		var w string
		switch k := r.IntN(10); {
		case k < 6:
			w = randomHan(r, 2+r.IntN(9))
		case k < 9:
			w = randomASCII(r, 4+r.IntN(7))
		default:
			w = randomASCII(r, 1+r.IntN(3)) + randomHan(r, 1+r.IntN(3))
		}
		if !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	return words
}

// randomHan draws from the common CJK block so words share lead bytes with
// ordinary Chinese text, as real ones do.
func randomHan(r *rand.Rand, n int) string {
	var sb strings.Builder
	for range n {
		sb.WriteRune(rune(0x4E00 + r.IntN(0x9FA5-0x4E00)))
	}
	return sb.String()
}

func randomASCII(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + r.IntN(26))
	}
	return string(b)
}

// vocabulary is ordinary chat content for building messages.
var vocabulary = strings.Fields(`hello the meeting is at ten please review
	the document thanks see you tomorrow OK sure sounds good ping me when
	deploy done 你好 今天 我们 开会 谢谢 没问题 明天见 好的 收到`)

// randomTexts returns n messages of about size bytes. Every other one has a
// word from words spliced into the middle; the rest are checked clean.
func randomTexts(r *rand.Rand, f *Filter, words []string, n, size int) []string {
	texts := make([]string, 0, n)
	for len(texts) < n {
		var sb strings.Builder
		for sb.Len() < size {
			sb.WriteString(vocabulary[r.IntN(len(vocabulary))])
			sb.WriteByte(' ')
		}
		clean := sb.String()
		if f.Contains(clean) {
			continue
		}
		if len(texts)%2 == 1 {
			mid := strings.IndexByte(clean[len(clean)/2:], ' ') + len(clean)/2
			clean = clean[:mid] + " " + words[r.IntN(len(words))] + clean[mid:]
		}
		texts = append(texts, clean)
	}
	return texts
}

// BenchmarkMask measures the per-message budget: Contains and then Mask on
// the same 200-byte message, half of the messages hits. Calling both even
// on clean text gives an upper bound on what a caller can spend.
func BenchmarkMask(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprintf("words=%d", n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(benchSeed, uint64(n)))
			words := randomWords(r, n)
			f := New(words)
			texts := randomTexts(r, f, words, 64, 200)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				text := texts[i%len(texts)]
				f.Contains(text)
				f.Mask(text)
			}
		})
	}
}

// BenchmarkMaskOnly isolates Mask on clean and dirty messages, so a change
// in either path shows up on its own.
func BenchmarkMaskOnly(b *testing.B) {
	for _, n := range []int{100, 10000} {
		r := rand.New(rand.NewPCG(benchSeed, uint64(n)))
		words := randomWords(r, n)
		f := New(words)
		texts := randomTexts(r, f, words, 64, 200)
		for _, hit := range []bool{false, true} {
			b.Run(fmt.Sprintf("words=%d/hit=%v", n, hit), func(b *testing.B) {
				var sel []string
				for i, t := range texts {
					if (i%2 == 1) == hit {
						sel = append(sel, t)
					}
				}
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					f.Mask(sel[i%len(sel)])
				}
			})
		}
	}
}

// BenchmarkMaskNearMiss feeds messages made of words minus their last
// character: the scan keeps walking deep into the trie and falling back,
// the slowest path, which spam trying to dodge the filter would take.
func BenchmarkMaskNearMiss(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprintf("words=%d", n), func(b *testing.B) {
			r := rand.New(rand.NewPCG(benchSeed, uint64(n)))
			words := randomWords(r, n)
			f := New(words)
			texts := make([]string, 64)
			for i := range texts {
				var sb strings.Builder
				for sb.Len() < 200 {
					w := words[r.IntN(len(words))]
					_, size := utf8.DecodeLastRuneInString(w)
					sb.WriteString(w[:len(w)-size])
				}
				texts[i] = sb.String()
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				text := texts[i%len(texts)]
				f.Contains(text)
				f.Mask(text)
			}
		})
	}
}

// BenchmarkNew measures the rebuild cost paid each time the list changes.
func BenchmarkNew(b *testing.B) {
	r := rand.New(rand.NewPCG(benchSeed, 10000))
	words := randomWords(r, 10000)
	b.Run("words=10000", func(b *testing.B) {
		b.ReportAllocs()
		var f *Filter
		for b.Loop() {
			f = New(words)
		}
		b.ReportMetric(float64(f.a.size())/(1<<20), "table-MiB")
	})
}
