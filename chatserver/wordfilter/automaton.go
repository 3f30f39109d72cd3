package wordfilter

import "unsafe"

// matchFlag marks a state reference whose state ends at least one word, so
// the scan loop learns about matches from the value it already loaded.
const matchFlag = 1 << 31

// automaton is an Aho-Corasick DFA over byte classes. States near the root,
// where scans spend nearly all their time, get a full transition row; the
// rest keep only their trie edges plus a failure link, which bounds memory
// for large lists without slowing the common path.
//
// A state reference is the state's row offset in dense (row*stride) when
// below denseRefs, else denseRefs plus its index in sparse. The root is
// always dense, at reference 0.
type automaton struct {
	// class maps a text byte to its column; ASCII upper and lower case
	// share one, and bytes no word uses share column 0.
	class     [256]uint8
	stride    uint32
	denseRefs uint32
	dense     []uint32
	// denseLen is, per dense row, the longest word ending in that state.
	denseLen []int32
	sparse   []sparseState
	edges    []edge
}

// sparseState is a state without a full row. Deep in the trie nearly every
// state has a single edge, so the first one is kept inline: a scan then
// touches one cache line per state instead of two.
type sparseState struct {
	first  edge   // class 0 if the state has no edges
	lo, hi uint32 // any further edges are edges[lo:hi]
	fail   uint32 // reference, never flagged
	maxLen int32  // longest word ending in this state, 0 if none
}

type edge struct {
	class uint8
	to    uint32 // reference, flagged if the target ends a word
}

// sparseStep returns the (possibly flagged) reference reached from the
// sparse state s on byte class c. The scan loops inline the dense case and
// call this only when they have left the dense rows.
func (a *automaton) sparseStep(s, c uint32) uint32 {
	if c == 0 {
		// No word contains this byte, so every state falls back to the root.
		return 0
	}
	for s >= a.denseRefs {
		st := &a.sparse[s-a.denseRefs]
		if uint32(st.first.class) == c {
			return st.first.to
		}
		for _, e := range a.edges[st.lo:st.hi] {
			if uint32(e.class) == c {
				return e.to
			}
		}
		s = st.fail
	}
	return a.dense[s+c]
}

// longest returns the length in bytes of the longest word ending in the
// state s refers to. Only called on flagged references, so the division
// stays off the per-byte path.
func (a *automaton) longest(s uint32) int {
	if s < a.denseRefs {
		return int(a.denseLen[s/a.stride])
	}
	return int(a.sparse[s-a.denseRefs].maxLen)
}

// contains reports whether any word occurs in text.
func (a *automaton) contains(text string) bool {
	s := uint32(0)
	for i := 0; i < len(text); i++ {
		c := uint32(a.class[text[i]])
		if s < a.denseRefs {
			s = a.dense[s+c]
		} else {
			s = a.sparseStep(s, c)
		}
		if s&matchFlag != 0 {
			return true
		}
	}
	return false
}

// span is a half-open byte range [start, end) of text to be masked.
type span struct{ start, end int }

// appendSpans appends the union of all matches in text to spans, as
// disjoint, non-adjacent ranges in increasing order.
//
// Only the longest word ending at each position is needed: every shorter
// word ending there lies inside it, so masking the longest covers them.
func (a *automaton) appendSpans(spans []span, text string) []span {
	s := uint32(0)
	for i := 0; i < len(text); i++ {
		c := uint32(a.class[text[i]])
		if s < a.denseRefs {
			s = a.dense[s+c]
		} else {
			s = a.sparseStep(s, c)
		}
		if s&matchFlag == 0 {
			continue
		}
		s &^= matchFlag
		sp := span{i + 1 - a.longest(s), i + 1}
		// Ends only grow, but a long word can start before earlier spans,
		// so fold in every span it overlaps or touches.
		for n := len(spans); n > 0 && spans[n-1].end >= sp.start; n = len(spans) {
			sp.start = min(sp.start, spans[n-1].start)
			spans = spans[:n-1]
		}
		spans = append(spans, sp)
	}
	return spans
}

// size is the automaton's memory footprint in bytes, for benchmarks.
func (a *automaton) size() int {
	return int(unsafe.Sizeof(*a)) +
		len(a.dense)*int(unsafe.Sizeof(a.dense[0])) +
		len(a.denseLen)*int(unsafe.Sizeof(a.denseLen[0])) +
		len(a.sparse)*int(unsafe.Sizeof(sparseState{})) +
		len(a.edges)*int(unsafe.Sizeof(edge{}))
}
