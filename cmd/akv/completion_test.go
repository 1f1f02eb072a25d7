package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestZshCompletionFirstTab types into an interactive zsh on a terminal,
// with _akv installed on $fpath the way the README says: the very first
// Tab completes (issue 13: the bashcompinit script completed only from
// the second).
func TestZshCompletionFirstTab(t *testing.T) {
	t.Parallel()
	needPrograms(t, "zsh")
	zsh, _ := exec.LookPath("zsh")
	akv, err := exec.LookPath("akv") // the test binary, put on PATH by testscript.Main
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	script, err := exec.Command(akv, "completion", "zsh").Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, ".zfunc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".zfunc", "_akv"), script, 0o644); err != nil {
		t.Fatal(err)
	}
	rc := "fpath=(~/.zfunc $fpath)\nautoload -Uz compinit && compinit -u -D\nPS1='ready> '\nunsetopt beep\n"
	if err := os.WriteFile(filepath.Join(dir, ".zshrc"), []byte(rc), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(zsh, "-i")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "ZDOTDIR=" + dir, "TERM=xterm", "AKV_DMI_DIR=" + dir}
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 160})
	if err != nil {
		t.Fatalf("start zsh on a pseudo-terminal: %v", err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
		ptmx.Close()
	}()
	var mu sync.Mutex
	var screen bytes.Buffer
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			screen.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	// waitFor waits until the terminal shows every want after offset.
	waitFor := func(offset int, want ...string) int {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			mu.Lock()
			text := screen.String()
			mu.Unlock()
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(text[offset:], w)
			}
			if ok {
				return len(text)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("the terminal never showed %q; it shows:\n%s", want, screen.String()[offset:])
		return 0
	}
	at := waitFor(0, "ready> ")
	fmt.Fprint(ptmx, "akv completion \t")
	waitFor(at, "bash", "fish", "zsh")
	// The first Tab on a command name completes too.
	fmt.Fprint(ptmx, "\x15akv whoa\t")
	waitFor(at, "whoami")
}
