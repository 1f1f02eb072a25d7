package templates

// The rules of table's formats: what each refuses (refuse*) and how it
// quotes a value (the quoting functions), each checked by letting the
// real consumer read the output back (roundtrip_test.go).

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// --- checks -------------------------------------------------------------

func refuseNUL(_, v string) string {
	if strings.IndexByte(v, 0) >= 0 {
		return "it contains a NUL byte"
	}
	return ""
}

func refuseUTF8(n, v string) string {
	if why := refuseNUL(n, v); why != "" {
		return why
	}
	if !utf8.ValidString(v) {
		return "it is not valid UTF-8"
	}
	return ""
}

func refuseDotenv(n, v string) string {
	if why := refuseUTF8(n, v); why != "" {
		return why
	}
	switch {
	case strings.Contains(v, "'"):
		return "it contains a single quote"
	case strings.ContainsAny(v, "\r\n"):
		return "it spans lines"
	case strings.Contains(v, `\`):
		return "it contains a backslash"
	case strings.Contains(v, "${"):
		return "it contains ${, which python-dotenv expands"
	case strings.Contains(v, "$("):
		return "it contains $(, which dotenvx executes"
	}
	return ""
}

func refusePython(n, v string) string {
	if why := refuseUTF8(n, v); why != "" {
		return why
	}
	if strings.Contains(v, "${") {
		return "it contains ${, which python-dotenv expands and cannot escape"
	}
	if strings.HasSuffix(v, `\`) && !pyBare(v) {
		return "python-dotenv misreads a backslash right before a closing quote, and the value cannot go unquoted"
	}
	return ""
}

// hasBlankHash reports white space followed by #: python-dotenv's start
// of a comment in an unquoted value.
func hasBlankHash(v string) bool {
	for i := 1; i < len(v); i++ {
		if v[i] == '#' && strings.ContainsRune(" \t\n\r\v\f", rune(v[i-1])) {
			return true
		}
	}
	return false
}

// pyBare reports whether python-dotenv reads v unquoted as it is: one line,
// no blanks at the ends, no quote first, no " #" comment.
func pyBare(v string) bool {
	return v != "" && v == strings.TrimSpace(v) && !strings.ContainsAny(v, "\r\n") &&
		v[0] != '\'' && v[0] != '"' && !hasBlankHash(v)
}

func refuseNode(n, v string) string {
	if why := refuseUTF8(n, v); why != "" {
		return why
	}
	if nodeQuote(v) == 0 {
		return "it needs double quotes (a carriage return, or both quote kinds and a backtick) but holds a double quote, a backslash before n or r, or $("
	}
	return ""
}

func refuseDocker(n, v string) string {
	if why := refuseUTF8(n, v); why != "" {
		return why
	}
	if strings.ContainsAny(v, "\r\n") {
		return "docker --env-file reads one line per variable"
	}
	return ""
}

func refuseMake(n, v string) string {
	if why := refuseNUL(n, v); why != "" {
		return why
	}
	switch {
	case strings.Contains(v, "\r"):
		return "it contains a carriage return"
	case strings.HasSuffix(v, `\`):
		return "it ends with a backslash, which make reads as a line continuation"
	case strings.Contains(v, "\\\n"):
		return "a backslash ends one of its lines"
	}
	if strings.Contains(v, "\n") {
		for _, l := range strings.Split(v, "\n") {
			w := strings.TrimLeft(l, " \t")
			if strings.HasPrefix(w, "define") || strings.HasPrefix(w, "endef") {
				return "one of its lines starts with define or endef"
			}
		}
	}
	return ""
}

// refuseGitHubName refuses the variables the runner will not take from
// $GITHUB_ENV.
func refuseGitHubName(n string) error {
	if n != "NODE_OPTIONS" && !strings.HasPrefix(strings.ToUpper(n), "GITHUB_") {
		return nil
	}
	return &Error{Kind: KindUsage,
		Msg:  fmt.Sprintf("%s is a reserved name: the GitHub runner refuses to set NODE_OPTIONS or any GITHUB_* variable through $GITHUB_ENV", n),
		Hint: fmt.Sprintf("rename the variable: MY_%s=akv://VAULT/SECRET names it yourself (or --strip-prefix drops a prefix)", n)}
}

func refuseGitHub(n, v string) string {
	if why := refuseUTF8(n, v); why != "" {
		return why
	}
	if strings.Contains(v, "\r") {
		return "the runner reads $GITHUB_ENV line by line and takes a carriage return for a line break"
	}
	return ""
}

// refuseMakeLine is make's rule for one value on the right of ":=".
func refuseMakeLine(n, v string) string {
	if strings.Contains(v, "\n") {
		return "it spans lines; use akv export --format make, which writes define blocks"
	}
	return refuseMake(n, v)
}

// --- quoting ------------------------------------------------------------

// verbatim is docker's quoting: none, the value runs to the end of the line.
func verbatim(v string) string { return v }

// Shell quotes v for POSIX shells: '…' with ' as '\”.
func Shell(v string) string { return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'" }

// Fish quotes v for fish: '…' with \ and ' backslash-escaped.
func Fish(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// PowerShell quotes v as a verbatim string: ' and the curly single quotes
// PowerShell also ends strings on (U+2018–U+201B) are doubled.
func PowerShell(v string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range v {
		if r == '\'' || (r >= '\u2018' && r <= '\u201B') {
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

func quoteSingle(v string) string { return "'" + v + "'" }

// Compose quotes v for docker compose's env-file reader: double quotes
// with \\ \" \n \r escaped and $ doubled.
func Compose(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "$", "$$").Replace(v) + `"`
}

// PyDotenv quotes v for python-dotenv: double quotes with \\ \" \n \r;
// a value ending in a backslash goes unquoted, since python-dotenv's
// pattern takes "\\" before the closing quote for an escaped quote.
func PyDotenv(v string) string {
	if strings.HasSuffix(v, `\`) && pyBare(v) {
		return v
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`).Replace(v) + `"`
}

// nodeQuote picks the quote node dotenv reads v back from unchanged:
// ' or ` (literal, may span lines) when v holds no such quote and no CR
// (dotenv folds CRs into newlines), else " with \n and \r escapes; 0 when
// none fits. dotenvx runs $(…) in double quotes, so those must not hold it.
func nodeQuote(v string) byte {
	if !strings.Contains(v, "\r") {
		if !strings.Contains(v, "'") {
			return '\''
		}
		if !strings.Contains(v, "`") {
			return '`'
		}
	}
	if strings.ContainsAny(v, `"`) || strings.Contains(v, `\n`) || strings.Contains(v, `\r`) || strings.Contains(v, "$(") {
		return 0
	}
	return '"'
}

// NodeDotenv quotes v for node dotenv (see nodeQuote).
func NodeDotenv(v string) string {
	switch q := nodeQuote(v); q {
	case '"':
		return `"` + strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(v) + `"`
	default:
		return string(q) + v + string(q)
	}
}

// Systemd quotes v for EnvironmentFile=: double quotes, with " \ ` $
// backslash-escaped; newlines stay literal inside the quotes.
func Systemd(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", "$", `\$`).Replace(v) + `"`
}

func azureDevOps(v string) string {
	return strings.NewReplacer("%", "%AZP25", ";", "%3B", "]", "%5D", "\r", "%0D", "\n", "%0A").Replace(v)
}

// MakeValue escapes a single-line value for the right side of ":=".
func MakeValue(v string) string {
	var b strings.Builder
	if v != strings.TrimLeft(v, " \t") {
		b.WriteString("$()") // make drops leading blanks; an empty expansion keeps them
	}
	bs := 0 // backslashes seen right before the current character
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch c {
		case '$':
			b.WriteString("$$")
		case '#':
			// make halves backslashes before #: k of them become 2k+1.
			b.WriteString(strings.Repeat(`\`, bs+1))
			b.WriteByte('#')
		default:
			b.WriteByte(c)
		}
		if c == '\\' {
			bs++
		} else {
			bs = 0
		}
	}
	if v != strings.TrimRight(v, " \t") {
		b.WriteString("$()")
	}
	return b.String()
}

func makeVar(p Pair) string {
	if !strings.Contains(p.Value, "\n") {
		return "export " + p.Name + " := " + MakeValue(p.Value) + "\n"
	}
	// define keeps newlines; only $ needs doubling inside it.
	return "define " + p.Name + " :=\n" + strings.ReplaceAll(p.Value, "$", "$$") + "\nendef\nexport " + p.Name + "\n"
}

func writeGitHub(pairs []Pair) Output {
	var env, cmds bytes.Buffer
	for _, p := range pairs {
		for _, l := range strings.Split(p.Value, "\n") {
			if l != "" {
				cmds.WriteString("::add-mask::" + strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(l) + "\n")
			}
		}
		d := delimiter(p.Value)
		env.WriteString(p.Name + "<<" + d + "\n" + p.Value + "\n" + d + "\n")
	}
	return Output{Main: env.Bytes(), Commands: cmds.Bytes(), Append: true}
}

func delimiter(v string) string {
	for {
		var b [12]byte
		rand.Read(b[:])
		d := "ghadelimiter_" + hex.EncodeToString(b[:])
		if !strings.Contains(v, d) {
			return d
		}
	}
}

// JSON encodes v as a JSON string, leaving <, > and & readable.
func JSON(v string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

// YAML quotes v as a double-quoted YAML scalar: JSON's escaping, plus
// \u escapes for DEL and the C1 controls that YAML does not allow raw.
func YAML(v string) string {
	var b strings.Builder
	for _, r := range JSON(v) {
		if r == 0x7f || (r >= 0x80 && r <= 0x9f && r != 0x85) {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func writeJSON(pairs []Pair) Output {
	var b strings.Builder
	b.WriteString("{")
	for i, p := range pairs {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  " + JSON(p.Name) + ": " + JSON(p.Value))
	}
	if len(pairs) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	return Output{Main: []byte(b.String())}
}
