package main

import (
	"os/exec"
	"syscall"
)

// dieWithAkv makes the kernel SIGKILL the command when akv dies, however
// akv dies (SIGKILL included), as it would without --mask, where akv has
// become the command. The kernel sends it when the thread that started
// the command ends, so runMasked keeps that thread (LockOSThread) until
// the command has been waited for.
func dieWithAkv(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
