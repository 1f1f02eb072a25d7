//go:build aix || linux || solaris || zos

package main

import "golang.org/x/sys/unix"

// isTerminalFd: only a terminal answers the get-attributes request.
func isTerminalFd(fd uintptr) bool {
	_, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
	return err == nil
}
