package main

import (
	"io"
	"os"
	"time"
)

// Env is everything a command may touch of the outside world, passed in so
// tests can swap it: streams, environment, clock and signal handling.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Environ        func() []string
	Now            func() time.Time
	// StdoutTTY and StderrTTY report terminals (tables, progress, colour).
	StdoutTTY, StderrTTY bool
}

func osEnv() *Env {
	return &Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Getenv: os.Getenv, Environ: os.Environ, Now: time.Now,
		StdoutTTY: isTerminal(os.Stdout), StderrTTY: isTerminal(os.Stderr),
	}
}

// isTerminal asks the terminal driver whether f is a terminal (isatty).
// "A character device" is not enough: /dev/null is one, and output sent
// there must not get a pseudo-terminal, colours or progress lines.
func isTerminal(f *os.File) bool {
	rc, err := f.SyscallConn() // unlike Fd, keeps the file's mode
	if err != nil {
		return false
	}
	tty := false
	rc.Control(func(fd uintptr) { tty = isTerminalFd(fd) })
	return tty
}
