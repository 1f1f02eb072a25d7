//go:build aix || linux || solaris || zos

package main

import "golang.org/x/sys/unix"

// The System V requests for a terminal's attributes (env_tty_termios.go).
const (
	getTermios = unix.TCGETS
	setTermios = unix.TCSETS
)
