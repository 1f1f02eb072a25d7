//go:build !windows

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"syscall"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/akv-cli/akv/templates"
)

// mayExecute asks the kernel whether we may execute path.
func mayExecute(path string) error { return syscall.Access(path, 0x1) } // X_OK

// execve replaces akv with the command: signals, job control, the
// terminal and the exit status are the command's own from here on.
func execve(env *Env, path string, argv, childEnv []string) error {
	err := syscall.Exec(path, argv, childEnv)
	return &exitError{code: exitNotExecutable, msg: fmt.Sprintf("run: %s: %v", path, err)}
}

func waitCode(ee *exec.ExitError) int {
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ee.ExitCode()
}

// forwarded are the signals --mask passes on to the child.
var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH}

// stopping are the forwarded signals that, with the command gone, end akv.
var stopping = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// runMasked runs the command as a child, forwards signals, and streams its
// output through maskers. When stdout is a terminal the child writes to a
// pseudo-terminal, so colours and progress bars survive; its stderr shares
// that terminal only when akv's stderr is a terminal too.
func runMasked(env *Env, path string, argv, childEnv, values []string) error {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args = argv
	cmd.Env = childEnv
	cmd.Stdin = env.Stdin
	dieWithAkv(cmd)
	runtime.LockOSThread() // the command's parent thread, for dieWithAkv
	defer runtime.UnlockOSThread()

	var streams []maskedStream
	var childEnds []*os.File // the child's side, closed here once it runs
	defer func() {
		for _, f := range childEnds {
			f.Close()
		}
	}()
	var ptmx *os.File
	if env.StdoutTTY {
		p, tty, err := pty.Open()
		if err != nil {
			return fmt.Errorf("run: open a pseudo-terminal: %w", err)
		}
		ptmx = p
		// The masker must see the bytes the command wrote: a translating
		// pseudo-terminal ("\n" → "\r\n") splits a multi-line secret into
		// lines too short to mask. akv's own terminal translates after.
		if err := rawPtyOutput(tty); err != nil {
			p.Close()
			tty.Close()
			return fmt.Errorf("run: set up the pseudo-terminal: %w", err)
		}
		if f, ok := env.Stdout.(*os.File); ok {
			pty.InheritSize(f, ptmx)
		}
		cmd.Stdout = tty
		if env.StderrTTY {
			cmd.Stderr = tty
		}
		childEnds = append(childEnds, tty)
		streams = append(streams, maskedStream{src: ptmx, mask: templates.NewMasker(env.Stdout, values)})
	} else {
		s, w, err := pipeStream(env.Stdout, values)
		if err != nil {
			return err
		}
		cmd.Stdout = w
		childEnds = append(childEnds, w)
		streams = append(streams, s)
	}
	if cmd.Stderr == nil {
		s, w, err := pipeStream(env.Stderr, values)
		if err != nil {
			streams[0].src.Close()
			return err
		}
		cmd.Stderr = w
		childEnds = append(childEnds, w)
		streams = append(streams, s)
	}

	// SIGQUIT is the command's to handle: drop akv's own SIGQUIT-as-
	// SIGTERM (quitLikeTerm) and forward it like the rest.
	signal.Reset(syscall.SIGQUIT)
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwarded...)
	defer signal.Stop(sigs)
	// A broken pipe on akv's stdout or stderr must come back as EPIPE, so
	// the child is stopped first, not kill akv on the spot and orphan it.
	pipes := make(chan os.Signal, 1)
	signal.Notify(pipes, syscall.SIGPIPE)
	defer signal.Stop(pipes)
	if err := cmd.Start(); err != nil {
		for _, s := range streams {
			s.src.Close()
		}
		return &exitError{code: exitNotExecutable, msg: fmt.Sprintf("run: %s: %v", path, err)}
	}
	// The child holds its ends now; reading ours ends when the child and
	// its descendants close theirs (or maskGrace after the child exits).
	for _, f := range childEnds {
		f.Close()
	}
	childEnds = nil
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				if s == syscall.SIGWINCH && ptmx != nil {
					if f, ok := env.Stdout.(*os.File); ok {
						pty.InheritSize(f, ptmx)
					}
				}
				if fromTerminal(s, cmd.Process.Pid) {
					continue // the command has its own copy
				}
				err := cmd.Process.Signal(s)
				if errors.Is(err, os.ErrProcessDone) && slices.Contains(stopping, s) {
					// The command has exited; what keeps akv (leftovers
					// holding its output, a reader that does not read)
					// must not make it deaf: the signal is akv's own.
					dieBy(s)
				}
			case <-done:
				return
			}
		}
	}()
	return superviseMasked(cmd, streams, func(p *os.Process) error { return p.Signal(syscall.SIGTERM) })
}

// fromTerminal reports whether s is one the terminal sent its whole
// foreground process group (Ctrl-C, Ctrl-\) with the command in it, so
// the command has had it already: passed on as well, it would arrive
// twice. (A signal sent to akv alone while akv is in the foreground looks
// the same and is not passed on; akv has no way to tell who sent it.)
func fromTerminal(s os.Signal, pid int) bool {
	if s != syscall.SIGINT && s != syscall.SIGQUIT {
		return false
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDONLY|syscall.O_NOCTTY, 0)
	if err != nil {
		return false // no controlling terminal: not from one
	}
	defer tty.Close()
	fg, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	own, oerr := unix.Getpgid(0)
	child, cerr := unix.Getpgid(pid)
	return err == nil && oerr == nil && cerr == nil && fg == own && child == own
}
