package templates

import (
	"bytes"
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
	if strings.Join(p, "|") != "x\nlonger line\nyz|longer line|abcd" {
		t.Errorf("patterns = %q", p)
	}
}

// BenchmarkMasker streams 100 MB of log-like output, in 32 KiB writes,
// through a masker holding 20 secrets; MB/s is the masker's throughput.
func BenchmarkMasker(b *testing.B) {
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
