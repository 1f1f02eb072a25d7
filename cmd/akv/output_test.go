package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeModes are the two ways -o writes: through an unnamed file (Linux,
// O_TMPFILE) and through a named temp file (elsewhere, or where the
// filesystem has no O_TMPFILE).
var writeModes = []struct {
	name string
	opts atomicOptions
}{{"default", atomicOptions{}}, {"named", atomicOptions{named: true}}}

func TestWriteFileAtomic(t *testing.T) {
	for _, mode := range writeModes {
		t.Run(mode.name, func(t *testing.T) {
			dir := t.TempDir()
			target := filepath.Join(dir, "out.env")
			for _, content := range []string{"FIRST=1\n", "SECOND=2\n"} { // new file, then a replacement
				if err := writeFileAtomicWith(target, []byte(content), mode.opts); err != nil {
					t.Fatal(err)
				}
				checkOnly(t, dir, "out.env", content)
				if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o600 {
					t.Errorf("mode %v, want 0600", fi.Mode().Perm())
				}
			}
			// Through a symlink, to its target, which stays a link.
			link := filepath.Join(dir, "link.env")
			if err := os.Symlink("out.env", link); err != nil {
				t.Fatal(err)
			}
			if err := writeFileAtomicWith(link, []byte("THIRD=3\n"), mode.opts); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("the symlink was replaced: %v", err)
			}
			if got, _ := os.ReadFile(target); string(got) != "THIRD=3\n" {
				t.Errorf("target holds %q", got)
			}
		})
	}
}

// Issue 11 point 13: on Linux the data is written to a file with no name,
// linked into place only when complete: nothing named exists mid-write.
func TestWriteFileAtomicUnnamedWhileWriting(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("O_TMPFILE is Linux's")
	}
	dir := tmpfileDir(t)
	target := filepath.Join(dir, "out.env")
	os.WriteFile(target, []byte("OLD=1\n"), 0o600)
	var during []string
	err := writeFileAtomicWith(target, bytes.Repeat([]byte("NEW=2\n"), 1000), atomicOptions{midWrite: func() {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			during = append(during, e.Name())
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(during, " ") != "out.env" {
		t.Errorf("mid-write the directory held %q, want only out.env", during)
	}
	checkOnly(t, dir, "out.env", strings.Repeat("NEW=2\n", 1000))
}

// Issue 11 point 13: a signal mid-write leaves the old file as it was and
// no temp file: SIGKILL (nothing can clean up: nothing may be named),
// SIGTERM (dies by it), SIGQUIT (like SIGTERM: dies by SIGTERM, no
// goroutine dump). The writer is this test binary, re-run as a helper.
func TestWriteFileAtomicSignalMidWrite(t *testing.T) {
	if dir := os.Getenv("AKV_TEST_ATOMIC_DIR"); dir != "" {
		writeFileAtomicWith(filepath.Join(dir, "out.env"), bytes.Repeat([]byte("NEW=2\n"), 1000), atomicOptions{
			named: os.Getenv("AKV_TEST_ATOMIC_NAMED") != "",
			midWrite: func() {
				os.WriteFile(os.Getenv("AKV_TEST_ATOMIC_READY"), []byte("ready"), 0o600)
				time.Sleep(time.Minute)
			}})
		os.Exit(0) // not reached when the signal works
	}
	if runtime.GOOS == "windows" {
		t.Skip("no signals to send")
	}
	for _, tc := range []struct {
		sig, diesBy syscall.Signal
		named       bool
	}{
		{syscall.SIGKILL, syscall.SIGKILL, false},
		{syscall.SIGTERM, syscall.SIGTERM, false},
		{syscall.SIGQUIT, syscall.SIGTERM, false},
		{syscall.SIGINT, syscall.SIGINT, false},
		{syscall.SIGTERM, syscall.SIGTERM, true},
		{syscall.SIGQUIT, syscall.SIGTERM, true},
	} {
		if tc.sig == syscall.SIGKILL && runtime.GOOS != "linux" {
			continue // only an unnamed file survives SIGKILL without a trace
		}
		t.Run(tc.sig.String()+map[bool]string{true: "/named"}[tc.named], func(t *testing.T) {
			dir := tmpfileDir(t)
			os.WriteFile(filepath.Join(dir, "out.env"), []byte("OLD=1\n"), 0o600)
			ready := filepath.Join(t.TempDir(), "ready")
			cmd := exec.Command(os.Args[0], "-test.run=^TestWriteFileAtomicSignalMidWrite$")
			cmd.Env = append(os.Environ(), "AKV_TEST_ATOMIC_DIR="+dir, "AKV_TEST_ATOMIC_READY="+ready)
			if tc.named {
				cmd.Env = append(cmd.Env, "AKV_TEST_ATOMIC_NAMED=1")
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				if _, err := os.Stat(ready); err == nil {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("the helper never reached the middle of its write")
				}
			}
			cmd.Process.Signal(tc.sig)
			cmd.Wait()
			if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != tc.diesBy {
				t.Errorf("helper ended with %v, want killed by %v", cmd.ProcessState, tc.diesBy)
			}
			if strings.Contains(stderr.String(), "goroutine ") || strings.Contains(stderr.String(), "SIGQUIT") {
				t.Errorf("a goroutine dump on stderr:\n%.300s", stderr.String())
			}
			checkOnly(t, dir, "out.env", "OLD=1\n")
		})
	}
}

// checkOnly fails unless dir holds just the file name, with content.
func checkOnly(t *testing.T, dir, name, content string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != name {
		t.Errorf("the directory holds %q, want only %s", names, name)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, name)); string(got) != content {
		t.Errorf("%s holds %.40q, want %.40q", name, got, content)
	}
}

// tmpfileDir is a temp dir, on a filesystem with O_TMPFILE where the
// test's own has none (overlayfs before Linux 6.6): /dev/shm is tmpfs.
func tmpfileDir(t *testing.T) string {
	dir := t.TempDir()
	if runtime.GOOS != "linux" || supportsTmpfile(dir) {
		return dir
	}
	shm, err := os.MkdirTemp("/dev/shm", "akv-test-")
	if err != nil || !supportsTmpfile(shm) {
		t.Fatalf("no directory with O_TMPFILE here (%s, /dev/shm): %v", dir, err)
	}
	t.Cleanup(func() { os.RemoveAll(shm) })
	return shm
}
