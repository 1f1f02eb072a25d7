package emulator

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// readmeSnippets returns the fenced blocks of the README's "Test your own
// code offline" section by language. cmd/akv's TestREADME runs its sh
// blocks; the Python, JavaScript and Go ones are run here.
func readmeSnippets(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Test your own code offline\n")
	if !ok {
		t.Fatal(`README.md has no "## Test your own code offline" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	blocks := map[string][]string{}
	for rest := section; ; {
		_, after, ok := strings.Cut(rest, "\n```")
		if !ok {
			break
		}
		lang, after, _ := strings.Cut(after, "\n")
		body, tail, ok := strings.Cut(after, "\n```\n")
		if !ok {
			t.Fatalf("README.md: unterminated ```%s block in the offline section", lang)
		}
		blocks[lang] = append(blocks[lang], body+"\n")
		rest = "\n" + tail
	}
	return blocks
}

// TestReadmeClientSnippets runs the README's Python, JavaScript and Go
// snippets as a user would paste them, in the environment the emulator
// prints, with the clients' defaults: each must print db-password's
// value. (The Go one is the body of a function; this wraps it in one.)
func TestReadmeClientSnippets(t *testing.T) {
	t.Parallel()
	blocks := readmeSnippets(t)
	for _, lang := range []string{"python", "js", "go"} {
		if len(blocks[lang]) != 1 {
			t.Fatalf("README.md: want one ```%s block in the offline section, have %d", lang, len(blocks[lang]))
		}
	}
	_, env := clientEnv(t, Options{})
	want := DemoSeeds()["db-password"].Value + "\n"
	run := func(t *testing.T, dir, name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil || string(out) != want {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}

	t.Run("python", func(t *testing.T) {
		t.Parallel()
		python := pythonWithAzure()
		need(t, python != "", "no python3 with azure.identity and azure.keyvault.secrets: apt-get install python3-azure")
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "snippet.py"), []byte(blocks["python"][0]), 0o644)
		run(t, dir, python, "snippet.py")
	})
	t.Run("js", func(t *testing.T) {
		t.Parallel()
		modules, _ := filepath.Abs(filepath.Join("testdata", "js", "node_modules"))
		_, nodeErr := exec.LookPath("node")
		_, modErr := os.Stat(filepath.Join(modules, "@azure", "identity"))
		need(t, nodeErr == nil && modErr == nil, "node or testdata/js/node_modules missing: run npm ci in vault/emulator/testdata/js")
		dir := t.TempDir()
		os.Symlink(modules, filepath.Join(dir, "node_modules"))
		os.WriteFile(filepath.Join(dir, "snippet.mjs"), []byte(blocks["js"][0]), 0o644)
		run(t, dir, "node", "snippet.mjs")
	})
	t.Run("go", func(t *testing.T) {
		t.Parallel()
		goTool, err := exec.LookPath("go")
		need(t, err == nil, "no go on PATH")
		dir := t.TempDir()
		for _, f := range []string{"go.mod", "go.sum"} {
			b, err := os.ReadFile(filepath.Join("testdata", "go", f))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, f), b, 0o644)
		}
		src := `package main

import (
	"context"
	"fmt"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

func run(ctx context.Context) error {
` + blocks["go"][0] + `	if err != nil {
		return err
	}
	fmt.Println(*s.Value)
	return nil
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
`
		os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644)
		build := exec.Command(goTool, "build", "-o", "snippet", ".")
		build.Dir = dir
		build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		out, err := build.CombinedOutput()
		if strings.Contains(string(out), ".go:") { // the snippet itself does not compile
			t.Fatalf("README's Go snippet:\n%s\n%s", out, src)
		}
		need(t, err == nil, "build the Go snippet (it needs its modules from the Go module proxy): "+strings.TrimSpace(string(out)))
		run(t, dir, filepath.Join(dir, "snippet"))
	})
}
