package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNoSilentSkips holds every test in the repository to the rule that
// `make test` never skips silently (issue 13, point 9): a Go test skips
// only after checking CI (under CI a missing consumer fails) or for a
// platform that lacks the feature (runtime.GOOS), and a
// script guards with [have:PROG], which is an error under CI, never with
// testscript's [exec:PROG] or a bare stop.
func TestNoSilentSkips(t *testing.T) {
	skip := regexp.MustCompile(`\.(Skip|Skipf|SkipNow)\(`)
	badCond := regexp.MustCompile(`\[!?exec:[^\]]*\]|^\s*(\[[^\]]*\]\s*)+stop\b`)
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		isGo, isScript := strings.HasSuffix(path, "_test.go"), strings.HasSuffix(path, ".txtar")
		if !isGo && !isScript {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		lines := strings.Split(string(data), "\n")
		for i, line := range lines {
			switch {
			case isGo && skip.MatchString(line) && !strings.Contains(line, "regexp.MustCompile"):
				before := strings.Join(lines[max(0, i-8):i], "\n")
				if !strings.Contains(before, `os.Getenv("CI")`) && !strings.Contains(before, "runtime.GOOS") {
					t.Errorf("%s:%d: a skip without a CI check before it: under CI a missing consumer must fail", path, i+1)
				}
			case isScript && badCond.MatchString(line):
				t.Errorf("%s:%d: %q skips silently; guard with [!have:PROG] skip 'why' (an error under CI)", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
