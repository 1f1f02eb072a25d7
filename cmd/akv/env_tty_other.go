//go:build !(aix || darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris || zos || windows)

package main

import "os"

// isTerminalFd: without a terminal check, nothing is a terminal (plain
// output is always safe).
func isTerminalFd(uintptr) bool { return false }

// rawPtyOutput: without terminal control, leave the terminal as it is.
func rawPtyOutput(*os.File) error { return nil }
