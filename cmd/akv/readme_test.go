//go:build !windows

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/akv-cli/akv/vault/emulator"
)

// TestREADME runs every shell example in README.md as written, against
// the emulator, so that the README cannot drift from akv (issue 13,
// point 2).
//
// What runs: ```sh and ```bash blocks with `bash -e`, ```zsh with
// `zsh -e`, ```fish with fish. Other languages (make, dotenv, text, yaml
// — the CI manifests have tests of their own) are not run; a fence
// without a language, or a shell dialect this test does not know, is an
// error, so every block says what it is.
//
// Where: each block in a directory of its own, which is also its $HOME
// and $TMPDIR, with akv (this test binary) first on PATH and the
// environment `akv emulator` prints: vaults demo and myvault,
// AKV_VAULT=demo, and its proxy for the real vault host names (which
// refuses every other host, so nothing leaves the machine). Only blocks
// that run az see az on PATH; standard input is empty.
//
// Files: a block whose fence says file=NAME (```make file=Makefile) is
// written to NAME in every directory. Besides those, the runner provides
//
//	bin/akv                a link to the akv under test (what `make` builds)
//	migrate.sh, deploy.sh  stand-ins for the user's scripts: they print the
//	                       length of DB_PASSWORD and fail when it is not set
func TestREADME(t *testing.T) {
	t.Parallel()
	blocks := readmeBlocks(t)
	akv, err := exec.LookPath("akv") // the test binary, put on PATH by testscript.Main
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.Start(emulator.Options{Names: defaultEmulatorVaults()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() }) // after the parallel subtests
	noAz := pathWithoutAz(t)
	ran := 0
	for _, b := range blocks {
		var shell []string
		script := b.text
		switch b.lang {
		case "sh", "bash":
			shell = []string{"bash", "-e"}
		case "zsh":
			shell = []string{"zsh", "-e"}
		case "fish":
			shell = []string{"fish", "--no-config"}
		case "":
			t.Errorf("README.md:%d: a fence without a language: say sh (run by TestREADME), text, …", b.line)
			continue
		case "shell", "console", "shell-session", "bash-session", "terminal", "posix":
			t.Errorf("README.md:%d: fence language %q: use sh, which TestREADME runs", b.line, b.lang)
			continue
		default:
			continue // make, dotenv, text, …: files and prose, not commands
		}
		if script == "" {
			continue
		}
		ran++
		path := noAz
		usesAz := regexp.MustCompile(`(?m)^\s*(\w+=\S+ )*az `).MatchString(script)
		if usesAz {
			path = os.Getenv("PATH")
		}
		t.Run(readmeName(b), func(t *testing.T) {
			t.Parallel()
			needPrograms(t, shell[0])
			if usesAz {
				needPrograms(t, "az")
			}
			dir := readmeDir(t, blocks, akv)
			env := append([]string{"PATH=" + filepath.Dir(akv) + string(os.PathListSeparator) + path, "HOME=" + dir,
				"TMPDIR=" + dir, "LANG=C.UTF-8", "TERM=dumb", "AKV_DMI_DIR=" + filepath.Join(dir, "no-dmi")}, emulatorEnv(emu)...)
			out, err := runBlock(dir, env, script, shell)
			if err != nil {
				t.Errorf("README.md:%d: this block failed (%v):\n%s\noutput:\n%s", b.line, err, indent(b.text), out)
			}
		})
	}
	if ran < 10 {
		t.Errorf("ran %d README blocks; the README has lost its examples, or this test its way of finding them", ran)
	}
}

// TestREADMEMakefile holds the README's Makefile to what it promises:
// values without the trailing spaces a comment after them would add, and
// a failing $(shell akv …) that stops make before any recipe runs.
func TestREADMEMakefile(t *testing.T) {
	t.Parallel()
	needPrograms(t, "make")
	blocks := readmeBlocks(t)
	akv, err := exec.LookPath("akv")
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.Start(emulator.Options{Names: defaultEmulatorVaults()})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	dir := readmeDir(t, blocks, akv)
	if _, err := os.Stat(filepath.Join(dir, "Makefile")); err != nil {
		t.Fatal("the README has no ```make file=Makefile block")
	}
	base := []string{"PATH=" + filepath.Dir(akv) + string(os.PathListSeparator) + pathWithoutAz(t), "HOME=" + dir,
		"TMPDIR=" + dir, "AKV_DMI_DIR=" + filepath.Join(dir, "no-dmi")}
	show := []string{"make", "-s", "--eval", "show-db: ; @printf '[%s]' '$(DB_PASSWORD)'", "show-db"}
	out, err := runBlock(dir, append(base, emulatorEnv(emu)...), "", show)
	if err != nil || string(out) != "[s3cr3t-Pa55w0rd!]" {
		t.Fatalf("make read DB_PASSWORD as %q (%v), want [s3cr3t-Pa55w0rd!]", out, err)
	}
	// .secrets.mk exists now; without an identity, akv get fails.
	out, err = runBlock(dir, base, "", []string{"make", "deploy"})
	if err == nil || !strings.Contains(string(out), "akv get db-password failed") || strings.Contains(string(out), "deploy:") {
		t.Fatalf("make deploy with a failing akv get: %v, output:\n%s\nwant make to stop at $(error) before the recipe", err, out)
	}
}

type readmeBlock struct {
	line       int    // of the opening fence
	lang, file string // the fence's language and file=NAME
	text       string
}

func readmeBlocks(t *testing.T) []readmeBlock {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := parseReadmeBlocks(string(data))
	if err != nil {
		t.Fatal(err)
	}
	return blocks
}

// parseReadmeBlocks reads the fenced blocks of a Markdown text. A fence
// this reader would not see as one (indented, as in a list item, or
// ~~~) is an error: Markdown renders it as a block that TestREADME would
// silently never run.
func parseReadmeBlocks(text string) ([]readmeBlock, error) {
	var blocks []readmeBlock
	var cur *readmeBlock
	for i, line := range strings.Split(text, "\n") {
		if trimmed := strings.TrimLeft(line, " \t"); cur == nil && (strings.HasPrefix(trimmed, "~~~") ||
			trimmed != line && strings.HasPrefix(trimmed, "```")) {
			return nil, fmt.Errorf("README.md:%d: a fence TestREADME does not read (indented or ~~~): start it with ``` in column 1", i+1)
		}
		if !strings.HasPrefix(line, "```") {
			if cur != nil {
				cur.text += line + "\n"
			}
			continue
		}
		if cur != nil {
			blocks = append(blocks, *cur)
			cur = nil
			continue
		}
		cur = &readmeBlock{line: i + 1}
		for i, f := range strings.Fields(strings.TrimPrefix(line, "```")) {
			if i == 0 {
				cur.lang = f
			} else if v, ok := strings.CutPrefix(f, "file="); ok {
				cur.file = v
			}
		}
	}
	if cur != nil {
		return nil, fmt.Errorf("README.md:%d: a fence that is never closed", cur.line)
	}
	return blocks, nil
}

// TestREADMEFencesSeen: a shell example Markdown shows is one TestREADME
// runs, or the test fails; an indented fence (in a list item) or a ~~~
// fence used to be read as prose and never run.
func TestREADMEFencesSeen(t *testing.T) {
	for _, text := range []string{
		"1. a step:\n\n   ```sh\n   false\n   ```\n",
		"~~~sh\nfalse\n~~~\n",
		"```sh\nfalse\n",
	} {
		if _, err := parseReadmeBlocks(text); err == nil {
			t.Errorf("parseReadmeBlocks accepted %q", text)
		}
	}
	blocks, err := parseReadmeBlocks("text\n```sh\n  indented inside is fine\n```\n")
	if err != nil || len(blocks) != 1 || blocks[0].lang != "sh" {
		t.Errorf("parseReadmeBlocks of one sh block: %v, %v", blocks, err)
	}
}

func readmeName(b readmeBlock) string {
	first := strings.TrimSpace(strings.SplitN(strings.TrimSpace(b.text), "\n", 2)[0])
	if len(first) > 40 {
		first = first[:40]
	}
	return strings.NewReplacer(" ", "_", "/", "_").Replace(b.lang + ":" + strings.TrimSpace(first))
}

// readmeDir is a fresh directory with the README's files and the
// runner's fixtures.
func readmeDir(t *testing.T, blocks []readmeBlock, akv string) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, text string, mode os.FileMode) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range blocks {
		if b.file != "" {
			write(b.file, b.text, 0o644)
		}
	}
	for _, name := range []string{"migrate.sh", "deploy.sh"} {
		write(name, "#!/bin/sh\n# TestREADME's stand-in for the user's "+name+"\nset -eu\n"+
			`: "${DB_PASSWORD:?DB_PASSWORD is not set}"`+"\necho \""+strings.TrimSuffix(name, ".sh")+
			": DB_PASSWORD has ${#DB_PASSWORD} characters\"\n", 0o755)
	}
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(akv, filepath.Join(dir, "bin", "akv")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func emulatorEnv(e *emulator.Emulator) []string {
	var env []string
	for k, v := range parseExports(e.Env()) {
		env = append(env, k+"="+v)
	}
	return env
}

// runBlock runs script (or, when it is empty, just the command) in its
// own process group. Nothing a block starts may outlive it: what still
// runs a few seconds after the shell exited is killed, and reported.
func runBlock(dir string, env []string, script string, command []string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := command
	if script != "" {
		path := filepath.Join(dir, ".readme-block")
		if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
			return nil, err
		}
		args = append(append([]string{}, command...), path)
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir, cmd.Env = dir, env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second // a leftover holding the output open
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = errors.Join(err, ctx.Err())
	}
	if cmd.Process != nil {
		pgid := cmd.Process.Pid
		for deadline := time.Now().Add(5 * time.Second); syscall.Kill(-pgid, 0) == nil; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				syscall.Kill(-pgid, syscall.SIGKILL)
				err = errors.Join(err, errors.New("it left processes running"))
				break
			}
		}
	}
	return out.Bytes(), err
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}
