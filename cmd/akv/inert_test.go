package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/akv-cli/akv/vault"
)

// rawControl matches what must never reach a terminal from a server: C0
// controls but the line breaks akv writes itself, DEL, C1 controls, bidi
// controls (invalid UTF-8 is checked apart).
var rawControl = regexp.MustCompile("[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

func TestInert(t *testing.T) {
	for in, want := range map[string]string{
		"db-password":                         "db-password",
		"pässwörd ☃ 🔑":                        "pässwörd ☃ 🔑",
		"C:\\Users":                           "C:\\Users",
		"\x1b]52;c;ZXZpbA==\x07":              `\x1b]52;c;ZXZpbA==\x07`,
		"\x1b[2J":                             `\x1b[2J`,
		"a\tb\nc\rd":                          `a\tb\nc\rd`,
		"\x00\x7f":                            `\x00\x7f`,
		"\u009b31m":                           `\u009b31m`,
		"abc\u202eevil":                       `abc\u202eevil`,
		"\u2066\u2069\u200e\u061c":            `\u2066\u2069\u200e\u061c`,
		"bad \xff\xfe utf8":                   `bad \xff\xfe utf8`,
		"\xe2\x80":                            `\xe2\x80`, // a cut rune
		"ok \u00a0 nbsp and \u2028 separator": "ok \u00a0 nbsp and \u2028 separator",
	} {
		if got := inert(in); got != want {
			t.Errorf("inert(%q) = %q, want %q", in, got, want)
		}
	}
}

// Everything inert returns is safe, whatever goes in.
func FuzzInert(f *testing.F) {
	for _, s := range []string{"\x1b]52;c;x\x07", "\u009b", "\xff", "a\u202eb", "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := inert(s)
		if rawControl.MatchString(out) || strings.Contains(out, "\n") || !utf8.ValidString(out) {
			t.Fatalf("inert(%q) = %q", s, out)
		}
		if isInert(s) != (out == s) {
			t.Fatalf("isInert(%q) = %v but inert changed it to %q", s, isInert(s), out)
		}
	})
}

const hostile = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\u009b31m\r\u202e"

// The table a terminal gets (testscripts see only the piped forms).
func TestListTableIsInert(t *testing.T) {
	items := []vault.Item{{Name: "n" + hostile, Enabled: true, Updated: time.Unix(1764000000, 0), ContentType: "ct" + hostile,
		Tags: map[string]string{"k" + hostile: "v\t" + hostile}}}
	for name, out := range map[string][]byte{"table": listTable(items), "tsv": listTSV(items)} {
		if rawControl.Match(bytes.ReplaceAll(bytes.ReplaceAll(out, []byte("\n"), nil), []byte("\t"), nil)) {
			t.Errorf("%s: raw control in %q", name, out)
		}
		if !bytes.Contains(out, []byte(`ct\x1b]52;c;ZXZpbA==\x07\x1b[2J\u009b31m\r\u202e`)) {
			t.Errorf("%s: content type not shown escaped: %q", name, out)
		}
	}
	if n := bytes.Count(listTSV(items), []byte("\t")); n != 4 {
		t.Errorf("TSV has %d tabs, want 4: a tab in a tag must not make a column", n)
	}
}

func TestCheckTableIsInert(t *testing.T) {
	var out bytes.Buffer
	env := &Env{Stdout: &out}
	if err := writeCheck(env, []checkRow{{Name: "n", Version: "v" + hostile, Status: "denied (403 Forbidden" + hostile + ")"}}, false); err != nil {
		t.Fatal(err)
	}
	if rawControl.Match(bytes.ReplaceAll(out.Bytes(), []byte("\n"), nil)) {
		t.Errorf("raw control in %q", out.String())
	}
}

// report is the one printer of errors and hints: every line it writes is
// inert, and akv's own line breaks still make lines.
func TestReportIsInert(t *testing.T) {
	var out bytes.Buffer
	err := &vault.Error{Kind: vault.KindForbidden, Op: "get x", Msg: "denied (403 " + hostile + ")\nsecond line" + hostile, Hint: "hint" + hostile}
	if code := report(&out, err); code != exitForbidden {
		t.Errorf("code %d", code)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "akv: second line") || !strings.HasPrefix(lines[2], "hint: hint") {
		t.Errorf("report wrote %q", out.String())
	}
	if rawControl.MatchString(strings.ReplaceAll(out.String(), "\n", "")) {
		t.Errorf("raw control in %q", out.String())
	}
	out.Reset()
	report(&out, errors.New("plain"))
	if out.String() != "akv: plain\n" {
		t.Errorf("plain error printed as %q", out.String())
	}
}

// inertJSON: JSON readers see exactly what encoding/json wrote; a
// terminal sees no C1 control or bidi override.
func FuzzInertJSON(f *testing.F) {
	for _, s := range []string{"\x1b]52;c;x\x07", "\u009b31m", "\xff\u0085", "a\u202eb\u2066\u061c", "plain", `\u009b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		in, _ := json.Marshal(map[string]string{s: s})
		out := inertJSON(in)
		if rawControl.MatchString(string(out)) {
			t.Fatalf("inertJSON(%s) = %s", in, out)
		}
		var back, want map[string]string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("inertJSON(%s) = %s: %v", in, out, err)
		}
		json.Unmarshal(in, &want)
		if !reflect.DeepEqual(back, want) {
			t.Fatalf("inertJSON(%s) reads back as %q, want %q", in, back, want)
		}
	})
}
