//go:build !windows

package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// openStream opens path when it names a stream rather than a file to
// replace: /dev/stdout, /dev/stderr, /dev/fd/N or /proc/self/fd/N (a
// copy of descriptor N, so the data goes where N goes, at its offset),
// or an existing FIFO, character device or socket (/dev/null, /dev/tty).
// Replacing those by rename would put a regular file where the stream
// was (as root, over /dev/null; with stdout on a file, over that file,
// the output before lost), or fail on /proc/self/fd/N of a pipe. It
// returns nil, nil for a path that is to be written atomically.
func openStream(path string) (*os.File, error) {
	fd := -1
	switch path {
	case "/dev/stdout":
		fd = 1
	case "/dev/stderr":
		fd = 2
	default:
		for _, dir := range []string{"/dev/fd/", "/proc/self/fd/"} {
			if n, ok := strings.CutPrefix(path, dir); ok {
				if i, err := strconv.Atoi(n); err == nil && i >= 0 {
					fd = i
				}
			}
		}
	}
	if fd >= 0 {
		dup, err := syscall.Dup(fd)
		if err != nil {
			return nil, err
		}
		syscall.CloseOnExec(dup)
		return os.NewFile(uintptr(dup), path), nil
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode()&(os.ModeNamedPipe|os.ModeCharDevice|os.ModeDevice|os.ModeSocket) == 0 {
		return nil, nil
	}
	return os.OpenFile(path, os.O_WRONLY, 0)
}
