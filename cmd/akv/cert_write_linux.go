package main

import (
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// stageUnnamed writes data to an unnamed file (O_TMPFILE) in target's
// directory, kept open until linkUnnamed names it. errNoUnnamed where the kernel or the
// filesystem has none: the named way reports real problems itself.
func stageUnnamed(target string, data []byte) (*os.File, error) {
	fd, err := unix.Open(filepath.Dir(target), unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, errNoUnnamed
	}
	f := os.NewFile(uintptr(fd), target)
	if _, err := os.Stat(procPath(f)); err != nil { // no /proc: it could never be named
		f.Close()
		return nil, errNoUnnamed
	}
	if err := fill(f, data, atomicOptions{}); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// linkUnnamed gives f the name; linkat of /proc/self/fd/N needs no
// privilege (AT_EMPTY_PATH would).
func linkUnnamed(f *os.File, name string) error {
	err := unix.Linkat(unix.AT_FDCWD, procPath(f), unix.AT_FDCWD, name, unix.AT_SYMLINK_FOLLOW)
	if err != nil {
		return &os.LinkError{Op: "link", Old: f.Name(), New: name, Err: err}
	}
	return nil
}

func procPath(f *os.File) string { return "/proc/self/fd/" + strconv.Itoa(int(f.Fd())) }
