package templates

import (
	"fmt"
	"sort"
	"strings"
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

// DefaultFormat is the --format export uses when none is given.
const DefaultFormat = "shell"

// Format is one way of writing values down for one consumer. Each is
// declared once, in table; export (--format Name), render (the Escaper
// function), completion, --help and the README's formats table
// (TestREADMEFormatsTableMatchesTheCode) all read it from there.
type Format struct {
	Name    string // --format NAME; "" for an escaper with no --format (yaml)
	Escaper string // render's function with the same quoting and refusal; "" for none
	Help    string // one line, for export --help and completion
	Proof   string // the real consumer the round-trip tests read it back with (README: "proven against")
	Refuses string // the refusal rule in words (README: "refuses"), held to refuse by a test

	// Aliases are names people reach for instead (matched ignoring case):
	// --format with one is refused with a hint naming Name and AliasWhy.
	Aliases  []string
	AliasWhy string
	// Runner is the CI system whose channel this is: such a format is
	// never offered as the one that would carry a refused value.
	Runner string
	// AppendEnv names the variable that holds the file the output is
	// appended to when -o does not name one.
	AppendEnv string

	quote      func(v string) string       // one value, as its consumer reads it back
	refuse     func(name, v string) string // why v cannot be carried, or ""
	refuseName func(name string) error     // a variable name the consumer rejects, or nil
	line       string                      // one variable per line: fmt pattern of name and quoted value
	write      func([]Pair) Output         // the whole output, for formats that are not one line per variable
	escRefuse  func(name, v string) string // the escaper's refusal where it differs from refuse
}

// table is every format and escaper, in the order --help, completion and
// the README list them. To find how a format quotes a value, read its
// quote and refuse functions (quote.go).
func table() []Format {
	return []Format{{
		Name: "shell", Escaper: "shell",
		Help:    "eval in bash, dash, zsh, mksh, ksh, busybox sh",
		Proof:   "`eval` in bash, dash, zsh, mksh, ksh93, busybox sh",
		Refuses: "NUL",
		Aliases: []string{"bash", "sh", "zsh", "ksh", "dash", "posix", "export"}, AliasWhy: "its export lines are read by bash, zsh, dash, ksh and busybox sh alike",
		quote: Shell, refuse: refuseNUL, line: "export %s=%s\n",
	}, {
		Name: "fish", Escaper: "fish",
		Help:    "fish: … | source",
		Proof:   "fish `source`",
		Refuses: "NUL",
		quote:   Fish, refuse: refuseNUL, line: "set -gx %s %s\n",
	}, {
		Name: "powershell", Escaper: "powershell",
		Help:    "PowerShell: … | Out-String | Invoke-Expression",
		Proof:   "grammar of PowerShell verbatim strings (no PowerShell here)",
		Refuses: "NUL, invalid UTF-8",
		Aliases: []string{"pwsh", "ps1", "ps"}, AliasWhy: "$env: assignments for PowerShell",
		quote: PowerShell, refuse: refuseUTF8, line: "$env:%s = %s\n",
	}, {
		Name: "dotenv", Escaper: "dotenv",
		Help:    "the portable subset: compose, python-dotenv, node dotenv, godotenv, systemd",
		Proof:   "python-dotenv, node dotenv, compose-go, godotenv",
		Refuses: "NUL, `'`, `\\`, CR/LF, `${`, `$(`, invalid UTF-8",
		Aliases: []string{"env", ".env", "dot-env", "dotenv-file"}, AliasWhy: "the .env subset compose, python-dotenv, node dotenv and systemd all read (or dotenv-compose, dotenv-python, dotenv-node)",
		quote: quoteSingle, refuse: refuseDotenv, line: "%s=%s\n",
	}, {
		Name: "dotenv-compose", Escaper: "compose",
		Help:    "docker compose --env-file and env_file:",
		Proof:   "compose-go (docker compose v2's parser)",
		Refuses: "NUL, invalid UTF-8",
		Aliases: []string{"compose", "docker-compose"}, AliasWhy: "docker compose's --env-file and env_file:",
		quote: Compose, refuse: refuseUTF8, line: "%s=%s\n",
	}, {
		Name: "dotenv-python", Escaper: "pydotenv",
		Help:    "python-dotenv",
		Proof:   "python-dotenv",
		Refuses: "NUL, invalid UTF-8, `${`; a trailing `\\` unless the value can go unquoted",
		quote:   PyDotenv, refuse: refusePython, line: "%s=%s\n",
	}, {
		Name: "dotenv-node", Escaper: "nodedotenv",
		Help:    "node dotenv and dotenvx",
		Proof:   "node dotenv",
		Refuses: "NUL, invalid UTF-8, a value needing double quotes that holds `\"`, `\\n`/`\\r` text or `$(`",
		quote:   NodeDotenv, refuse: refuseNode, line: "%s=%s\n",
	}, {
		Name:    "docker",
		Help:    "docker run --env-file",
		Proof:   "grammar of `docker run --env-file` (no docker daemon here)",
		Refuses: "NUL, CR/LF, invalid UTF-8",
		quote:   verbatim, refuse: refuseDocker, line: "%s=%s\n",
	}, {
		Name: "systemd", Escaper: "systemd",
		Help:    "systemd EnvironmentFile=",
		Proof:   "grammar of systemd's env-file parser",
		Refuses: "NUL, invalid UTF-8",
		quote:   Systemd, refuse: refuseUTF8, line: "%s=%s\n",
	}, {
		Name: "make", Escaper: "make",
		Help:    "GNU make include",
		Proof:   "GNU make 4.3 `include`",
		Refuses: "NUL, CR, trailing `\\`, `\\` before a newline, lines starting `define`/`endef`",
		Aliases: []string{"makefile", "gmake", "mk"}, AliasWhy: "a GNU make include",
		// export writes multi-line values as define blocks; the escaper
		// quotes for the right of ":=", which holds one line.
		quote: MakeValue, refuse: refuseMake, write: lines(makeVar), escRefuse: refuseMakeLine,
	}, {
		Name:    "github",
		Help:    "GitHub Actions: ::add-mask:: on stdout, blocks appended to $GITHUB_ENV",
		Proof:   "grammar of the runner's env file and `::add-mask::`",
		Refuses: "NUL, CR, invalid UTF-8, `NODE_OPTIONS`, `GITHUB_*`",
		Aliases: []string{"gha", "actions", "github-actions"}, AliasWhy: "masks and $GITHUB_ENV blocks for GitHub Actions",
		Runner: "GitHub Actions", AppendEnv: "GITHUB_ENV",
		refuse: refuseGitHub, refuseName: refuseGitHubName, write: writeGitHub,
	}, {
		Name:    "azure-devops",
		Help:    "Azure Pipelines ##vso[task.setvariable] logging commands",
		Proof:   "grammar of `##vso[task.setvariable]`",
		Refuses: "NUL",
		Aliases: []string{"azdo", "ado", "vso", "azure-pipelines"}, AliasWhy: "##vso logging commands for Azure Pipelines",
		Runner: "Azure Pipelines",
		quote:  azureDevOps, refuse: refuseNUL, line: "##vso[task.setvariable variable=%s;issecret=true]%s\n",
	}, {
		Name: "json", Escaper: "json",
		Help:    "jq and any JSON parser",
		Proof:   "Go's encoding/json and jq",
		Refuses: "NUL, invalid UTF-8",
		quote:   JSON, refuse: refuseUTF8, write: writeJSON,
	}, {
		Escaper: "yaml",
		Help:    "a double-quoted YAML scalar, for manifests (render only)",
		Proof:   "PyYAML (a Kubernetes Secret template)",
		Refuses: "NUL, invalid UTF-8",
		quote:   YAML, refuse: refuseUTF8,
	}}
}

// Formats lists every --format, in table order.
func Formats() []Format {
	var out []Format
	for _, f := range table() {
		if f.Name != "" {
			out = append(out, f)
		}
	}
	return out
}

// Escapers lists the table's entries that render offers as a function,
// in table order.
func Escapers() []Format {
	var out []Format
	for _, f := range table() {
		if f.Escaper != "" {
			out = append(out, f)
		}
	}
	return out
}

// EscaperNames is every escaping function render offers: the table's
// escapers, then the encodings that carry any byte.
func EscaperNames() []string {
	var names []string
	for _, f := range Escapers() {
		names = append(names, f.Escaper)
	}
	return append(names, "base64", "b64dec")
}

// Export renders pairs in the named format, or refuses: an unknown format
// or a bad name is a usage error, a value the format cannot carry is an
// unrepresentable error naming the variable (never the value) and the
// formats that would carry it. Nothing is produced on refusal.
func Export(formatName string, pairs []Pair) (Output, error) {
	f, err := FormatNamed(formatName)
	if err != nil {
		return Output{}, err
	}
	for _, p := range pairs {
		if !ValidName(p.Name) {
			return Output{}, &Error{Kind: KindUsage, Msg: fmt.Sprintf("%q is not a valid variable name", p.Name),
				Hint: "variable names are letters, digits and _, not starting with a digit"}
		}
		if f.refuseName != nil {
			if err := f.refuseName(p.Name); err != nil {
				return Output{}, err
			}
		}
		if why := f.refuse(p.Name, p.Value); why != "" {
			return Output{}, refusal(f.Name, p.Name, p.Value, why)
		}
	}
	if f.write != nil {
		return f.write(pairs), nil
	}
	return lines(func(p Pair) string { return fmt.Sprintf(f.line, p.Name, f.quote(p.Value)) })(pairs), nil
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

// FormatNamed returns the --format called name, or a usage error whose
// hint points from an alias to its format, or from a typo to the closest
// name.
func FormatNamed(name string) (Format, error) {
	var names []string
	for _, f := range Formats() {
		if f.Name == name {
			return f, nil
		}
		names = append(names, f.Name)
	}
	for _, f := range Formats() {
		for _, a := range f.Aliases {
			if strings.ToLower(name) == a {
				return Format{}, &Error{Kind: KindUsage, Msg: fmt.Sprintf("unknown format %q", name),
					Hint: fmt.Sprintf("use --format %s: %s", f.Name, f.AliasWhy)}
			}
		}
	}
	hint := "formats: " + strings.Join(names, ", ")
	if s := Closest(name, names); s != "" {
		hint = fmt.Sprintf("did you mean --format %s? (%s)", s, hint)
	}
	return Format{}, &Error{Kind: KindUsage, Msg: fmt.Sprintf("unknown format %q", name), Hint: hint}
}

func refusal(formatName, name, value, why string) error {
	var carriers []string
	for _, f := range Formats() {
		if f.Name != formatName && f.Runner == "" && f.refuse(name, value) == "" {
			carriers = append(carriers, f.Name)
		}
	}
	hint := "no other format carries this value either"
	if len(carriers) > 0 {
		hint = "formats that carry it: " + strings.Join(carriers, ", ")
	}
	return &Error{Kind: KindUnrepresentable, Msg: fmt.Sprintf("%s: format %s cannot carry this value: %s", name, formatName, why), Hint: hint}
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
