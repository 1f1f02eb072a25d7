//go:build !(aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris || zos || windows)

package main

// isTerminalFd: without a terminal check, nothing is a terminal (plain
// output is always safe).
func isTerminalFd(uintptr) bool { return false }
