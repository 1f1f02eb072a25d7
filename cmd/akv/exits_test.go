package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestExitsCommand holds the scripts' `exits` command to what its comment
// promises: a script whose akv exits with another code, or that negates
// exits, fails; the code of a signal death is 128+N; akv's stdout and
// stderr are the script's afterwards; NAME=VALUE reaches akv only.
func TestExitsCommand(t *testing.T) {
	for _, tc := range []struct {
		name, script string
		fails        string // "" when the script must pass, else a line of its failure log
	}{
		{"right code", "exits 2 akv frobnicate\n! stdout .\nstderr '^akv: unknown command \"frobnicate\"'\n", ""},
		{"wrong code", "exits 3 akv frobnicate\n", "akv exited 2, want 3"},
		{"zero is a code", "exits 0 akv --version\nstdout .\n", ""},
		{"success is not a failure code", "exits 2 akv --version\n", "akv exited 0, want 2"},
		{"negated", "! exits 2 akv frobnicate\n", "unsupported: ! exits"},
		{"akv only", "exits 0 true\n", "exits runs akv or akv-crashing only"},
		{"bad code", "exits two akv frobnicate\n", `bad exit code "two"`},
		// --mask keeps akv the parent of sh (without it akv execs sh in its place).
		{"signal death", "exits 137 akv run --mask -- sh -c 'kill -KILL $PPID'\n", ""},
		{"assignment for this run", "exits 2 AKV_VAULT=ab akv get x\nstderr 'ab'\nexec sh -c 'echo \"[$AKV_VAULT]\"'\nstdout '^\\[\\]$'\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "s.txtar"), []byte(tc.script), 0o600); err != nil {
				t.Fatal(err)
			}
			ft := &recordingT{}
			func() {
				defer catchScriptAbort()
				testscript.RunT(ft, testscript.Params{
					Dir:   dir,
					Setup: func(e *testscript.Env) error { e.Setenv("AKV_VAULT", ""); return nil },
					Cmds:  map[string]func(*testscript.TestScript, bool, []string){"exits": cmdExits},
				})
			}()
			switch {
			case tc.fails == "" && ft.failed:
				t.Fatalf("script failed:\n%s", ft.log.String())
			case tc.fails != "" && !ft.failed:
				t.Fatalf("script passed, want a failure with %q:\n%s", tc.fails, ft.log.String())
			case tc.fails != "" && !strings.Contains(ft.log.String(), tc.fails):
				t.Fatalf("failure log lacks %q:\n%s", tc.fails, ft.log.String())
			}
		})
	}
}

// recordingT is a testscript.T that records a failure instead of failing the
// test (as testscript's own tests do).
type recordingT struct {
	log    strings.Builder
	failed bool
}

var errScriptAbort = errors.New("abort script")

func catchScriptAbort() {
	if r := recover(); r != nil && r != errScriptAbort {
		panic(r)
	}
}

func (t *recordingT) Skip(args ...any)  { panic(errScriptAbort) }
func (t *recordingT) Fatal(args ...any) { t.Log(args...); t.FailNow() }
func (t *recordingT) Parallel()         {}
func (t *recordingT) Log(args ...any)   { fmt.Fprintln(&t.log, args...) }
func (t *recordingT) FailNow()          { t.failed = true; panic(errScriptAbort) }
func (t *recordingT) Verbose() bool     { return false }
func (t *recordingT) Run(name string, f func(testscript.T)) {
	defer catchScriptAbort()
	f(t)
}
