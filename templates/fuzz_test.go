package templates

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	composedotenv "github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/joho/godotenv"
	"mvdan.cc/sh/v3/syntax"
)

// seeds are the vectors plus a few shapes that broke peer tools.
func seeds(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add(v.value)
	}
	for _, s := range []string{`\'`, `'\`, "$$", "${X:-y}", "\\\n", "a\\#b", "\\\\#", " # x", "define x", "\x00", "\xff", "\u2019\u2019"} {
		f.Add(s)
	}
}

// readShell decodes the shell output with mvdan.cc/sh's parser: it must
// be one assignment whose word is only single-quoted parts and escaped
// quotes, so nothing in it can expand or run, and those parts must give
// the value back. (mvdan's interpreter keeps the backslash of \' in
// assignments, unlike every real shell, so the parse tree is read here;
// the round-trip test runs the real shells.)
func readShell(t *testing.T, out []byte) string {
	file, err := syntax.NewParser().Parse(bytes.NewReader(bytes.TrimPrefix(out, []byte("export "))), "out.sh")
	if err != nil {
		t.Fatalf("shell output does not parse: %v\n%q", err, out)
	}
	if len(file.Stmts) != 1 {
		t.Fatalf("shell output is %d statements: %q", len(file.Stmts), out)
	}
	call, ok := file.Stmts[0].Cmd.(*syntax.CallExpr)
	if !ok || len(call.Assigns) != 1 || len(call.Args) != 0 || call.Assigns[0].Name.Value != "V" {
		t.Fatalf("shell output is not one assignment: %q", out)
	}
	var b strings.Builder
	for _, part := range call.Assigns[0].Value.Parts {
		switch p := part.(type) {
		case *syntax.SglQuoted:
			if p.Dollar {
				t.Fatalf("$'…' in shell output: %q", out)
			}
			b.WriteString(p.Value)
		case *syntax.Lit:
			if p.Value != `\'` {
				t.Fatalf("unquoted text %q in shell output", p.Value)
			}
			b.WriteByte('\'')
		default:
			t.Fatalf("shell output has an expansion (%T): %q", part, out)
		}
	}
	return b.String()
}

func FuzzShell(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, v string) {
		out, err := Export("shell", []Pair{{"V", v}})
		if err != nil {
			if !strings.Contains(v, "\x00") {
				t.Fatalf("shell refused a NUL-free value: %v", err)
			}
			return
		}
		if !utf8.ValidString(v) || strings.Contains(v, "\r") {
			return // mvdan's parser wants UTF-8 and folds CRs; real shells take these in the round-trip test
		}
		if got := readShell(t, out.Main); got != v {
			t.Fatalf("shell: read back %q, want %q", got, v)
		}
	})
}

// FuzzDotenvReaders checks the dotenv dialects with Go readers: compose-go
// for dotenv and dotenv-compose, godotenv for dotenv.
func FuzzDotenvReaders(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, v string) {
		for _, format := range []string{"dotenv", "dotenv-compose"} {
			out, err := Export(format, []Pair{{"V", v}})
			if err != nil {
				continue
			}
			m, err := composedotenv.ParseWithLookup(bytes.NewReader(out.Main), func(string) (string, bool) { return "", false })
			if err != nil {
				t.Fatalf("%s: compose-go cannot parse %q: %v", format, out.Main, err)
			}
			if m["V"] != v {
				t.Fatalf("%s: compose-go read %q, want %q", format, m["V"], v)
			}
			if format == "dotenv" {
				g, err := godotenv.Unmarshal(string(out.Main))
				if err != nil || g["V"] != v {
					t.Fatalf("dotenv: godotenv read %q (%v), want %q", g["V"], err, v)
				}
			}
		}
	})
}

func FuzzJSON(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, v string) {
		out, err := Export("json", []Pair{{"V", v}})
		if err != nil {
			if utf8.ValidString(v) && !strings.Contains(v, "\x00") {
				t.Fatalf("json refused valid text: %v", err)
			}
			return
		}
		if m := jsonMap(t, out.Main); m["V"] != v {
			t.Fatalf("json read %q, want %q", m["V"], v)
		}
	})
}

// FuzzGrammars reads the formats without a Go reader back through the
// independent parsers of their documented grammar, and checks the
// properties that matter: one variable, nothing after it.
func FuzzGrammars(f *testing.F) {
	seeds(f)
	readersByFormat := map[string]func(*testing.T, string, Output, []vector) map[string]string{
		"docker": dockerReader, "systemd": systemdReader, "powershell": powershellReader,
		"github": githubReader, "azure-devops": azureDevOpsReader,
	}
	f.Fuzz(func(t *testing.T, v string) {
		for format, read := range readersByFormat {
			out, err := Export(format, []Pair{{"V", v}})
			if err != nil {
				continue
			}
			got := read(t, "", out, []vector{{key: "fuzz", name: "V", value: v}})
			if len(got) != 1 || got["V"] != v {
				t.Fatalf("%s: read %q, want only V=%q", format, got, v)
			}
		}
		// fish: inside '…' only \\ and \' are escapes; no bare quote.
		if out, err := Export("fish", []Pair{{"V", v}}); err == nil {
			body := strings.TrimSuffix(strings.TrimPrefix(string(out.Main), "set -gx V '"), "'\n")
			unescaped := strings.NewReplacer(`\\`, "", `\'`, "").Replace(body)
			if strings.Contains(unescaped, "'") {
				t.Fatalf("fish: unescaped quote in %q", out.Main)
			}
		}
		// make: a single-line value leaves one line, a multi-line one a define block.
		if out, err := Export("make", []Pair{{"V", v}}); err == nil && !strings.Contains(v, "\n") {
			if strings.Count(string(out.Main), "\n") != 1 {
				t.Fatalf("make: a one-line value took several lines: %q", out.Main)
			}
		}
	})
}

func FuzzParseEnvFile(f *testing.F) {
	f.Add("A=1\n# c\nexport B='x y'\nC=\"a\\nb\" # c\n")
	f.Add("A='multi\nline'\nB=akv://v/x")
	f.Add("=x\nA\n'")
	for _, tc := range envFileCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, data string) {
		entries, err := ParseEnvFile("f.env", data)
		if err != nil {
			return
		}
		for _, e := range entries {
			if !ValidName(e.Name) {
				t.Fatalf("entry with invalid name %q", e.Name)
			}
			// What the parser returns, the dotenv-python style writer
			// (double quotes with escapes) must give back.
			if strings.Contains(e.Value, "\x00") {
				continue
			}
			quoted := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(e.Value) + `"`
			back, err := ParseEnvFile("g.env", e.Name+"="+quoted+"\n")
			if err != nil || len(back) != 1 || back[0].Value != e.Value {
				t.Fatalf("value %q does not survive a write and read: %v %v", e.Value, back, err)
			}
		}
	})
}
