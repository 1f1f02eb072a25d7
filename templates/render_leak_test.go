package templates

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// leakCanary is the distinctive part of every value below; any 8 bytes of
// it (or of its base64 or hex form) in an error means a value leaked.
const leakCanary = "q7Zk2Lp9Xw4Rt8Vn3Bc6"

func leakValues() map[string]string {
	c := leakCanary
	return map[string]string{
		"plain":    c,
		"b64":      base64.StdEncoding.EncodeToString([]byte(c)),
		"multi":    c + "\n" + c + "\r\n",
		"quotes":   c + `'"$` + "`" + `\${X}$(id)`,
		"nul":      c + "\x00" + c,
		"badutf8":  c + "\xff\xfe",
		"json":     `{"a":"` + c + `","n":12}`,
		"spaces":   "  " + c + "  ",
		"number":   "12" + c,
		"trailing": c + `\`,
		"define":   "define " + c + "\nendef",
	}
}

func leaks(s string) string {
	for _, form := range []string{leakCanary, base64.StdEncoding.EncodeToString([]byte(leakCanary)), hex.EncodeToString([]byte(leakCanary))} {
		for i := 0; i+8 <= len(form); i++ {
			if strings.Contains(s, form[i:i+8]) {
				return form[i : i+8]
			}
		}
	}
	return ""
}

// templateFuncs is every function a template can call: akv's escapers
// and text/template's builtins.
func templateFuncs() []string {
	return append(EscaperNames(), "and", "call", "html", "index", "slice", "js", "len", "not", "or",
		"print", "printf", "println", "urlquery", "eq", "ne", "lt", "le", "gt", "ge")
}

// Issue 11, point 8: errors never carry values. Every function and
// escaper gets every value in every position, with wrong types, wrong
// arities and edge inputs; whatever fails must fail without the value.
func TestTemplateErrorsNeverCarryValues(t *testing.T) {
	values := leakValues()
	resolve := func(refs []string) (map[string]string, error) {
		out := map[string]string{}
		for _, r := range refs {
			out[r] = values[r]
		}
		return out, nil
	}
	var shapes = []string{
		`{{ @S | @F }}`,
		`{{ @F @S }}`,
		`{{ @F @S @S }}`,
		`{{ @F @S 1 }}`,
		`{{ @F 1 @S }}`,
		`{{ @F @S 1 2 3 }}`,
		`{{ @F @S "x" }}`,
		`{{ @F @S nil }}`,
		`{{ @F @S true }}`,
		`{{ @F @S 1.5 }}`,
		`{{ @S | @F | @F }}`,
		`{{ @S | @F | call }}`,
		`{{ @S | @F | len | call }}`,
		`{{ call @F @S }}`,
		`{{ range (@S | @F) }}{{ end }}`,
		`{{ range $i, $v := (@S | @F) }}{{ end }}`,
		`{{ if (@S | @F) }}{{ end }}`,
		`{{ with (@S | @F) }}{{ .Field }}{{ end }}`,
		`{{ (@S | @F).Field }}`,
		`{{ $x := @S | @F }}{{ $x.Field }}`,
		`{{ $x := @S | @F }}{{ call $x }}`,
		`{{ $x := @S | @F }}{{ call $x 1 2 }}`,
		`{{ index (@S | @F) 99 }}`,
		`{{ index (@S | @F) -1 }}`,
		`{{ index (@S | @F) "k" }}`,
		`{{ index 1 (@S | @F) }}`,
		`{{ slice (@S | @F) 99 }}`,
		`{{ slice (@S | @F) 3 2 }}`,
		`{{ slice (@S | @F) 1 2 3 }}`,
		`{{ eq (@S | @F) 1 }}`,
		`{{ eq (@S | @F) (@S | @F) nil }}`,
		`{{ lt (@S | @F) true }}`,
		`{{ template "t" (@S | @F) }}{{ define "t" }}{{ .Field }}{{ end }}`,
		`{{ printf "%d" @S | call }}`,
		`{{ printf "%s" (@S | @F) | b64dec }}`,
		`{{ @S | @F | b64dec | @F }}`,
		`{{ not (@S | @F) | call }}`,
		`{{ and (@S | @F) 1 | call }}`,
		`{{ or 0 (@S | @F) | call }}`,
	}
	errs, runs := 0, 0
	for _, f := range templateFuncs() {
		for ref := range values {
			for _, shape := range shapes {
				text := strings.NewReplacer("@S", fmt.Sprintf("(secret %q)", ref), "@F", f).Replace(shape)
				runs++
				_, err := Render("leak.tpl", text, resolve)
				if err == nil {
					continue
				}
				errs++
				msg := err.Error()
				if h, ok := err.(interface{ ErrorHint() string }); ok {
					msg += "\n" + h.ErrorHint()
				}
				if l := leaks(msg); l != "" {
					t.Errorf("template %s (value %s): the error shows %q:\n%s", text, ref, l, msg)
				}
			}
		}
	}
	if errs < runs/4 {
		t.Fatalf("only %d of %d renders failed: the shapes no longer exercise errors", errs, runs)
	}
}

// The issue's own example, and what the error says instead: position and
// function, no value.
func TestTemplateErrorNamesPositionAndFunction(t *testing.T) {
	resolve := func([]string) (map[string]string, error) { return map[string]string{"x": leakCanary}, nil }
	for text, want := range map[string][]string{
		`{{ secret "x" | call }}`:             {"in.tpl:1:", "call", "not a function but of type string"},
		`{{ range secret "x" }}{{ end }}`:     {"in.tpl:1:", "range", "can't iterate over"},
		`{{ if eq (secret "x") 1 }}{{ end }}`: {"in.tpl:1:", "eq", "incompatible types for comparison: string and int"},
		"\n\n{{ index (secret \"x\") 99 }}":   {"in.tpl:3:", "index (secret", "error calling index: index out of range"},
	} {
		_, err := Render("in.tpl", text, resolve)
		if err == nil {
			t.Errorf("%s rendered", text)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", text, err, w)
			}
		}
		if leaks(err.Error()) != "" {
			t.Errorf("%s: error shows the value: %q", text, err)
		}
	}
}

// An index or slice bound may be computed from a value: a byte of it
// (index of a string is a byte), its length. The reason names no number;
// a literal one is in the action already.
func TestIndexErrorsShowNoComputedNumber(t *testing.T) {
	resolve := func([]string) (map[string]string, error) { return map[string]string{"x": "A" + leakCanary}, nil }
	for _, text := range []string{
		`{{ index "" (index (secret "x") 0) }}`,
		`{{ slice "" (index (secret "x") 0) }}`,
		`{{ slice "" 0 (len (secret "x")) }}`,
		`{{ slice "abc" (len (secret "x")) 1 }}`,
		`{{ index "abc" (len (secret "x")) }}`,
	} {
		_, err := Render("in.tpl", text, resolve)
		if err == nil {
			t.Errorf("%s rendered", text)
			continue
		}
		msg := err.Error()
		if reason := msg[strings.LastIndex(msg, ">: "):]; strings.ContainsAny(reason, "0123456789") {
			t.Errorf("%s: the reason holds a number computed from the value: %q", text, msg)
		}
	}
}

// A template over 10 MiB is refused before anything is resolved.
func TestRenderRefusesHugeTemplates(t *testing.T) {
	called := false
	resolve := func([]string) (map[string]string, error) { called = true; return nil, nil }
	_, err := Render("big.tpl", strings.Repeat("x", MaxTemplateSize)+`{{ secret "x" }}`, resolve)
	if err == nil || !strings.Contains(err.Error(), "10 MiB") || called {
		t.Fatalf("err = %v, resolver called %v", err, called)
	}
	if _, err := Render("ok.tpl", strings.Repeat("x", MaxTemplateSize), resolve); err != nil {
		t.Fatalf("a template of exactly 10 MiB: %v", err)
	}
}

// Every escaper refuses NUL, as every --format does (exit 6, no value).
func TestEveryEscaperRefusesNUL(t *testing.T) {
	resolve := func([]string) (map[string]string, error) { return map[string]string{"x": leakCanary + "\x00"}, nil }
	for _, f := range EscaperNames() {
		if f == "base64" || f == "b64dec" {
			continue // encodings, not quoting: base64 carries any byte
		}
		_, err := Render("nul.tpl", `{{ secret "x" | `+f+` }}`, resolve)
		var e *Error
		if !asError(err, &e) || e.Kind != KindUnrepresentable || !strings.Contains(e.Msg, "NUL") || leaks(e.Msg+e.Hint) != "" {
			t.Errorf("%s: err = %v, want an unrepresentable NUL refusal without the value", f, err)
		}
	}
}
