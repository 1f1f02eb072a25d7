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

// isTerminal reports a character device; good enough to choose between a
// table for people and tab-separated lines for pipes.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
