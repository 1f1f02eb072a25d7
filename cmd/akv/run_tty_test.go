//go:build !windows

package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// Issue 11 point 12: a terminal is what the terminal check says, not any
// character device (/dev/null is one).
func TestIsTerminal(t *testing.T) {
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for _, f := range []*os.File{devNull, w, file} {
		if isTerminal(f) {
			t.Errorf("%s: a terminal, says isTerminal", f.Name())
		}
	}
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if !isTerminal(tty) {
		t.Errorf("%s: not a terminal, says isTerminal", tty.Name())
	}
}

// Ctrl-C on the terminal reaches run --mask's command once: the terminal
// sends SIGINT to its whole foreground process group, akv and the command
// alike, so akv must not pass its own copy on (twice means "stop at once,
// never mind the clean-up" to terraform and others; berglas#158). The
// command, a shell, counts between two quick builtins; two SIGINTs a
// moment apart may still merge into one, so Ctrl-C is pressed 8 times:
// with akv's copies the count comes out above 8.
func TestRunMaskCtrlCReachesCommandOnce(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	go io.Copy(io.Discard, ptmx)
	dir := t.TempDir()
	cmd := exec.Command("akv", "run", "--mask", "--", "sh", "-c",
		`n=0; trap 'n=$((n+1))' INT; : > ready; while [ ! -e stop ]; do :; done; echo $n > count`)
	cmd.Dir = dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	// The terminal is akv's controlling terminal, akv's group its foreground.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	defer cmd.Process.Kill()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dir, "ready")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the command never started")
		}
	}
	const presses = 8
	for range presses {
		ptmx.Write([]byte{3}) // Ctrl-C
		time.Sleep(150 * time.Millisecond)
	}
	os.WriteFile(filepath.Join(dir, "stop"), nil, 0o600)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("akv run: %v", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "count")); strings.TrimSpace(string(got)) != strconv.Itoa(presses) {
		t.Fatalf("the command counted %q SIGINTs for %d Ctrl-C, want %[2]d", got, presses)
	}
}
