package templates

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	composedotenv "github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/joho/godotenv"
)

// vector is one hard value from testdata/values.json, under a variable name.
type vector struct {
	key   string // name in values.json
	name  string // variable name
	value string
}

// execProbes try to make a reader run a command; each would create a file
// in the reader's working directory if it did.
var execProbes = map[string]string{
	"exec-paren":    "$(touch pwned-paren)",
	"exec-backtick": "`touch pwned-backtick`",
	"exec-brace":    "${IFS}$(touch pwned-brace)",
	"exec-semi":     "'; touch pwned-semi; '",
	"exec-dquote":   "\"; touch pwned-dquote; \"",
}

// nulProbes are refused by every format (issue 11): no text consumer
// carries a NUL byte (C strings end there; bash drops it).
var nulProbes = map[string]string{
	"nul-inside": "before\x00after",
	"nul-only":   "\x00",
}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	data, err := os.ReadFile("testdata/values.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range execProbes {
		m[k] = v
	}
	for k, v := range nulProbes {
		m[k] = v
	}
	var out []vector
	for k, v := range m {
		out = append(out, vector{key: k, name: "V_" + strings.ToUpper(strings.ReplaceAll(k, "-", "_")), value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// refusals lists, per format, the vectors it must refuse; every other
// vector must round-trip. A change to either side fails the test.
var refusals = map[string][]string{
	"dotenv": {"backslash", "crlf", "dollar-brace", "dollar-paren", "exec-brace", "exec-paren", "exec-semi", "github-delim",
		"json-blob", "lone-cr", "mixed-quotes", "newline", "pem", "single-quote", "trailing-backslash", "trailing-newline"},
	"dotenv-python": {"dollar-brace", "exec-brace"},
	"docker":        {"crlf", "github-delim", "lone-cr", "newline", "pem", "trailing-newline"},
	"make":          {"crlf", "lone-cr", "trailing-backslash"},
	"github":        {"crlf", "lone-cr"},
}

// reader reads a format's output back the way its real consumer does and
// returns name → value.
type reader struct {
	format string
	name   string
	need   string // program that must be on PATH ("" for Go readers)
	read   func(t *testing.T, dir string, out Output, vs []vector) map[string]string
}

func readers() []reader {
	var rs []reader
	for _, sh := range [][]string{{"bash"}, {"dash"}, {"zsh"}, {"mksh"}, {"ksh"}, {"busybox", "sh"}} {
		rs = append(rs, reader{"shell", strings.Join(sh, " "), sh[0], shellReader(sh)})
	}
	rs = append(rs,
		reader{"fish", "fish", "fish", fishReader},
		reader{"dotenv", "python-dotenv", "/usr/bin/python3", pythonReader},
		reader{"dotenv-python", "python-dotenv", "/usr/bin/python3", pythonReader},
		reader{"dotenv", "node dotenv", "node", nodeReader},
		reader{"dotenv-node", "node dotenv", "node", nodeReader},
		reader{"dotenv", "compose-go", "", composeReader},
		reader{"dotenv-compose", "compose-go", "", composeReader},
		reader{"dotenv", "godotenv", "", godotenvReader},
		reader{"make", "GNU make", "make", makeReader},
		reader{"json", "encoding/json", "", jsonReader},
		reader{"json", "jq", "jq", jqReader},
		// No real reader runs here for these: independent parsers of the
		// documented grammar (see README).
		reader{"docker", "docker env-file grammar", "", dockerReader},
		reader{"systemd", "systemd env-file grammar", "", systemdReader},
		reader{"powershell", "PowerShell verbatim-string grammar", "", powershellReader},
		reader{"github", "GitHub runner env-file grammar", "", githubReader},
		reader{"azure-devops", "Azure Pipelines logging-command grammar", "", azureDevOpsReader},
	)
	return rs
}

func TestRoundTripThroughRealConsumers(t *testing.T) {
	vs := loadVectors(t)
	for _, r := range readers() {
		t.Run(r.format+"/"+r.name, func(t *testing.T) {
			if r.need != "" {
				if _, err := exec.LookPath(r.need); err != nil {
					if os.Getenv("CI") != "" {
						t.Fatalf("%s is not installed; .ci/run must install it", r.need)
					}
					t.Skipf("%s is not installed (CI installs it): skipping its round trip", r.need)
				}
			}
			want := map[string]bool{}
			for _, k := range refusals[r.format] {
				want[k] = true
			}
			for k := range nulProbes {
				want[k] = true
			}
			var carried []vector
			var pairs []Pair
			for _, v := range vs {
				_, err := Export(r.format, []Pair{{v.name, v.value}})
				switch {
				case err != nil && !want[v.key]:
					t.Errorf("%s refuses %s: %v", r.format, v.key, err)
				case err == nil && want[v.key]:
					t.Errorf("%s accepts %s, which it is listed to refuse", r.format, v.key)
				case err != nil:
					var e *Error
					if !asError(err, &e) || e.Kind != KindUnrepresentable || !strings.Contains(e.Msg, v.name) {
						t.Errorf("%s: refusal of %s is not an unrepresentable error naming the variable: %v", r.format, v.key, err)
					}
					if v.value != "" && len(v.value) > 3 && strings.Contains(err.Error()+e.Hint, v.value) {
						t.Errorf("%s: refusal of %s contains the value", r.format, v.key)
					}
				default:
					carried = append(carried, v)
					pairs = append(pairs, Pair{v.name, v.value})
				}
			}
			out, err := Export(r.format, pairs)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			got := r.read(t, dir, out, carried)
			for _, v := range carried {
				g, ok := got[v.name]
				if !ok {
					t.Errorf("%s: %s did not read %s back", r.format, r.name, v.key)
				} else if g != v.value {
					t.Errorf("%s: %s read %s back as %q, want %q", r.format, r.name, v.key, clip(g), clip(v.value))
				}
			}
			pwned, _ := filepath.Glob(filepath.Join(dir, "pwned-*"))
			if len(pwned) > 0 {
				t.Errorf("%s: %s executed a value: %v", r.format, r.name, pwned)
			}
		})
	}
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	if ok {
		*target = e
	}
	return ok
}

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t *testing.T, dir string, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return out
}

// readFiles collects NAME.val files that a consumer wrote.
func readFiles(t *testing.T, dir string, vs []vector) map[string]string {
	got := map[string]string{}
	for _, v := range vs {
		b, err := os.ReadFile(filepath.Join(dir, v.name+".val"))
		if err == nil {
			got[v.name] = string(b)
		}
	}
	return got
}

func shellReader(sh []string) func(*testing.T, string, Output, []vector) map[string]string {
	return func(t *testing.T, dir string, out Output, vs []vector) map[string]string {
		write(t, dir, "out.sh", out.Main)
		// The documented use: out=$(akv export …) && eval "$out".
		var b strings.Builder
		b.WriteString("out=$(cat out.sh) && eval \"$out\" || exit 1\n")
		for _, v := range vs {
			fmt.Fprintf(&b, "printf '%%s' \"$%s\" > %s.val\n", v.name, v.name)
		}
		write(t, dir, "read.sh", []byte(b.String()))
		run(t, dir, sh[0], append(sh[1:], "read.sh")...)
		return readFiles(t, dir, vs)
	}
}

func fishReader(t *testing.T, dir string, out Output, vs []vector) map[string]string {
	write(t, dir, "out.fish", out.Main)
	var b strings.Builder
	b.WriteString("cat out.fish | source; or exit 1\n")
	for _, v := range vs {
		fmt.Fprintf(&b, "printf '%%s' \"$%s\" > %s.val\n", v.name, v.name)
	}
	write(t, dir, "read.fish", []byte(b.String()))
	run(t, dir, "fish", "--no-config", "read.fish")
	return readFiles(t, dir, vs)
}

func jsonMap(t *testing.T, data []byte) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("reader output is not a JSON object of strings: %v", err)
	}
	return m
}

func pythonReader(t *testing.T, dir string, out Output, vs []vector) map[string]string {
	p := write(t, dir, "out.env", out.Main)
	return jsonMap(t, run(t, dir, "/usr/bin/python3", "-c",
		"import json, sys; from dotenv import dotenv_values; json.dump(dotenv_values(sys.argv[1]), sys.stdout)", p))
}

func nodeReader(t *testing.T, dir string, out Output, vs []vector) map[string]string {
	mod, _ := filepath.Abs("testdata/node/node_modules/dotenv")
	if _, err := os.Stat(mod); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node dotenv is not installed in testdata/node; .ci/run runs npm ci there")
		}
		t.Skip("node dotenv not installed: run npm ci in templates/testdata/node")
	}
	p := write(t, dir, "out.env", out.Main)
	return jsonMap(t, run(t, dir, "node", "-e",
		"const d = require(process.argv[1]); const fs = require('fs'); process.stdout.write(JSON.stringify(d.parse(fs.readFileSync(process.argv[2]))))", mod, p))
}

func composeReader(t *testing.T, dir string, out Output, vs []vector) map[string]string {
	m, err := composedotenv.ParseWithLookup(bytes.NewReader(out.Main), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("compose-go: %v", err)
	}
	return m
}

func godotenvReader(t *testing.T, dir string, out Output, vs []vector) map[string]string {
	m, err := godotenv.Unmarshal(string(out.Main))
	if err != nil {
		t.Fatalf("godotenv: %v", err)
	}
	return m
}

func makeReader(t *testing.T, dir string, out Output, vs []vector) map[string]string {
	write(t, dir, "out.mk", out.Main)
	var b strings.Builder
	b.WriteString("include out.mk\nall:\n")
	for _, v := range vs {
		// Through the environment: $(file …) would add a newline.
		fmt.Fprintf(&b, "\t@printf '%%s' \"$$%s\" > %s.val\n", v.name, v.name)
	}
	write(t, dir, "Makefile", []byte(b.String()))
	run(t, dir, "make", "-s")
	return readFiles(t, dir, vs)
}

func jsonReader(t *testing.T, dir string, out Output, vs []vector) map[string]string {
	return jsonMap(t, out.Main)
}

func jqReader(t *testing.T, dir string, out Output, vs []vector) map[string]string {
	p := write(t, dir, "out.json", out.Main)
	got := map[string]string{}
	// jq re-encodes through its own parser: compact output, then decode.
	for k, v := range jsonMap(t, run(t, dir, "jq", "-c", ".", p)) {
		got[k] = v
	}
	return got
}

// dockerReader follows docker's opts/envfile.go: leading blanks trimmed,
// # lines skipped, NAME=rest of line verbatim.
func dockerReader(t *testing.T, dir string, out Output, vs []vector) map[string]string {
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(string(out.Main), "\n"), "\n") {
		line = strings.TrimLeft(line, " \t")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.ContainsAny(k, " \t") {
			t.Fatalf("docker would reject line %q", clip(line))
		}
		got[k] = v
	}
	return got
}

// systemdReader follows systemd's env-file.c for double-quoted values:
// \" \\ \` \$ unescape, backslash-newline continues, any other backslash
// stays; newlines inside quotes are kept.
func systemdReader(t *testing.T, dir string, out Output, vs []vector) map[string]string {
	got := map[string]string{}
	s := string(out.Main)
	for len(s) > 0 {
		eq := strings.IndexByte(s, '=')
		if eq < 0 || s[eq+1] != '"' {
			t.Fatalf("systemd reader: unexpected input %q", clip(s))
		}
		key := s[:eq]
		s = s[eq+2:]
		var b strings.Builder
		for {
			if s == "" {
				t.Fatalf("systemd reader: unterminated value for %s", key)
			}
			c := s[0]
			s = s[1:]
			if c == '"' {
				break
			}
			if c == '\\' {
				n := s[0]
				s = s[1:]
				switch {
				case n == '\n':
				case strings.IndexByte("\"\\`$", n) >= 0:
					b.WriteByte(n)
				default:
					b.WriteByte('\\')
					b.WriteByte(n)
				}
				continue
			}
			b.WriteByte(c)
		}
		if !strings.HasPrefix(s, "\n") {
			t.Fatalf("systemd reader: text after the value of %s", key)
		}
		s = s[1:]
		got[key] = b.String()
	}
	return got
}

func isPSQuote(r rune) bool { return r == '\'' || (r >= '\u2018' && r <= '\u201B') }

// powershellReader parses $env:NAME = '…' verbatim strings: any single
// quote character ends the string unless another follows it.
func powershellReader(t *testing.T, dir string, out Output, vs []vector) map[string]string {
	got := map[string]string{}
	rs := []rune(string(out.Main))
	i := 0
	for i < len(rs) {
		rest := string(rs[i:])
		m := regexp.MustCompile(`^\$env:([A-Za-z_][A-Za-z0-9_]*) = `).FindStringSubmatch(rest)
		if m == nil {
			t.Fatalf("powershell reader: unexpected input %q", clip(rest))
		}
		i += len([]rune(m[0]))
		if !isPSQuote(rs[i]) {
			t.Fatalf("powershell reader: value of %s is not quoted", m[1])
		}
		i++
		var b strings.Builder
		for {
			if i >= len(rs) {
				t.Fatalf("powershell reader: unterminated string for %s", m[1])
			}
			r := rs[i]
			i++
			if isPSQuote(r) {
				if i < len(rs) && isPSQuote(rs[i]) {
					b.WriteRune(rs[i])
					i++
					continue
				}
				break
			}
			b.WriteRune(r)
		}
		if i >= len(rs) || rs[i] != '\n' {
			t.Fatalf("powershell reader: text after the value of %s", m[1])
		}
		i++
		got[m[1]] = b.String()
	}
	return got
}

// githubReader reads NAME<<DELIM blocks as the runner does, and checks
// that every non-empty line of every value was masked first.
func githubReader(t *testing.T, dir string, out Output, vs []vector) map[string]string {
	if !out.Append {
		t.Error("github output must be appended to its file")
	}
	masked := map[string]bool{}
	for _, l := range strings.Split(string(out.Commands), "\n") {
		if l == "" {
			continue
		}
		v, ok := strings.CutPrefix(l, "::add-mask::")
		if !ok {
			t.Fatalf("github: unexpected command line %q", clip(l))
		}
		masked[strings.NewReplacer("%0D", "\r", "%0A", "\n", "%25", "%").Replace(v)] = true
	}
	got := map[string]string{}
	lines := strings.Split(string(out.Main), "\n")
	for i := 0; i < len(lines); i++ {
		if lines[i] == "" {
			continue
		}
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			t.Fatalf("github: unexpected env line %q", clip(lines[i]))
		}
		var val []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			val = append(val, lines[i])
		}
		got[name] = strings.Join(val, "\n")
	}
	for _, v := range vs {
		for _, l := range strings.Split(v.value, "\n") {
			if l != "" && !masked[l] {
				t.Errorf("github: a line of %s is not masked", v.key)
			}
		}
	}
	return got
}

func azureDevOpsReader(t *testing.T, dir string, out Output, vs []vector) map[string]string {
	got := map[string]string{}
	re := regexp.MustCompile(`^##vso\[task\.setvariable variable=([A-Za-z0-9_]+);issecret=true\](.*)$`)
	for _, l := range strings.Split(strings.TrimSuffix(string(out.Main), "\n"), "\n") {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("azure-devops: unexpected line %q", clip(l))
		}
		// The agent's unescaping order: %0D %0A %5D %3B, then %AZP25.
		got[m[1]] = strings.NewReplacer("%0D", "\r", "%0A", "\n", "%5D", "]", "%3B", ";").Replace(m[2])
		got[m[1]] = strings.ReplaceAll(got[m[1]], "%AZP25", "%")
	}
	return got
}
