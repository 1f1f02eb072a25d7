package main

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// inert makes text that came from a server (names, tags, content types,
// error codes and messages, token claims) safe to print on a terminal:
// C0 controls, DEL, C1 controls, bidi overrides and invalid UTF-8 are
// shown as escapes (\t, \x1b, \u009b, \u202e, \xff) instead of being
// sent raw, so a vault cannot write the clipboard (OSC 52), clear the
// screen, move the cursor or reorder a line. Backslashes stay as they
// are: this is for people, --json is the exact form.
func inert(s string) string {
	if isInert(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// isInert is inert's fast path: plain printable ASCII, or valid UTF-8
// without a rune inert escapes.
func isInert(s string) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return false
		}
		if c >= 0x80 {
			ascii = false
		}
	}
	if ascii {
		return true
	}
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unsafeRune(r) {
			return false
		}
	}
	return true
}

// unsafeRune: C1 controls (U+0080–U+009F, CSI and OSC among them for
// terminals that read 8-bit controls) and the bidi controls that reorder
// what a line appears to say.
func unsafeRune(r rune) bool {
	return r >= 0x80 && r <= 0x9f ||
		r == 0x061c || r == 0x200e || r == 0x200f ||
		r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// inertLines is inert for a multi-line message of akv's own making: its
// line breaks stay, everything inside a line is made inert.
func inertLines(s string) []string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = inert(l)
	}
	return lines
}

// inertJSON escapes, in JSON that encoding/json wrote, the runes inert
// escapes and encoding/json leaves raw (DEL, C1 controls, bidi overrides)
// as \uXXXX: the same text for a JSON reader, none of it live on a terminal.
// Outside strings such JSON holds only ASCII, so every one is in a string.
func inertJSON(b []byte) []byte {
	s := string(b)
	if isInert(s) {
		return b
	}
	var out bytes.Buffer
	for _, r := range s {
		if r == 0x7f || unsafeRune(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	return out.Bytes()
}
