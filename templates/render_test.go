package templates

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	composedotenv "github.com/compose-spec/compose-go/v2/dotenv"
)

var demoValues = map[string]string{
	"akv://demo/db-password": "p@ss'w\"o$rd #1",
	"akv://demo/api-key":     "ak_${HOME}_`id`",
	"akv://demo/vec-pem":     "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
	"akv://demo/vec-hash":    "p#ss # not a comment",
	"akv://demo/multi-line":  "first\nsecond: x\n- third",
}

// fakeResolver records each batch it is asked for.
type fakeResolver struct{ calls [][]string }

func (f *fakeResolver) resolve(refs []string) (map[string]string, error) {
	f.calls = append(f.calls, refs)
	out := map[string]string{}
	for _, r := range refs {
		v, ok := demoValues[r]
		if !ok {
			return nil, errors.New("not found: " + r)
		}
		out[r] = v
	}
	return out, nil
}

func renderFile(t *testing.T, name string) ([]byte, *fakeResolver) {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeResolver{}
	out, err := Render(name, string(text), f.resolve)
	if err != nil {
		t.Fatalf("Render(%s): %v", name, err)
	}
	if len(f.calls) != 1 {
		t.Fatalf("Render(%s) resolved in %d batches, want 1", name, len(f.calls))
	}
	return out, f
}

func TestRenderComposeEnv(t *testing.T) {
	out, _ := renderFile(t, "compose.env.tpl")
	m, err := composedotenv.ParseWithLookup(bytes.NewReader(out), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	for k, ref := range map[string]string{"DB_PASSWORD": "akv://demo/db-password", "API_KEY": "akv://demo/api-key", "TLS_KEY": "akv://demo/vec-pem"} {
		if m[k] != demoValues[ref] {
			t.Errorf("compose read %s = %q, want %q", k, m[k], demoValues[ref])
		}
	}
}

func TestRenderSystemdDropIn(t *testing.T) {
	out, _ := renderFile(t, "systemd.conf.tpl")
	var env []byte
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "Environment="); ok {
			env = append(env, v+"\n"...)
		}
	}
	got := systemdReader(t, "", Output{Main: env}, nil)
	if got["DB_PASSWORD"] != demoValues["akv://demo/db-password"] || got["API_KEY"] != demoValues["akv://demo/api-key"] {
		t.Errorf("systemd read %q", got)
	}
}

func TestRenderKubernetesSecret(t *testing.T) {
	out, _ := renderFile(t, "k8s-secret.yaml.tpl")
	want := `  db-password: cEBzcyd3Im8kcmQgIzE=
stringData:
  api-key: "ak_${HOME}_` + "`id`" + `"
  multi-line: "first\nsecond: x\n- third"
`
	if !strings.HasSuffix(string(out), want) {
		t.Errorf("manifest:\n%s\nwant it to end with:\n%s", out, want)
	}
	if py, err := exec.LookPath("/usr/bin/python3"); err == nil && exec.Command(py, "-c", "import yaml").Run() == nil {
		cmd := exec.Command(py, "-c", "import sys, yaml, json; d = yaml.safe_load(sys.stdin); print(json.dumps(d['stringData']))")
		cmd.Stdin = bytes.NewReader(out)
		got, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		m := jsonMap(t, got)
		if m["multi-line"] != demoValues["akv://demo/multi-line"] || m["api-key"] != demoValues["akv://demo/api-key"] {
			t.Errorf("PyYAML read %q", m)
		}
	}
}

func TestRenderMakefileInclude(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("make is not installed; .ci/run must install it")
		}
		t.Skip("make is not installed (CI installs it): skipping the Makefile include round trip")
	}
	out, _ := renderFile(t, "secrets.mk.tpl")
	dir := t.TempDir()
	write(t, dir, "secrets.mk", out)
	write(t, dir, "Makefile", []byte("include secrets.mk\nall:\n\t@printf '%s' \"$$DB_PASSWORD\" > DB_PASSWORD.val\n\t@printf '%s' \"$$API_KEY\" > API_KEY.val\n\t@printf '%s' \"$$HASHY\" > HASHY.val\n"))
	run(t, dir, "make", "-s")
	got := readFiles(t, dir, []vector{{name: "DB_PASSWORD"}, {name: "API_KEY"}, {name: "HASHY"}})
	for k, ref := range map[string]string{"DB_PASSWORD": "akv://demo/db-password", "API_KEY": "akv://demo/api-key", "HASHY": "akv://demo/vec-hash"} {
		if got[k] != demoValues[ref] {
			t.Errorf("make read %s = %q, want %q", k, got[k], demoValues[ref])
		}
	}
}

func TestRenderStrict(t *testing.T) {
	tests := []struct {
		name, text, want string
		kind             Kind
	}{
		{"unknown func", `{{ secret "akv://demo/api-key" | nope }}`, `function "nope" not defined`, KindUsage},
		{"missing key", `{{ .Foo }}`, "", KindUsage},
		{"dynamic ref", `{{ secret .Ref }}`, "quoted reference", KindUsage},
		{"piped ref", `{{ "akv://demo/api-key" | secret }}`, "exactly one quoted reference", KindUsage},
		{"refusal", `X={{ secret "akv://demo/vec-pem" | dotenv }}`, "dotenv cannot quote this value: it spans lines", KindUnrepresentable},
		{"multi-line make", `X := {{ secret "akv://demo/multi-line" | make }}`, "spans lines", KindUnrepresentable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeResolver{}
			out, err := Render("t", tt.text, f.resolve)
			var e *Error
			if err == nil || !errors.As(err, &e) || e.Kind != tt.kind || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Render = %q, %v; want a %s error containing %q", out, err, tt.kind, tt.want)
			}
			for _, v := range demoValues {
				if strings.Contains(err.Error(), v) {
					t.Fatal("the error contains a value")
				}
			}
		})
	}
	_, err := Render("t", `{{ secret "akv://demo/missing" }}`, (&fakeResolver{}).resolve)
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("missing secret: %v", err)
	}
}

func TestRenderCollectsEverywhere(t *testing.T) {
	text := `{{ define "x" }}{{ secret "akv://demo/db-password" | shell }}{{ end }}` +
		`{{ if true }}{{ with secret "akv://demo/api-key" }}{{ . | json }}{{ end }}{{ else }}{{ printf "%s" (secret "akv://demo/vec-hash") }}{{ end }}` +
		`{{ template "x" }}`
	f := &fakeResolver{}
	_, err := Render("t", text, f.resolve)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.calls) != 1 || len(f.calls[0]) != 3 {
		t.Fatalf("resolver calls %v, want one batch of 3", f.calls)
	}
}
