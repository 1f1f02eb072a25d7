package credential

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// Text from endpoints, servers and files goes into messages only through
// these: shortened, token-shaped runs removed, and inert on a terminal.

// jwtLike matches anything shaped like a token, to keep it out of error
// snippets. Compiled on first use: most runs never need it.
var jwtLike = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-.]*`) })

// snippet returns a short printable excerpt of a body for an error, with
// anything shaped like a token removed.
func snippet(b []byte) string {
	s := jwtLike().ReplaceAllString(string(b), "[redacted]")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// describeNetErr keeps dial errors readable: "connection refused" says more
// than the full *net.OpError chain.
func describeNetErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is in the message already
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("timed out: %w", err)
	}
	return err
}

// inert escapes control characters, so text from a server or a token
// cannot drive the terminal it is printed on.
func inert(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			fmt.Fprintf(&b, `\x%02x`, r)
		case r == '\u202e' || r == '\u202d' || r == '\u2066' || r == '\u2067' || r == '\u2068' || r == '\u2069':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func inertSnippet(body []byte) string { return inert(snippet(body)) }
