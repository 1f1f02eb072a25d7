//go:build !windows

package main

import (
	"os"
	"path/filepath"
	"testing"

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
