//go:build !windows

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakeInstall installs the release build the way the README says,
// to PREFIX and to GOBIN, and runs it: its version is stamped, and
// 'akv version', --version, -V and the help all show the same line
// (issue 13, point 11).
func TestMakeInstall(t *testing.T) {
	t.Parallel()
	needPrograms(t, "make", "git")
	for _, c := range []struct{ variable, bin string }{{"PREFIX", "bin/akv"}, {"GOBIN", "akv"}} {
		dir := t.TempDir()
		cmd := exec.Command("make", "-s", "-C", "../..", "install", c.variable+"="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make install %s=%s: %v\n%s", c.variable, dir, err, out)
		}
		akv := filepath.Join(dir, c.bin)
		fi, err := os.Stat(akv)
		if err != nil || fi.Mode().Perm() != 0o755 {
			t.Fatalf("make install %s=DIR: want %s with mode 0755, got %v %v", c.variable, c.bin, fi, err)
		}
		commit, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output()
		if err != nil {
			t.Fatal(err)
		}
		version := output(t, akv, "version")
		if !strings.Contains(version, "("+strings.TrimSpace(string(commit))+", go1.") {
			t.Errorf("installed akv version %q does not carry commit %s", version, commit)
		}
		for _, args := range [][]string{{"--version"}, {"-V"}} {
			if got := output(t, akv, args...); got != version {
				t.Errorf("akv %s = %q, akv version = %q", args[0], got, version)
			}
		}
		if help := output(t, akv, "--help"); !strings.Contains(help, "VERSION:\n   "+strings.TrimSpace(version)+"\n") {
			t.Errorf("akv --help does not show %q:\n%s", version, help)
		}
	}
}

func output(t *testing.T, prog string, args ...string) string {
	t.Helper()
	out, err := exec.Command(prog, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", prog, args, err)
	}
	return string(out)
}
