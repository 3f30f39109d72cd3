package wordfilter

// denseBudget caps the full transition table at 1Mi entries (4 MiB).
// Small lists fit entirely; for large ones the budget still covers the
// shallow states a scan sits in almost all the time, while the deep tail of
// the trie, which grows with the list, costs only its edges.
const denseBudget = 1 << 20

// trieNode is a node of the keyword trie before it becomes an automaton.
type trieNode struct {
	child, sibling int32 // first child and next sibling, -1 if none
	class          uint8
	wordLen        int32 // length of the word ending here, 0 if none
}

// compile builds the automaton for words, which must be non-empty,
// distinct after ASCII case folding, and free of empty strings. budget is
// the number of dense table entries to aim for; the root row is always
// dense whatever the budget.
func compile(words []string, budget int) *automaton {
	a := &automaton{}
	a.stride = assignClasses(&a.class, words)
	nodes := buildTrie(&a.class, words)
	order := bfsOrder(nodes)

	nDense := min(len(order), max(1, budget/int(a.stride)))
	if uint64(nDense)*uint64(a.stride)+uint64(len(order)-nDense) >= matchFlag {
		panic("wordfilter: word list too large")
	}
	a.denseRefs = uint32(nDense) * a.stride
	a.dense = make([]uint32, a.denseRefs)
	a.denseLen = make([]int32, nDense)
	a.sparse = make([]sparseState, len(order)-nDense)

	// Everything below is indexed by BFS position. BFS order matters: a
	// state's failure target is shallower, hence earlier, so its row or
	// edges are final by the time the state itself is filled in. It also
	// means every dense state's failure target is dense.
	pos := make([]int32, len(nodes))
	for i, n := range order {
		pos[n] = int32(i)
	}
	refOf, bfsOfSparse := assignRefs(nodes, pos, nDense, a.stride)
	fail := make([]int32, len(order))
	maxLen := make([]int32, len(order))
	ref := func(i int32) uint32 {
		if maxLen[i] > 0 {
			return refOf[i] | matchFlag
		}
		return refOf[i]
	}
	unref := func(r uint32) int32 {
		r &^= matchFlag
		if r < a.denseRefs {
			return int32(r / a.stride)
		}
		return bfsOfSparse[r-a.denseRefs]
	}
	// delta is the automaton's transition on already finished states.
	delta := func(i int32, c uint8) int32 {
		for int(i) >= nDense {
			for n := nodes[order[i]].child; n >= 0; n = nodes[n].sibling {
				if nodes[n].class == c {
					return pos[n]
				}
			}
			i = fail[i]
		}
		return unref(a.dense[uint32(i)*a.stride+uint32(c)])
	}

	for i := range int32(len(order)) {
		node := order[i]
		// Children first: their failure links and lengths feed ref().
		for n := nodes[node].child; n >= 0; n = nodes[n].sibling {
			v, f := pos[n], int32(0)
			if i != 0 {
				f = delta(fail[i], nodes[n].class)
			}
			fail[v] = f
			maxLen[v] = max(nodes[n].wordLen, maxLen[f])
		}
		if int(i) < nDense {
			row := a.dense[uint32(i)*a.stride : uint32(i+1)*a.stride]
			if i != 0 {
				// Missing edges behave as from the failure state, whose
				// row is already complete.
				copy(row, a.dense[uint32(fail[i])*a.stride:])
			}
			for n := nodes[node].child; n >= 0; n = nodes[n].sibling {
				row[nodes[n].class] = ref(pos[n])
			}
			a.denseLen[i] = maxLen[i]
			continue
		}
		st := &a.sparse[refOf[i]-a.denseRefs]
		st.lo = uint32(len(a.edges))
		for n := nodes[node].child; n >= 0; n = nodes[n].sibling {
			e := edge{class: nodes[n].class, to: ref(pos[n])}
			if st.first.class == 0 {
				st.first = e
			} else {
				a.edges = append(a.edges, e)
			}
		}
		st.hi = uint32(len(a.edges))
		st.fail = refOf[fail[i]]
		st.maxLen = maxLen[i]
	}
	return a
}

// assignRefs returns the state reference of each BFS position, and the BFS
// position of each sparse slot. Dense rows follow BFS order, as compile
// requires; sparse slots follow depth-first order instead, so the states
// along one word sit next to each other and a scan walking down that word
// reads memory sequentially rather than jumping across the whole table.
func assignRefs(nodes []trieNode, pos []int32, nDense int, stride uint32) (refOf []uint32, bfsOfSparse []int32) {
	refOf = make([]uint32, len(nodes))
	bfsOfSparse = make([]int32, 0, len(nodes)-nDense)
	for i := range nDense {
		refOf[i] = uint32(i) * stride
	}
	denseRefs := uint32(nDense) * stride
	stack := []int32{0}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if p := pos[n]; int(p) >= nDense {
			refOf[p] = denseRefs + uint32(len(bfsOfSparse))
			bfsOfSparse = append(bfsOfSparse, p)
		}
		// Pushed in sibling order, so the last sibling is visited first;
		// any fixed order keeps a chain of single children contiguous.
		for c := nodes[n].child; c >= 0; c = nodes[c].sibling {
			stack = append(stack, c)
		}
	}
	return refOf, bfsOfSparse
}

// assignClasses gives every byte used by some word its own class, folding
// ASCII upper case onto lower case, and returns the number of classes.
// Unused bytes stay in class 0: they can only ever lead back to the root,
// so one shared column is enough and keeps rows short. The count fits a
// uint8 because valid UTF-8 never uses 13 of the 256 byte values and the
// 26 upper-case letters share their lower-case classes.
func assignClasses(class *[256]uint8, words []string) uint32 {
	var used [256]bool
	for _, w := range words {
		for i := 0; i < len(w); i++ {
			used[foldByte(w[i])] = true
		}
	}
	n := uint32(1)
	for b := range used {
		if used[b] {
			class[b] = uint8(n)
			n++
		}
	}
	for b := 'A'; b <= 'Z'; b++ {
		class[b] = class[b+'a'-'A']
	}
	return n
}

// buildTrie returns the trie of words over classes, node 0 being the root.
func buildTrie(class *[256]uint8, words []string) []trieNode {
	nodes := []trieNode{{child: -1, sibling: -1}}
	for _, w := range words {
		cur := int32(0)
		for i := 0; i < len(w); i++ {
			c := class[w[i]]
			n := nodes[cur].child
			for n >= 0 && nodes[n].class != c {
				n = nodes[n].sibling
			}
			if n < 0 {
				n = int32(len(nodes))
				nodes = append(nodes, trieNode{child: -1, sibling: nodes[cur].child, class: c})
				nodes[cur].child = n
			}
			cur = n
		}
		nodes[cur].wordLen = int32(len(w))
	}
	return nodes
}

// bfsOrder lists trie nodes breadth-first from the root.
func bfsOrder(nodes []trieNode) []int32 {
	order := make([]int32, 1, len(nodes))
	for i := 0; i < len(order); i++ {
		for n := nodes[order[i]].child; n >= 0; n = nodes[n].sibling {
			order = append(order, n)
		}
	}
	return order
}

// foldByte lower-cases an ASCII letter and leaves every other byte alone.
func foldByte(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}
