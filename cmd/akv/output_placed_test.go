//go:build !windows

package main

import (
	"bytes"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestWriteFileAtomicSignalOncePlaced: a signal that arrives once the new
// file is in place (while the directory is synced) is not the write's:
// a command that handles it itself (the emulator removing its
// --write-env file and CA) gets it, and without one akv dies by it with
// the new file whole. The write's handler used to end akv there, so a
// script that killed `akv emulator --write-env F` as soon as F appeared
// sometimes left F and the CA behind (issue 13, point 3).
func TestWriteFileAtomicSignalOncePlaced(t *testing.T) {
	if dir := os.Getenv("AKV_TEST_PLACED_DIR"); dir != "" {
		own := make(chan os.Signal, 2)
		if os.Getenv("AKV_TEST_PLACED_OWN") != "" {
			signal.Notify(own, syscall.SIGTERM)
		}
		writeFileAtomicWith(filepath.Join(dir, "out.env"), []byte("NEW=2\n"), atomicOptions{
			named: os.Getenv("AKV_TEST_PLACED_NAMED") != "",
			placed: func() {
				os.WriteFile(os.Getenv("AKV_TEST_PLACED_READY"), []byte("ready"), 0o600)
				time.Sleep(2 * time.Second) // the signal arrives in here
			}})
		select {
		case <-own:
			os.Exit(42) // handled by the command's own handler
		case <-time.After(10 * time.Second):
			os.Exit(3)
		}
	}
	for _, tc := range []struct {
		name       string
		own, named bool
	}{
		{"own", true, false}, {"own/named", true, true}, {"default", false, false}, {"default/named", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tmpfileDir(t)
			os.WriteFile(filepath.Join(dir, "out.env"), []byte("OLD=1\n"), 0o600)
			ready := filepath.Join(t.TempDir(), "ready")
			cmd := exec.Command(os.Args[0], "-test.run=^TestWriteFileAtomicSignalOncePlaced$")
			cmd.Env = append(os.Environ(), "AKV_TEST_PLACED_DIR="+dir, "AKV_TEST_PLACED_READY="+ready)
			if tc.own {
				cmd.Env = append(cmd.Env, "AKV_TEST_PLACED_OWN=1")
			}
			if tc.named {
				cmd.Env = append(cmd.Env, "AKV_TEST_PLACED_NAMED=1")
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				if _, err := os.Stat(ready); err == nil {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("the helper never placed its file")
				}
			}
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if tc.own && ws.ExitStatus() != 42 {
				t.Errorf("helper ended with %v, want exit 42: its own SIGTERM handler ran\n%.300s", cmd.ProcessState, stderr.String())
			}
			if !tc.own && (!ws.Signaled() || ws.Signal() != syscall.SIGTERM) {
				t.Errorf("helper ended with %v, want killed by SIGTERM", cmd.ProcessState)
			}
			checkOnly(t, dir, "out.env", "NEW=2\n")
		})
	}
}
