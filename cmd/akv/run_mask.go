package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/akv-cli/akv/templates"
)

// maskGrace is how long akv keeps reading, once the command has exited,
// from processes it left behind that still hold its output (a daemon
// started with &), and how long a command akv must stop gets between
// SIGTERM and SIGKILL (half of it).
const maskGrace = time.Second

// maskedStream is one output of the command on its way through a Masker.
type maskedStream struct {
	src  *os.File // the read end of a pipe, or a pseudo-terminal's master
	mask *templates.Masker
}

// superviseMasked copies the started command's streams through their
// maskers until it exits, then for at most maskGrace more. When writing
// akv's own output fails (EPIPE, ENOSPC), it stops the command —
// terminate, then SIGKILL after half of maskGrace — and returns that
// failure: a filter that cannot write must not leave its command running,
// nor hang on it.
func superviseMasked(cmd *exec.Cmd, streams []maskedStream, terminate func(*os.Process) error) error {
	failed := make(chan error, len(streams))
	var copies sync.WaitGroup
	for _, s := range streams {
		copies.Go(func() {
			if err := copyMasked(s); err != nil {
				s.src.Close() // the command's writes fail from now on
				failed <- err
			}
		})
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	var outErr, waitErr error
	select {
	case waitErr = <-exited:
	case outErr = <-failed:
		terminate(cmd.Process)
		select {
		case waitErr = <-exited:
		case <-time.After(maskGrace / 2):
			cmd.Process.Kill()
			waitErr = <-exited
		}
	}

	// The command is gone; what it started may still hold the pipes.
	grace := maskGrace
	if outErr != nil {
		grace = 0
	}
	copied := make(chan struct{})
	go func() { copies.Wait(); close(copied) }()
	select {
	case <-copied:
	case <-time.After(grace):
		for _, s := range streams {
			if s.src.SetReadDeadline(time.Now()) != nil {
				s.src.Close()
			}
		}
		select {
		case <-copied:
		case <-time.After(100 * time.Millisecond): // a reader no deadline reaches: leave it
		}
	}
	if outErr == nil {
		select {
		case outErr = <-failed: // during the grace
		default:
		}
	}
	for _, s := range streams {
		if err := s.mask.Close(); err != nil && outErr == nil {
			outErr = err
		}
		s.src.Close()
	}
	if outErr != nil {
		return &exitError{code: exitInternal, msg: fmt.Sprintf("run: cannot write output, stopped %s: %v", cmd.Args[0], outErr),
			hint: "check where akv's output goes (a full disk, a reader that went away)"}
	}
	return exitStatus(waitErr)
}

// copyMasked copies src into its masker until src ends; it returns only
// a failure to write.
func copyMasked(s maskedStream) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := s.src.Read(buf)
		if n > 0 {
			if _, werr := s.mask.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err != nil {
			return nil // EOF, EIO from a terminal nobody holds, or the deadline
		}
	}
}

// pipeStream makes a pipe for one of the command's outputs: the command
// writes to the returned file, and akv masks what comes out into dst.
func pipeStream(dst io.Writer, values []string) (maskedStream, *os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return maskedStream{}, nil, fmt.Errorf("run: %w", err)
	}
	return maskedStream{src: r, mask: templates.NewMasker(dst, values)}, w, nil
}
