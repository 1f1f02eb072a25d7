package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// Exactly 10 MiB is read; one byte more is refused; a reader that never
// answers is given up on at the deadline.
func TestReadInputBounds(t *testing.T) {
	within := func(d time.Duration) *call {
		s := &settings{env: &Env{}, timeout: d, deadline: time.Now().Add(d)}
		c, cancel := s.begin(context.Background())
		t.Cleanup(cancel)
		return c
	}
	s := within(time.Minute)
	if data, err := readInput(s, "template", "-i", "-", strings.NewReader(strings.Repeat("x", maxInput))); err != nil || len(data) != maxInput {
		t.Fatalf("10 MiB: %d bytes, %v", len(data), err)
	}
	if _, err := readInput(s, "template", "-i", "-", strings.NewReader(strings.Repeat("x", maxInput+1))); err == nil || exitCode(err) != exitUsage ||
		!strings.Contains(err.Error(), "larger than 10 MiB") {
		t.Fatalf("10 MiB + 1: %v", err)
	}
	pr, pw := io.Pipe()
	defer pw.Close()
	_, err := readInput(within(200*time.Millisecond), "template", "-i", "-", pr)
	if err == nil || exitCode(err) != exitUsage || !strings.Contains(err.Error(), "within --timeout 200ms") {
		t.Fatalf("silent stdin: %v", err)
	}
}

// readInput waits on the command's own context (begin's), not one of its
// own: when that context ends early, the read is given up on at once, and
// the error is not a --timeout one.
func TestReadInputEndsWithTheCallsContext(t *testing.T) {
	s := &settings{env: &Env{}, timeout: time.Hour, deadline: time.Now().Add(time.Hour)}
	parent, stop := context.WithCancel(context.Background())
	c, cancel := s.begin(parent)
	defer cancel()
	stop()
	pr, pw := io.Pipe()
	defer pw.Close()
	_, err := readInput(c, "template", "-i", "-", pr)
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "--timeout") {
		t.Fatalf("cancelled call: %v, want context.Canceled without --timeout advice", err)
	}
}
