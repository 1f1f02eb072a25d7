package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/akv-cli/akv/templates"
	"github.com/akv-cli/akv/vault/emulator"
)

// runIn runs akv in-process with the given environment.
func runIn(t *testing.T, vars map[string]string, tty bool, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv:  func(k string) string { return vars[k] },
		Environ: func() []string { return nil },
		Now:     time.Now, StderrTTY: tty,
	}
	code = run(context.Background(), env, append([]string{"akv"}, args...))
	return code, out.String(), errb.String()
}

func emulatorVars(t *testing.T, o emulator.Options) map[string]string {
	t.Helper()
	e, err := emulator.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return map[string]string{"MSI_ENDPOINT": e.MSIEndpoint, "AKV_VAULT_ENDPOINTS": "demo=" + e.Vaults["demo"],
		"AKV_CA_FILE": e.CAFile, "AKV_VAULT": "demo", "AKV_DMI_DIR": t.TempDir()}
}

func TestProgressOnTerminalForBulkFetches(t *testing.T) {
	seeds := map[string]emulator.Seed{}
	for i := range 60 {
		seeds[fmt.Sprintf("s%02d", i)] = emulator.Seed{Value: "v"}
	}
	vars := emulatorVars(t, emulator.Options{Seeds: seeds})
	code, _, stderr := runIn(t, vars, true, "export", "--all")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// The total grows as list pages arrive, so the counts vary from run to run.
	if !regexp.MustCompile(`\rakv: fetched [0-9]+/[0-9]+ secrets`).MatchString(stderr) || !strings.HasSuffix(stderr, "\r\033[K") {
		t.Fatalf("stderr %q: want a progress line, cleared at the end", stderr)
	}
	_, _, stderr = runIn(t, vars, false, "export", "--all")
	if stderr != "" {
		t.Fatalf("stderr %q: no progress when stderr is not a terminal", stderr)
	}
	_, _, stderr = runIn(t, vars, true, "export", "--prefix", "s0")
	if stderr != "" {
		t.Fatalf("stderr %q: no progress for 50 secrets or fewer", stderr)
	}
}

func TestEditDistanceSuggestions(t *testing.T) {
	for in, want := range map[string]string{"gte": "get", "exprot": "export", "lsit": "list", "zzzzzz": ""} {
		if got := templates.Closest(in, []string{"get", "export", "list", "run"}); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}
