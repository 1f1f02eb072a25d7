package templates

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func maskAll(t *testing.T, values []string, chunks ...string) string {
	t.Helper()
	var out bytes.Buffer
	m := NewMasker(&out, values)
	for _, c := range chunks {
		if n, err := m.Write([]byte(c)); err != nil || n != len(c) {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestMaskerSplitAtEveryBoundary(t *testing.T) {
	values := []string{"s3cr3t-Pa55w0rd!", "line one\nline two", "abc"}
	in := "pw=s3cr3t-Pa55w0rd! ml=line one\nline two; one: line two; short abc; s3cr3t-Pa55 not it"
	want := "pw=***** ml=*****; one: *****; short abc; s3cr3t-Pa55 not it"
	for i := 0; i <= len(in); i++ {
		for j := i; j <= len(in); j += 7 {
			if got := maskAll(t, values, in[:i], in[i:j], in[j:]); got != want {
				t.Fatalf("split at %d,%d: got %q, want %q", i, j, got, want)
			}
		}
	}
	if got := maskAll(t, values, strings.Split(in, "")...); got != want {
		t.Fatalf("byte by byte: %q", got)
	}
}

func TestMasker25KiBValue(t *testing.T) {
	var v strings.Builder
	for v.Len() < 25*1024 {
		v.WriteString("0123456789abcdef")
	}
	secret := v.String()
	in := "before " + secret + " after " + secret[:100]
	rng := rand.New(rand.NewPCG(1, 2))
	var chunks []string
	for s := in; len(s) > 0; {
		n := min(len(s), 1+rng.IntN(4096))
		chunks = append(chunks, s[:n])
		s = s[n:]
	}
	if got, want := maskAll(t, []string{secret}, chunks...), "before ***** after "+secret[:100]; got != want {
		t.Fatalf("got %d bytes, want %q…", len(got), want[:40])
	}
}

func TestMaskerDoesNotHoldOrdinaryOutput(t *testing.T) {
	var out bytes.Buffer
	m := NewMasker(&out, []string{"s3cr3t"})
	m.Write([]byte("Password: "))
	if out.String() != "Password: " {
		t.Fatalf("held back %q without a reason", "Password: ")
	}
	m.Write([]byte("s3c"))
	if out.String() != "Password: " {
		t.Fatal("wrote a possible secret prefix before knowing")
	}
	m.Write([]byte("r3t\n"))
	if out.String() != "Password: *****\n" {
		t.Fatalf("got %q", out.String())
	}
}

func TestMaskPatternsShortValues(t *testing.T) {
	p, short := MaskPatterns([]string{"abc", "", "abcd", "x\nlonger line\nyz"})
	if len(short) != 1 || short[0] != 0 {
		t.Errorf("too short = %v, want [0]", short)
	}
	if strings.Join(p, "|") != "x\nlonger line\nyz|x longer line yz|longer line|abcd" {
		t.Errorf("patterns = %q", p)
	}
}

// A shell's unquoted $X (echo $X) trims a value and joins its words with
// single spaces; read, xargs and most languages' strip() trim it. Those
// forms are hidden too: today "  padded  " came out as "[ padded ]".
func TestMaskerHidesWhitespaceNormalisedForms(t *testing.T) {
	values := []string{"  padded  ", "ta\tb  c\n", "lf-1\nlf-2\nl3", "a b"}
	for in, want := range map[string]string{
		"[ padded ]":           "[ ***** ]",
		"[ta b c]":             "[*****]",
		"[lf-1 lf-2 l3]":       "[*****]",
		"x=ta\tb  c. y":        "x=*****. y",
		"printf: lf-1\nlf-2\n": "printf: *****\n*****\n",
		"short: a b":           "short: a b",
	} {
		if got := maskAll(t, values, in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

// BenchmarkMasker streams 100 MB of log-like output, in 32 KiB writes,
// through a masker holding 20 secrets; MB/s is the masker's throughput.
func BenchmarkMasker(b *testing.B) {
	b.ReportAllocs()
	var values []string
	for i := range 20 {
		values = append(values, strings.Repeat(string(rune('a'+i)), 8)+"-secret-value")
	}
	line := []byte("2026-11-25T17:00:00Z INFO request served in 12ms path=/api/v1/items status=200 user=someone\n")
	chunk := bytes.Repeat(line, 32*1024/len(line))
	copy(chunk[1000:], values[7]) // one secret per chunk, to be found and masked
	const total = 100 << 20
	b.SetBytes(total)
	for b.Loop() {
		m := NewMasker(ioDiscard{}, values)
		for n := 0; n < total; n += len(chunk) {
			m.Write(chunk)
		}
		m.Close()
	}
}

type ioDiscard struct{}

func (ioDiscard) Write(p []byte) (int, error) { return len(p), nil }

// naiveMask is the specification the Masker must meet: every byte of every
// occurrence of every pattern is hidden, and each maximal run of hidden
// bytes becomes one Mask; every other byte is kept, in order.
func naiveMask(values []string, in []byte) []byte {
	patterns, _ := MaskPatterns(values)
	hidden := make([]bool, len(in))
	for _, p := range patterns {
		for i := 0; i+len(p) <= len(in); i++ {
			if string(in[i:i+len(p)]) == p {
				for k := i; k < i+len(p); k++ {
					hidden[k] = true
				}
			}
		}
	}
	var out []byte
	for i, c := range in {
		switch {
		case !hidden[i]:
			out = append(out, c)
		case i == 0 || !hidden[i-1]:
			out = append(out, Mask...)
		}
	}
	return out
}

// Issue 11 point 1: what is held back at the end of the stream is masked
// like the rest (today it was written out in clear).
func TestMaskerEndOfStream(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []string
		in     string
		want   string
	}{
		{"lines of a multi-line value, cut by head -2", []string{"line-one-xyz\nline-two-xyz\nl3"},
			"line-one-xyz\nline-two-xyz\n", "*****\n*****\n"},
		{"a value that is the prefix of a longer one", []string{"aaaa", "aaaaaaaaaa"}, "aaaa", "*****"},
		{"a secret then a prefix of it", []string{"s3cr3t-value"}, "x s3cr3t-value s3cr3t", "x ***** s3cr3t"},
		{"a prefix of a secret containing a shorter one", []string{"abcdefgh", "cdef"}, "abcdefg", "ab*****g"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := maskAll(t, tc.values, tc.in); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			if got := maskAll(t, tc.values, strings.Split(tc.in, "")...); got != tc.want {
				t.Fatalf("byte by byte: got %q, want %q", got, tc.want)
			}
		})
	}
}

// Issue 11 point 1: overlapping and adjacent occurrences are masked in
// full (today "abcdefghijkl" with abcdefgh and efghijkl gave *****ijkl).
func TestMaskerOverlapsAndNeighbours(t *testing.T) {
	for _, tc := range []struct {
		values []string
		in     string
		want   string
	}{
		{[]string{"abcdefgh", "efghijkl"}, "abcdefghijkl", "*****"},
		{[]string{"abcdefgh", "efghijkl"}, "<abcdefghijkl>", "<*****>"},
		{[]string{"efghijkl", "abcdefgh"}, "abcdefghijklmn", "*****mn"},
		{[]string{"abcd"}, "abcdabcd", "*****"},
		{[]string{"abcd"}, "abcd abcd", "***** *****"},
		{[]string{"aaaa"}, "aaaaaaa", "*****"},
		{[]string{"abab"}, "abababa", "*****a"},
		{[]string{"1234", "2345678"}, "0123456789", "0*****9"},
		{[]string{"bcdefg", "abcd", "fghi"}, "abcdefghij", "*****j"},
		{[]string{"xyzw", "wxyz"}, "xyzwxyzwx", "*****x"},
	} {
		got := maskAll(t, tc.values, tc.in)
		if got != tc.want {
			t.Errorf("%q over %q: got %q, want %q", tc.values, tc.in, got, tc.want)
		}
		if want := string(naiveMask(tc.values, []byte(tc.in))); got != want {
			t.Errorf("%q over %q: got %q, the model says %q", tc.values, tc.in, got, want)
		}
	}
}

// TestMaskerAgreesWithModel streams random text over a small alphabet,
// full of overlapping secrets, in random chunks, and compares with the
// model byte for byte.
func TestMaskerAgreesWithModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 1))
	word := func(alphabet string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	for range 2000 {
		var values []string
		for range 1 + rng.IntN(4) {
			values = append(values, word("ab\nc", 1+rng.IntN(9)))
		}
		var in strings.Builder
		for in.Len() < rng.IntN(80) {
			if rng.IntN(3) == 0 {
				v := values[rng.IntN(len(values))]
				in.WriteString(v[:1+rng.IntN(len(v))])
			} else {
				in.WriteString(word("ab\nc*", 1+rng.IntN(4)))
			}
		}
		var chunks []string
		for s := in.String(); len(s) > 0; {
			n := min(len(s), 1+rng.IntN(6))
			chunks = append(chunks, s[:n])
			s = s[n:]
		}
		if got, want := maskAll(t, values, chunks...), string(naiveMask(values, []byte(in.String()))); got != want {
			t.Fatalf("%q in chunks %q: got %q, want %q", values, chunks, got, want)
		}
	}
}

// The pathological shape for a naive matcher: a 25 KB secret a…ab over a
// stream of a's, where every position starts a long partial match.
func pathological() (secret string, stream []byte) {
	return strings.Repeat("a", 25*1024-1) + "b", bytes.Repeat([]byte("a"), 10<<20)
}

// Memory is bounded by the longest secret, however the stream is cut.
func TestMaskerMemoryBounded(t *testing.T) {
	secret, stream := pathological()
	for _, size := range []int{1, 7, 4096, 1 << 20} {
		m := NewMasker(ioDiscard{}, []string{secret, "aaaa-not-here"})
		in := stream[:2<<20]
		for len(in) > 0 {
			n := min(size, len(in))
			m.Write(in[:n])
			in = in[n:]
		}
		if held := m.heldBytes(); held > 3*len(secret)+64<<10 {
			t.Errorf("%d-byte writes: the masker holds %d bytes for a %d-byte secret", size, held, len(secret))
		}
		m.Close()
	}
	// Many short secrets in one long write: the runs to hide stay bounded
	// too, and every one is masked.
	var out bytes.Buffer
	m := NewMasker(&out, []string{"abcd"})
	m.Write(bytes.Repeat([]byte("abcd-"), 200_000))
	if held := m.heldBytes(); held > 64<<10 {
		t.Errorf("one 1 MB write of short secrets: the masker holds %d bytes", held)
	}
	m.Close()
	if want := strings.Repeat("*****-", 200_000); out.String() != want {
		t.Errorf("short secrets in one long write: %d bytes out, want %d", out.Len(), len(want))
	}
}

// After the first writes, masking allocates nothing per write.
func TestMaskerSteadyStateAllocs(t *testing.T) {
	secret, stream := pathological()
	m := NewMasker(ioDiscard{}, []string{secret, "s3cr3t-value"})
	chunk := stream[:32<<10]
	m.Write(chunk)
	if n := testing.AllocsPerRun(100, func() { m.Write(chunk) }); n != 0 {
		t.Errorf("%v allocations per 32 KiB write", n)
	}
}

// A failing destination fails the write (run stops the command on it);
// a closed Masker refuses further writes.
func TestMaskerWriteErrors(t *testing.T) {
	m := NewMasker(failingWriter{}, []string{"s3cr3t-value"})
	if _, err := m.Write([]byte("some output\n")); err == nil {
		t.Fatal("Write passed over the destination's error")
	}
	m = NewMasker(&bytes.Buffer{}, []string{"s3cr3t-value"})
	m.Close()
	if _, err := m.Write([]byte("late output")); err == nil {
		t.Fatal("Write after Close succeeded")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// BenchmarkMaskerPathological: the 25 KB a…ab secret over 10 MB of a's in
// 32 KiB writes, which took a naive matcher 10.8 s.
func BenchmarkMaskerPathological(b *testing.B) {
	secret, stream := pathological()
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		m := NewMasker(ioDiscard{}, []string{secret})
		for in := stream; len(in) > 0; in = in[min(len(in), 32<<10):] {
			m.Write(in[:min(len(in), 32<<10)])
		}
		m.Close()
	}
}

// BenchmarkMaskerSmallWrites: log-like output in 64-byte writes, the
// shape of a program writing line by line to a pipe.
func BenchmarkMaskerSmallWrites(b *testing.B) {
	values := []string{"s3cr3t-Pa55w0rd!", "canary-7f3a9c1e5b", "line one\nline two"}
	line := []byte("2026-11-25T17:00:00Z INFO request served in 12ms status=200 user=s3cr3t\n")
	const total = 10 << 20
	b.SetBytes(total)
	b.ReportAllocs()
	for b.Loop() {
		m := NewMasker(ioDiscard{}, values)
		for n := 0; n < total; n += 64 {
			m.Write(line[:64])
		}
		m.Close()
	}
}

// heldBytes is what the Masker keeps between writes.
func (m *Masker) heldBytes() int { return cap(m.buf) + cap(m.out) + cap(m.runs)*16 }

// FuzzMasker: random secret sets, random streams made of them and of other
// bytes, random chunking (1-byte writes, EOF inside a secret). No secret of
// MinMaskLen bytes or more, nor such a line of a multi-line one, ever
// reaches the output, and the output is exactly the model's: every other
// byte unchanged and in order.
func FuzzMasker(f *testing.F) {
	f.Add([]byte("line-one-xyz\nline-two-xyz\nl3"), []byte("\xe0\x1a\x00"), []byte{0})
	f.Add([]byte("aaaa\x00aaaaaaaaaa"), []byte("\xf0"), []byte{3})
	f.Add([]byte("abcdefgh\x00efghijkl"), []byte("x\xf0\xf1y\xf1\xf0"), []byte{1, 5, 0, 9})
	f.Add([]byte("abab\x00baba\x00ab\nba"), []byte("ab\xf2ba\xe1\x03"), []byte{0, 0, 2})
	f.Add([]byte("s3cr3t"), []byte("pw=\xf0; half=\xe0\x03"), []byte{16})
	f.Fuzz(func(t *testing.T, secretBytes, script, cuts []byte) {
		// Secrets over a small alphabet, so that they overlap each other
		// and the rest of the stream; never the mask's own byte.
		const alphabet = "ab\nc\rdZ0"
		var values []string
		for _, s := range bytes.Split(secretBytes, []byte{0}) {
			v := make([]byte, len(s))
			for i, c := range s {
				v[i] = alphabet[int(c)%len(alphabet)]
			}
			values = append(values, string(v))
		}
		// The script: 0xf0-0xff writes a whole secret, 0xe0-0xef a prefix of
		// one (its length in the next byte), anything else a stream byte.
		var in []byte
		for i := 0; i < len(script); i++ {
			c := script[i]
			v := values[int(c&0x0f)%len(values)]
			switch {
			case c >= 0xf0:
				in = append(in, v...)
			case c >= 0xe0:
				n := 0
				if i+1 < len(script) {
					i++
					n = int(script[i])
				}
				in = append(in, v[:min(n, len(v))]...)
			default:
				in = append(in, "ab\nc\rdZ0*x"[int(c)%10])
			}
		}
		var out bytes.Buffer
		m := NewMasker(&out, values)
		for k, rest := 0, in; len(rest) > 0; k++ {
			n := 1
			if len(cuts) > 0 {
				n = 1 + int(cuts[k%len(cuts)])%64
			}
			n = min(n, len(rest))
			if w, err := m.Write(rest[:n]); err != nil || w != n {
				t.Fatalf("Write = %d, %v", w, err)
			}
			rest = rest[n:]
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		for _, v := range values {
			lines := []string{v}
			for _, l := range strings.Split(v, "\n") {
				lines = append(lines, strings.Split(l, "\r")...)
			}
			for _, l := range lines {
				if len(l) >= MinMaskLen && bytes.Contains(out.Bytes(), []byte(l)) {
					t.Fatalf("secret %q reached the output %q (input %q)", l, out.Bytes(), in)
				}
			}
		}
		if want := naiveMask(values, in); !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("input %q, secrets %q:\n got %q\nwant %q", in, values, out.Bytes(), want)
		}
	})
}
