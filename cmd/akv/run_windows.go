//go:build windows

package main

import (
	"os/exec"

	"github.com/akv-cli/akv/templates"
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

func runMasked(env *Env, path string, argv, childEnv, values []string) error {
	outMask := templates.NewMasker(env.Stdout, values)
	errMask := templates.NewMasker(env.Stderr, values)
	cmd := exec.Command(path, argv[1:]...)
	cmd.Env = childEnv
	cmd.Stdin, cmd.Stdout, cmd.Stderr = env.Stdin, outMask, errMask
	err := cmd.Run()
	outMask.Close()
	errMask.Close()
	return exitStatus(err)
}
