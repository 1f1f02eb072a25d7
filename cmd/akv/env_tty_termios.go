//go:build aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris || zos

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// isTerminalFd: only a terminal answers the get-attributes request.
func isTerminalFd(fd uintptr) bool {
	_, err := unix.IoctlGetTermios(int(fd), getTermios)
	return err == nil
}

// rawPtyOutput turns off output processing (OPOST) on terminal f: what
// is written to it is read from its master byte for byte.
func rawPtyOutput(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var terr error
	if err := rc.Control(func(fd uintptr) {
		var t *unix.Termios
		if t, terr = unix.IoctlGetTermios(int(fd), getTermios); terr == nil {
			t.Oflag &^= unix.OPOST
			terr = unix.IoctlSetTermios(int(fd), setTermios, t)
		}
	}); err != nil {
		return err
	}
	return terr
}
