//go:build !windows

package main

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestMaskOnTerminalKeepsTTY: with --mask and stdout on a terminal, the
// child still sees a terminal (colours, progress bars) and its output is
// masked.
func TestMaskOnTerminalKeepsTTY(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no pseudo-terminal here: %v (CI must provide one)", err)
		}
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer ptmx.Close()
	var got bytes.Buffer
	copied := make(chan struct{})
	go func() { io.Copy(&got, ptmx); close(copied) }()

	secret := "canary-7f3a9c1e5b"
	env := &Env{Stdin: strings.NewReader(""), Stdout: tty, Stderr: tty, StdoutTTY: true}
	err = runMasked(env, "/bin/sh",
		[]string{"sh", "-c", `if [ -t 1 ]; then printf '\033[32mtty\033[0m %s\n' "$X"; else echo notty; fi; exit 7`},
		[]string{"X=" + secret, "PATH=" + os.Getenv("PATH")}, []string{secret})
	if exitCode(err) != 7 {
		t.Fatalf("exit = %d (%v), want 7", exitCode(err), err)
	}
	tty.Close()
	select {
	case <-copied:
	case <-time.After(5 * time.Second):
	}
	out := got.String()
	if !strings.Contains(out, "\033[32mtty\033[0m *****") {
		t.Fatalf("output %q: want the colour codes kept and the value masked", out)
	}
	if strings.Contains(out, secret) {
		t.Fatal("the secret reached the terminal")
	}
}

// Issue 11 point 1: on a terminal too, a process the command left behind
// holding the terminal keeps akv only about maskGrace after the command
// exits (today runMasked waited for it).
func TestMaskOnTerminalDoesNotWaitForLeftovers(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	go io.Copy(io.Discard, ptmx)
	pidFile := t.TempDir() + "/leftover.pid"
	env := &Env{Stdin: strings.NewReader(""), Stdout: tty, Stderr: tty, StdoutTTY: true, StderrTTY: true}
	returned := make(chan error, 1)
	go func() {
		returned <- runMasked(env, "/bin/sh", []string{"sh", "-c", `sleep 30 & echo $! > "$P"; echo started`},
			[]string{"P=" + pidFile, "PATH=" + os.Getenv("PATH")}, []string{"s3cr3t-value"})
	}()
	select {
	case err := <-returned:
		if err != nil {
			t.Fatalf("runMasked: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("runMasked still waits for the command's leftover process")
	}
	if data, err := os.ReadFile(pidFile); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil {
			syscall.Kill(pid, syscall.SIGTERM)
		}
	}
}

// On a terminal, the command's bytes reach the masker as it wrote them:
// the pseudo-terminal translates nothing (akv's own terminal still does).
// Its default "\n" → "\r\n" made a multi-line secret whose lines are each
// too short to mask on their own ("ab\ncd\nef") come through in clear, and
// doubled every carriage return on akv's terminal.
func TestMaskOnTerminalPassesBytesUntranslated(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	var got bytes.Buffer
	copied := make(chan struct{})
	go func() { io.Copy(&got, ptmx); close(copied) }()

	secrets := []string{"ab\ncd\nef", "abc\r\ndef"}
	env := &Env{Stdin: strings.NewReader(""), Stdout: tty, Stderr: tty, StdoutTTY: true, StderrTTY: true}
	// The output terminal (tty) must not translate either, so what the
	// command wrote is what arrives at ptmx.
	if err := rawPtyOutput(tty); err != nil {
		t.Fatal(err)
	}
	err = runMasked(env, "/bin/sh",
		[]string{"sh", "-c", `printf 'one\ntwo\r\n[%s][%s]\n' "$X" "$Y"; printf '[%s]' "$X" >&2`},
		[]string{"X=" + secrets[0], "Y=" + secrets[1], "PATH=" + os.Getenv("PATH")}, secrets)
	if err != nil {
		t.Fatalf("runMasked: %v", err)
	}
	tty.Close()
	select {
	case <-copied:
	case <-time.After(5 * time.Second):
	}
	if want := "one\ntwo\r\n[*****][*****]\n[*****]"; got.String() != want {
		t.Fatalf("terminal got %q, want %q", got.String(), want)
	}
}
