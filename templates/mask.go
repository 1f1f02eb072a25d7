package templates

import (
	"bytes"
	"io"
	"sort"
	"strings"
	"sync"
)

// MinMaskLen is the shortest value a Masker hides: shorter ones would
// blank out ordinary output ("a", "on", "yes").
const MinMaskLen = 4

// Mask is what a Masker writes in place of a secret.
const Mask = "*****"

// Masker is an io.Writer that replaces every secret value, and each line
// of a multi-line value, with Mask before passing output on. It holds back
// only the bytes at the end of a write that could start a secret, so
// interactive output is not delayed by line buffering, and its memory is
// bounded by the longest secret. Close flushes what it held.
type Masker struct {
	w        io.Writer
	patterns [][]byte   // longest first, so a whole value beats one of its lines
	byFirst  [256][]int // indexes into patterns, by first byte
	starts   [256]bool  // byFirst[c] != nil, for the hot loop
	maxLen   int

	mu      sync.Mutex
	pending []byte // held back: may be the start of a secret
	out     []byte // reused output buffer
}

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
		if strings.ContainsAny(v, "\r\n") {
			for _, l := range strings.FieldsFunc(v, func(r rune) bool { return r == '\n' || r == '\r' }) {
				add(l)
			}
		}
	}
	sort.SliceStable(patterns, func(i, j int) bool { return len(patterns[i]) > len(patterns[j]) })
	return patterns, tooShort
}

// NewMasker masks values in everything written to w.
func NewMasker(w io.Writer, values []string) *Masker {
	m := &Masker{w: w}
	patterns, _ := MaskPatterns(values)
	for _, p := range patterns {
		m.byFirst[p[0]] = append(m.byFirst[p[0]], len(m.patterns))
		m.starts[p[0]] = true
		m.patterns = append(m.patterns, []byte(p))
		m.maxLen = max(m.maxLen, len(p))
	}
	return m
}

// Write masks p and passes on all it can; it reports len(p) on success.
func (m *Masker) Write(p []byte) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.patterns) == 0 {
		return m.w.Write(p)
	}
	buf := p
	if len(m.pending) > 0 {
		buf = append(m.pending, p...)
	}
	rest := m.scan(buf)
	m.pending = append(m.pending[:0], rest...) // memmove: rest may alias pending
	if len(m.out) > 0 {
		if _, err := m.w.Write(m.out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Close writes what was held back; it does not close the underlying writer.
func (m *Masker) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.pending) == 0 {
		return nil
	}
	_, err := m.w.Write(m.pending)
	m.pending = nil
	return err
}

// scan puts buf with complete matches replaced into m.out and returns the
// tail that may be the start of a secret continued by the next write.
func (m *Masker) scan(buf []byte) (rest []byte) {
	b := m.out[:0]
	defer func() { m.out = b }()
	i, copied := 0, 0
	for i < len(buf) {
		// Jump to the next byte that can start a pattern.
		j := i
		for j < len(buf) && !m.starts[buf[j]] {
			j++
		}
		if j == len(buf) {
			break
		}
		if m.prefixAt(buf[j:]) {
			// buf[j:] may be a secret (or a longer one than what matches
			// now) cut by the read boundary: hold it for the next write.
			b = append(b, buf[copied:j]...)
			return buf[j:]
		}
		if p := m.matchAt(buf[j:]); p > 0 {
			b = append(b, buf[copied:j]...)
			b = append(b, Mask...)
			i = j + p
			copied = i
			continue
		}
		i = j + 1
	}
	b = append(b, buf[copied:]...)
	return nil
}

// matchAt returns the length of the longest pattern at the start of s.
func (m *Masker) matchAt(s []byte) int {
	for _, k := range m.byFirst[s[0]] {
		if bytes.HasPrefix(s, m.patterns[k]) {
			return len(m.patterns[k])
		}
	}
	return 0
}

// prefixAt reports whether s (the whole rest of the buffer) is a proper
// prefix of some pattern.
func (m *Masker) prefixAt(s []byte) bool {
	if len(s) >= m.maxLen {
		return false
	}
	for _, k := range m.byFirst[s[0]] {
		if p := m.patterns[k]; len(s) < len(p) && bytes.HasPrefix(p, s) {
			return true
		}
	}
	return false
}
