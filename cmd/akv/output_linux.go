package main

import (
	"errors"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// writeUnnamed writes data to an unnamed file in dir (O_TMPFILE) and
// links it into place only once it is complete. It returns errNoUnnamed
// where the kernel or the filesystem rules that out (or, before Linux
// 6.10 and without CAP_DAC_READ_SEARCH, a missing /proc).
func (w *atomicWrite) writeUnnamed(dir, path string, data []byte, o atomicOptions) error {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return errNoUnnamed // the named way reports a real problem (permissions) itself
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	if err := fill(f, data, o); err != nil {
		return err
	}
	// linkat(AT_EMPTY_PATH) needs no /proc, but before Linux 6.10 it
	// needs CAP_DAC_READ_SEARCH; linkat of /proc/self/fd/N needs /proc.
	proc := "/proc/self/fd/" + strconv.Itoa(fd)
	if o.noProc {
		proc = "/nonexistent/proc/self/fd/" + strconv.Itoa(fd)
	}
	link := func(name string) error {
		err := unix.Linkat(fd, "", unix.AT_FDCWD, name, unix.AT_EMPTY_PATH)
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINVAL) {
			err = unix.Linkat(unix.AT_FDCWD, proc, unix.AT_FDCWD, name, unix.AT_SYMLINK_FOLLOW)
		}
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	err = link(path) // nothing there yet: the file appears whole, under its name
	if !errors.Is(err, unix.EEXIST) {
		if err != nil {
			return errNoUnnamed
		}
		w.placed = true
		return nil
	}
	// Replacing a file: link under a temp name, rename over it at once.
	// A name exists only for those two calls, and only for a complete file.
	for range 10 {
		w.tmp = tempName(path)
		if err = link(w.tmp); !errors.Is(err, unix.EEXIST) {
			break
		}
	}
	if err != nil {
		w.tmp = ""
		return errNoUnnamed
	}
	if err = os.Rename(w.tmp, path); err != nil {
		os.Remove(w.tmp)
	}
	w.tmp, w.placed = "", err == nil
	return err
}
