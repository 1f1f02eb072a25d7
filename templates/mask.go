package templates

import (
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
)

// MinMaskLen is the shortest value a Masker hides: shorter ones would
// blank out ordinary output ("a", "on", "yes").
const MinMaskLen = 4

// Mask is what a Masker writes in place of a secret.
const Mask = "*****"

// maskOutBuf bounds the Masker's output buffer; larger plain stretches go
// to the destination without a copy.
const maskOutBuf = 32 << 10

// Masker is an io.Writer that replaces every secret value, each line of
// a multi-line value, and the forms whitespace handling gives them
// (trimmed, or words joined by one space as echo $V prints them), with
// Mask before passing output on. Every byte of
// every occurrence is hidden, overlapping and adjacent ones included; a
// run of hidden bytes becomes one Mask. It finds occurrences with an
// Aho–Corasick automaton, so time is linear in the output whatever the
// secrets, and it holds back only the bytes at the end of a write that
// could still start a secret: interactive output is not delayed by line
// buffering, and memory is bounded by the longest secret. Close masks and
// writes what was held back.
//
// A secret that itself contains '*' can be spelled by a Mask and the
// plain bytes beside it; every other secret never reaches the output.
type Masker struct {
	w  io.Writer
	ac *automaton // nil: nothing to mask

	mu     sync.Mutex
	closed bool
	err    error // the destination's first error: nothing more is written
	state  int32 // automaton state after the last byte written
	pos    int64 // stream offset of the next byte
	done   int64 // bytes before this offset have been written out
	// maskEnd is where the last Mask written stops: a hidden stretch that
	// starts there continues it instead of adding a second Mask.
	maskEnd int64
	// held is the stream from done to pos: buf[lo:], at most the longest
	// secret minus one byte between writes.
	buf []byte
	lo  int
	// runs are the hidden stretches not yet written out, in order,
	// disjoint and not touching: runs[head:].
	runs []hiddenRun
	head int
	out  []byte // output buffer, at most maskOutBuf
}

// hiddenRun is a stretch [start, end) of stream offsets to hide.
type hiddenRun struct{ start, end int64 }

// MaskPatterns returns what NewMasker will hide for values, and the
// values it will not hide because they are shorter than MinMaskLen.
func MaskPatterns(values []string) (patterns []string, tooShort []int) {
	seen := map[string]bool{}
	add := func(s string) {
		if len(s) >= MinMaskLen && !seen[s] {
			seen[s] = true
			patterns = append(patterns, s)
		}
	}
	for i, v := range values {
		if v != "" && len(v) < MinMaskLen {
			tooShort = append(tooShort, i)
		}
		add(v)
		addSpaced(v, add)
		if strings.ContainsAny(v, "\r\n") {
			for _, l := range strings.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == '\r' }) {
				add(l)
				addSpaced(l, add)
			}
		}
	}
	sort.SliceStable(patterns, func(i, j int) bool { return len(patterns[i]) > len(patterns[j]) })
	return patterns, tooShort
}

// addSpaced adds the forms of v that its whitespace commonly takes in
// output: trimmed (read, xargs, strip()), and as a shell's unquoted $V
// prints it (echo $V: its words, split on space, tab and newline, joined
// by single spaces).
func addSpaced(v string, add func(string)) {
	add(strings.TrimSpace(v))
	add(strings.Join(strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' }), " "))
}

// NewMasker masks values in everything written to w.
func NewMasker(w io.Writer, values []string) *Masker {
	m := &Masker{w: w, maskEnd: -1}
	if patterns, _ := MaskPatterns(values); len(patterns) > 0 {
		m.ac = newAutomaton(patterns)
	}
	return m
}

// Write masks p and passes on all it can; it reports len(p) on success,
// and the destination's error when writing to it fails.
func (m *Masker) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, io.ErrClosedPipe
	}
	if m.err != nil {
		return 0, m.err
	}
	if m.ac == nil {
		n, err := m.w.Write(p)
		m.err = err
		return n, err
	}
	ac, s, start := m.ac, m.state, m.pos
	states := ac.states
	for i := 0; i < len(p); i++ {
		if s == 0 {
			// Fast path: skip what cannot start a secret.
			for i < len(p) && ac.root[p[i]] == 0 {
				i++
			}
			if i == len(p) {
				break
			}
			s = ac.root[p[i]]
		} else {
			// ac.next, by hand: the call is most of the cost.
			c := p[i]
			for {
				st := &states[s]
				if st.n == 1 {
					if st.label == c {
						s = st.only
						break
					}
				} else if t := ac.child(st, c); t != 0 {
					s = t
					break
				}
				if s = st.fail; s == 0 {
					s = ac.root[c] // never a match: patterns are longer
					break
				}
			}
		}
		if s&matches != 0 {
			s &^= matches
			n := states[s].match
			end := start + int64(i) + 1
			m.hide(end-int64(n), end)
			if len(m.runs)-m.head > ac.maxLen {
				// Many short secrets in one long write: write out what
				// no later match can reach, so runs stay bounded.
				if err := m.emit(end-int64(states[s].depth), p, start); err != nil {
					return 0, err
				}
			}
		}
	}
	m.state, m.pos = s&^matches, start+int64(len(p))
	if err := m.emit(m.pos-int64(ac.states[s].depth), p, start); err != nil {
		return 0, err
	}
	m.hold(p, start)
	if err := m.flush(); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close masks and writes what was held back; it does not close the
// underlying writer. Later writes fail.
func (m *Masker) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || m.ac == nil || m.err != nil {
		m.closed = true
		return m.err
	}
	m.closed = true
	if err := m.emit(m.pos, nil, m.pos); err != nil {
		return err
	}
	m.buf, m.runs = nil, nil
	return m.flush()
}

// hide records [start, end) as hidden, merged with the runs it overlaps
// or touches. Ends only grow, so only the last runs can merge.
func (m *Masker) hide(start, end int64) {
	for len(m.runs) > m.head && m.runs[len(m.runs)-1].end >= start {
		start = min(start, m.runs[len(m.runs)-1].start)
		m.runs = m.runs[:len(m.runs)-1]
	}
	if m.head > 0 && m.head == len(m.runs) {
		m.runs, m.head = m.runs[:0], 0
	}
	m.runs = append(m.runs, hiddenRun{start, end})
}

// emit writes the stream from m.done up to offset to, hidden runs as one
// Mask each. The bytes come from what was held and then from p, which
// starts at stream offset pStart.
func (m *Masker) emit(to int64, p []byte, pStart int64) error {
	for m.done < to {
		if m.head < len(m.runs) && m.runs[m.head].start <= m.done {
			r := m.runs[m.head]
			if m.done != m.maskEnd {
				if err := m.put(m.ac.mask); err != nil {
					return err
				}
			}
			m.done = min(r.end, to)
			m.maskEnd = m.done
			if m.done == r.end {
				m.head++
			}
			continue
		}
		next := to
		if m.head < len(m.runs) {
			next = min(next, m.runs[m.head].start)
		}
		var seg []byte
		if m.done < pStart { // held bytes
			off := m.lo + int(m.done-(pStart-int64(len(m.buf)-m.lo)))
			seg = m.buf[off : off+int(min(next, pStart)-m.done)]
		} else {
			seg = p[m.done-pStart : next-pStart]
		}
		if err := m.put(seg); err != nil {
			return err
		}
		m.done += int64(len(seg))
	}
	if m.head > len(m.runs)/2 { // drop written runs, amortised
		m.runs = m.runs[:copy(m.runs, m.runs[m.head:])]
		m.head = 0
	}
	return nil
}

// hold keeps the bytes from m.done to the end of p (which starts at
// stream offset pStart) for the next write: at most the longest secret.
func (m *Masker) hold(p []byte, pStart int64) {
	keep := p
	if m.done >= pStart {
		m.buf, m.lo = m.buf[:0], 0
		keep = p[m.done-pStart:]
	} else {
		m.lo += int(int64(len(m.buf)-m.lo) - (pStart - m.done)) // drop what was written
	}
	if len(m.buf)+len(keep) > cap(m.buf) {
		// Slide the held bytes to the front; the buffer is twice the
		// longest secret, so this happens at most once per secret's
		// length of input.
		kept := copy(m.buf, m.buf[m.lo:])
		m.buf, m.lo = m.buf[:kept], 0
		if kept+len(keep) > cap(m.buf) {
			m.buf = append(make([]byte, 0, max(2*m.ac.maxLen, kept+len(keep))), m.buf...)
		}
	}
	m.buf = append(m.buf, keep...)
}

// put queues b for the destination, writing when the buffer is full; a
// large b is written as it is.
func (m *Masker) put(b []byte) error {
	if len(m.out)+len(b) <= maskOutBuf {
		m.out = append(m.out, b...)
		return nil
	}
	if err := m.flush(); err != nil {
		return err
	}
	if len(b) >= maskOutBuf {
		_, m.err = m.w.Write(b)
		return m.err
	}
	m.out = append(m.out, b...)
	return nil
}

func (m *Masker) flush() error {
	if len(m.out) == 0 {
		return nil
	}
	_, m.err = m.w.Write(m.out)
	m.out = m.out[:0]
	return m.err
}

// automaton is an Aho–Corasick automaton over the patterns: a trie whose
// states are prefixes of patterns, with failure links to the longest
// proper suffix that is also a prefix. State 0 is the root.
type automaton struct {
	root   [256]int32 // the root's transitions, dense: 0 stays at the root
	states []acState
	edges  []int32 // children of states with more than one
	labels []byte  // the byte of each edge, sorted within a state
	maxLen int
	mask   []byte // Mask, ready to write
}

// matches marks a transition's target as a state where a pattern ends, so
// the hot loop reads a state's match only when there is one.
const matches = 1 << 30

// acState is one state, with what the hot loop reads side by side.
type acState struct {
	fail  int32
	match int32 // length of the longest pattern ending here, or 0
	depth int32 // length of the prefix this state stands for
	// Children: the only one in label/only (most states of a long
	// secret), or edges[first:first+n]; targets carry the matches bit.
	first, n int32
	only     int32
	label    byte
}

func newAutomaton(patterns []string) *automaton {
	// The trie, with children as sibling lists while it is built.
	type node struct {
		child, sibling int32
		label          byte
		terminal       bool
	}
	nodes := []node{{child: -1, sibling: -1}}
	a := &automaton{mask: []byte(Mask)}
	for _, p := range patterns {
		a.maxLen = max(a.maxLen, len(p))
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := nodes[s].child
			for c >= 0 && nodes[c].label != p[i] {
				c = nodes[c].sibling
			}
			if c < 0 {
				c = int32(len(nodes))
				nodes = append(nodes, node{child: -1, sibling: nodes[s].child, label: p[i]})
				nodes[s].child = c
			}
			s = c
		}
		nodes[s].terminal = true
	}

	// Number the states breadth first, so a state's failure link and its
	// match are known before its children need them.
	n := len(nodes)
	order := make([]int32, 1, n) // state → trie node
	a.states = make([]acState, n)
	var kids []int32
	for k := 0; k < len(order); k++ {
		kids = kids[:0]
		for c := nodes[order[k]].child; c >= 0; c = nodes[c].sibling {
			kids = append(kids, c)
		}
		slices.SortFunc(kids, func(x, y int32) int { return int(nodes[x].label) - int(nodes[y].label) })
		st := &a.states[k]
		st.first, st.n = int32(len(a.edges)), int32(len(kids))
		for _, c := range kids {
			t := int32(len(order))
			order = append(order, c)
			if k == 0 {
				a.root[nodes[c].label] = t
			}
			if len(kids) == 1 {
				st.only, st.label = t, nodes[c].label
			} else {
				a.edges = append(a.edges, t)
				a.labels = append(a.labels, nodes[c].label)
			}
		}
	}
	for s := range int32(n) {
		a.forEachChild(s, func(c byte, t int32) {
			a.states[t].depth = a.states[s].depth + 1
			if s != 0 {
				a.states[t].fail = a.next(a.states[s].fail, c)
			}
			if nodes[order[t]].terminal {
				a.states[t].match = a.states[t].depth
			} else {
				a.states[t].match = a.states[a.states[t].fail].match
			}
		})
	}
	for s := range a.states {
		st := &a.states[s]
		if st.n == 1 && a.states[st.only].match > 0 {
			st.only |= matches
		}
	}
	for e, t := range a.edges {
		if a.states[t].match > 0 {
			a.edges[e] |= matches
		}
	}
	return a
}

func (a *automaton) forEachChild(s int32, f func(c byte, t int32)) {
	st := &a.states[s]
	if st.n == 1 {
		f(st.label, st.only&^matches)
		return
	}
	for e := st.first; e < st.first+st.n; e++ {
		f(a.labels[e], a.edges[e]&^matches)
	}
}

// next is the state after reading c in state s (while building: before
// transitions carry the matches bit).
func (a *automaton) next(s int32, c byte) int32 {
	for s != 0 {
		st := &a.states[s]
		if st.n == 1 {
			if st.label == c {
				return st.only
			}
		} else if t := a.child(st, c); t != 0 {
			return t
		}
		s = st.fail
	}
	return a.root[c]
}

// child is st's transition on c in the trie, or 0, for a state without
// exactly one child.
func (a *automaton) child(st *acState, c byte) int32 {
	lo, hi := st.first, st.first+st.n
	if st.n <= 8 {
		for e := lo; e < hi; e++ {
			if a.labels[e] == c {
				return a.edges[e]
			}
		}
		return 0
	}
	end := hi
	for lo < hi {
		mid := int32(uint32(lo+hi) >> 1)
		if a.labels[mid] < c {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < end && a.labels[lo] == c {
		return a.edges[lo]
	}
	return 0
}
