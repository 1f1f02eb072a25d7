//go:build windows

package main

import "syscall"

// isTerminalFd: only a console has a console mode.
func isTerminalFd(fd uintptr) bool {
	var mode uint32
	return syscall.GetConsoleMode(syscall.Handle(fd), &mode) == nil
}
