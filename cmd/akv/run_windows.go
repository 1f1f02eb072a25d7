//go:build windows

package main

import (
	"os"
	"os/exec"
)

// mayExecute: Windows has no execute bit; the extension decides.
func mayExecute(string) error { return nil }

// execve has no exec on Windows: run a child with the same streams and
// return its exit status.
func execve(env *Env, path string, argv, childEnv []string) error {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Env = childEnv
	cmd.Stdin, cmd.Stdout, cmd.Stderr = env.Stdin, env.Stdout, env.Stderr
	return exitStatus(cmd.Run())
}

func waitCode(ee *exec.ExitError) int { return ee.ExitCode() }

// runMasked runs the command with its output through maskers; Windows
// has no signals to forward, so stopping it means killing it.
func runMasked(env *Env, path string, argv, childEnv, values []string) error {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Env = childEnv
	cmd.Stdin = env.Stdin
	out, outW, err := pipeStream(env.Stdout, values)
	if err != nil {
		return err
	}
	errs, errW, err := pipeStream(env.Stderr, values)
	if err != nil {
		out.src.Close()
		outW.Close()
		return err
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if err != nil {
		out.src.Close()
		errs.src.Close()
		return exitStatus(err)
	}
	return superviseMasked(cmd, []maskedStream{out, errs}, func(p *os.Process) error { return p.Kill() })
}
