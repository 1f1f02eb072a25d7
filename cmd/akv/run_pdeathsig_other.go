//go:build !linux && !windows

package main

import "os/exec"

// dieWithAkv: only Linux tells a child its parent died; elsewhere a
// command akv was killed under runs on until it next writes (EPIPE).
func dieWithAkv(*exec.Cmd) {}
