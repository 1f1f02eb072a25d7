//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package main

import "golang.org/x/sys/unix"

// The BSDs' requests for a terminal's attributes (env_tty_termios.go).
const (
	getTermios = unix.TIOCGETA
	setTermios = unix.TIOCSETA
)
