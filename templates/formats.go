package templates

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Pair is one variable to export.
type Pair struct {
	Name  string
	Value string
}

// Output is what a format produces. Most formats fill only Main; github
// also fills Commands (workflow commands for the runner's stdout) and
// expects Main to be appended to the runner's env file.
type Output struct {
	Main     []byte
	Commands []byte
	Append   bool // Main must be appended to its file, never replace it
}

// format is one --format: a name, a check that a value can be carried,
// and a writer for the whole output.
type format struct {
	name   string
	reader string // what reads it back, for the docs and --help
	refuse func(name, value string) string
	write  func(pairs []Pair) Output
}

// Formats lists every --format name with the consumer it is proven
// against, in the order --help shows them.
func Formats() [][2]string {
	var out [][2]string
	for _, f := range formats() {
		out = append(out, [2]string{f.name, f.reader})
	}
	return out
}

func formats() []format {
	return []format{
		{"shell", "eval in bash, dash, zsh, mksh, ksh, busybox sh", refuseNUL, lines(func(p Pair) string { return "export " + p.Name + "=" + Shell(p.Value) + "\n" })},
		{"fish", "fish: … | source", refuseNUL, lines(func(p Pair) string { return "set -gx " + p.Name + " " + Fish(p.Value) + "\n" })},
		{"powershell", "PowerShell: … | Out-String | Invoke-Expression", refuseUTF8, lines(func(p Pair) string { return "$env:" + p.Name + " = " + PowerShell(p.Value) + "\n" })},
		{"dotenv", "the portable subset: compose, python-dotenv, node dotenv, godotenv, systemd", refuseDotenv, lines(func(p Pair) string { return p.Name + "=" + quoteSingle(p.Value) + "\n" })},
		{"dotenv-compose", "docker compose --env-file and env_file:", refuseUTF8, lines(func(p Pair) string { return p.Name + "=" + Compose(p.Value) + "\n" })},
		{"dotenv-python", "python-dotenv", refusePython, lines(func(p Pair) string { return p.Name + "=" + PyDotenv(p.Value) + "\n" })},
		{"dotenv-node", "node dotenv and dotenvx", refuseNode, lines(func(p Pair) string { return p.Name + "=" + NodeDotenv(p.Value) + "\n" })},
		{"docker", "docker run --env-file", refuseDocker, lines(func(p Pair) string { return p.Name + "=" + p.Value + "\n" })},
		{"systemd", "systemd EnvironmentFile=", refuseUTF8, lines(func(p Pair) string { return p.Name + "=" + Systemd(p.Value) + "\n" })},
		{"make", "GNU make include", refuseMake, lines(makeVar)},
		{"github", "GitHub Actions: ::add-mask:: on stdout, blocks appended to $GITHUB_ENV", refuseGitHub, writeGitHub},
		{"azure-devops", "Azure Pipelines ##vso[task.setvariable] logging commands", refuseNUL, lines(func(p Pair) string {
			return "##vso[task.setvariable variable=" + p.Name + ";issecret=true]" + azureDevOps(p.Value) + "\n"
		})},
		{"json", "jq and any JSON parser", refuseUTF8, writeJSON},
	}
}

func lines(line func(Pair) string) func([]Pair) Output {
	return func(pairs []Pair) Output {
		var b strings.Builder
		for _, p := range pairs {
			b.WriteString(line(p))
		}
		return Output{Main: []byte(b.String())}
	}
}

// Export renders pairs in the named format, or refuses: an unknown format
// or a bad name is a usage error, a value the format cannot carry is an
// unrepresentable error naming the variable (never the value) and the
// formats that would carry it. Nothing is produced on refusal.
func Export(formatName string, pairs []Pair) (Output, error) {
	f, err := lookup(formatName)
	if err != nil {
		return Output{}, err
	}
	for _, p := range pairs {
		if !ValidName(p.Name) {
			return Output{}, &Error{Kind: KindUsage, Msg: fmt.Sprintf("%q is not a valid variable name", p.Name),
				Hint: "variable names are letters, digits and _, not starting with a digit"}
		}
		if f.name == "github" && reservedGitHub(p.Name) {
			return Output{}, &Error{Kind: KindUsage,
				Msg:  fmt.Sprintf("%s is a reserved name: the GitHub runner refuses to set NODE_OPTIONS or any GITHUB_* variable through $GITHUB_ENV", p.Name),
				Hint: fmt.Sprintf("rename the variable: MY_%s=akv://VAULT/SECRET names it yourself (or --strip-prefix drops a prefix)", p.Name)}
		}
		if why := f.refuse(p.Name, p.Value); why != "" {
			return Output{}, refusal(f.name, p.Name, p.Value, why)
		}
	}
	return f.write(pairs), nil
}

func lookup(name string) (format, error) {
	var names []string
	for _, f := range formats() {
		if f.name == name {
			return f, nil
		}
		names = append(names, f.name)
	}
	hint := "formats: " + strings.Join(names, ", ")
	if alt, why := formatAlias(name); alt != "" {
		return format{}, &Error{Kind: KindUsage, Msg: fmt.Sprintf("unknown format %q", name),
			Hint: fmt.Sprintf("use --format %s: %s", alt, why)}
	}
	if s := Closest(name, names); s != "" {
		hint = fmt.Sprintf("did you mean --format %s? (%s)", s, hint)
	}
	return format{}, &Error{Kind: KindUsage, Msg: fmt.Sprintf("unknown format %q", name), Hint: hint}
}

// formatAlias maps the names people reach for to akv's format.
func formatAlias(name string) (alt, why string) {
	switch strings.ToLower(name) {
	case "bash", "sh", "zsh", "ksh", "dash", "posix", "export":
		return "shell", "its export lines are read by bash, zsh, dash, ksh and busybox sh alike"
	case "env", ".env", "dot-env", "dotenv-file":
		return "dotenv", "the .env subset compose, python-dotenv, node dotenv and systemd all read (or dotenv-compose, dotenv-python, dotenv-node)"
	case "compose", "docker-compose":
		return "dotenv-compose", "docker compose's --env-file and env_file:"
	case "pwsh", "ps1", "ps":
		return "powershell", "$env: assignments for PowerShell"
	case "makefile", "gmake", "mk":
		return "make", "a GNU make include"
	case "gha", "actions", "github-actions":
		return "github", "masks and $GITHUB_ENV blocks for GitHub Actions"
	case "azdo", "ado", "vso", "azure-pipelines":
		return "azure-devops", "##vso logging commands for Azure Pipelines"
	}
	return "", ""
}

func refusal(formatName, name, value, why string) error {
	var carriers []string
	for _, f := range formats() {
		if f.name != formatName && f.name != "github" && f.name != "azure-devops" && f.refuse(name, value) == "" {
			carriers = append(carriers, f.name)
		}
	}
	hint := "no other format carries this value either"
	if len(carriers) > 0 {
		hint = "formats that carry it: " + strings.Join(carriers, ", ")
	}
	return &Error{Kind: KindUnrepresentable, Msg: fmt.Sprintf("%s: format %s cannot carry this value: %s", name, formatName, why), Hint: hint}
}

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

// reservedGitHub names the variables the runner refuses from $GITHUB_ENV.
func reservedGitHub(n string) bool {
	return n == "NODE_OPTIONS" || strings.HasPrefix(strings.ToUpper(n), "GITHUB_")
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

// --- quoting ------------------------------------------------------------

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

// Closest suggests the known word within edit distance 2 of s, or "".
func Closest(s string, words []string) string {
	best, bestD := "", 3
	sorted := append([]string(nil), words...)
	sort.Strings(sorted)
	for _, w := range sorted {
		if d := editDistance(s, w); d < bestD {
			best, bestD = w, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
