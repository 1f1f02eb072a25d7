package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// supportsTmpfile reports whether dir's filesystem makes unnamed files.
func supportsTmpfile(dir string) bool {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return true
}

// Issue 11 point 13, where /proc is not mounted (a chroot, a bare
// container): the unnamed file is still linked into place whole, through
// linkat(AT_EMPTY_PATH), so nothing named exists mid-write and SIGKILL
// leaves nothing behind. Where the kernel refuses that link (before Linux
// 6.10 without CAP_DAC_READ_SEARCH), the named temp file is the fallback,
// and it must not outlive the write.
func TestWriteFileAtomicUnnamedWithoutProc(t *testing.T) {
	dir := tmpfileDir(t)
	target := filepath.Join(dir, "out.env")
	os.WriteFile(target, []byte("OLD=1\n"), 0o644)
	var during []string
	err := writeFileAtomicWith(target, bytes.Repeat([]byte("NEW=2\n"), 1000), atomicOptions{noProc: true, midWrite: func() {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			during = append(during, e.Name())
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if canLinkUnnamed(t, dir) {
		if strings.Join(during, " ") != "out.env" {
			t.Errorf("without /proc, mid-write the directory held %q, want only out.env", during)
		}
	} else {
		t.Logf("this kernel refuses linkat(AT_EMPTY_PATH) here: the named temp file is the fallback")
	}
	checkOnly(t, dir, "out.env", strings.Repeat("NEW=2\n", 1000))
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
}

// canLinkUnnamed reports whether this process may give an unnamed file a
// name with linkat(AT_EMPTY_PATH).
func canLinkUnnamed(t *testing.T, dir string) bool {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	name := filepath.Join(dir, "probe")
	if err := unix.Linkat(fd, "", unix.AT_FDCWD, name, unix.AT_EMPTY_PATH); err != nil {
		return false
	}
	os.Remove(name)
	return true
}
