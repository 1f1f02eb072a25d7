//go:build !windows

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// TestCertFilesAllOrNothingOnSignal: SIGINT, SIGTERM or SIGHUP after
// akv cert staged some of its files and before it renamed them leaves
// every target as it was and no temp file; akv dies by the signal. The
// test binary is the writer, held between staging and renaming.
func TestCertFilesAllOrNothingOnSignal(t *testing.T) {
	if dir := os.Getenv("AKV_TEST_CERT_SIGNAL_DIR"); dir != "" {
		outs := []certOutput{
			{flag: "key", path: filepath.Join(dir, "key.pem"), target: filepath.Join(dir, "key.pem")},
			{flag: "chain", path: filepath.Join(dir, "chain.pem"), target: filepath.Join(dir, "chain.pem")},
		}
		err := writeCertFiles(outs, [][]byte{[]byte("new key"), []byte("new chain")}, func() {
			os.WriteFile(filepath.Join(dir, "staged"), []byte("1"), 0o600)
			time.Sleep(time.Minute) // the signal comes first
		})
		t.Fatalf("not stopped by the signal (writeCertFiles: %v)", err)
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "key.pem"), []byte("old key"), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestCertFilesAllOrNothingOnSignal$")
			cmd.Env = append(os.Environ(), "AKV_TEST_CERT_SIGNAL_DIR="+dir)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				if _, err := os.Stat(filepath.Join(dir, "staged")); err == nil {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("the writer never staged its files")
				}
			}
			var staged []string
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				staged = append(staged, e.Name())
			}
			if len(staged) != 4 { // key.pem, staged, and the two temp files
				t.Fatalf("staged: %v, want two temp files beside key.pem", staged)
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != sig {
				t.Errorf("the writer ended with %v, want death by %v", err, sig)
			}
			var left []string
			entries, _ = os.ReadDir(dir)
			for _, e := range entries {
				left = append(left, e.Name())
			}
			if !slices.Equal(left, []string{"key.pem", "staged"}) {
				t.Errorf("left %v, want key.pem as it was and no temp file", left)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "key.pem")); string(b) != "old key" {
				t.Errorf("key.pem changed to %q", b)
			}
		})
	}
}
