//go:build !windows

package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync"
	"syscall"

	"github.com/creack/pty"

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

// runMasked runs the command as a child, forwards signals, and streams its
// output through maskers. When stdout is a terminal the child writes to a
// pseudo-terminal, so colours and progress bars survive.
func runMasked(env *Env, path string, argv, childEnv, values []string) error {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args = argv
	cmd.Env = childEnv
	cmd.Stdin = env.Stdin

	outMask := templates.NewMasker(env.Stdout, values)
	errMask := templates.NewMasker(env.Stderr, values)
	var copies sync.WaitGroup
	var ptmx *os.File
	if env.StdoutTTY {
		p, tty, err := pty.Open()
		if err != nil {
			return fmt.Errorf("run: open a pseudo-terminal: %w", err)
		}
		ptmx = p
		if f, ok := env.Stdout.(*os.File); ok {
			pty.InheritSize(f, ptmx)
		}
		cmd.Stdout, cmd.Stderr = tty, tty
		defer tty.Close()
		copies.Go(func() { io.Copy(outMask, ptmx) })
	} else {
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		stderr, err := cmd.StderrPipe()
		if err != nil {
			return err
		}
		copies.Go(func() { io.Copy(outMask, stdout) })
		copies.Go(func() { io.Copy(errMask, stderr) })
	}

	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwarded...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return &exitError{code: exitNotExecutable, msg: fmt.Sprintf("run: %s: %v", path, err)}
	}
	if ptmx != nil {
		// The child holds the terminal side now; reading the master ends
		// when the child and its descendants close it.
		cmd.Stdout.(*os.File).Close()
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				if s == syscall.SIGWINCH && ptmx != nil {
					if f, ok := env.Stdout.(*os.File); ok {
						pty.InheritSize(f, ptmx)
					}
				}
				cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	copies.Wait()
	err := cmd.Wait()
	close(done)
	if ptmx != nil {
		ptmx.Close()
	}
	outMask.Close()
	errMask.Close()
	return exitStatus(err)
}
