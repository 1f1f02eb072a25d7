//go:build !windows

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"
)

// TestCertFilesAllOrNothingOnSignal: a signal after akv cert wrote some
// of its files and before it put them in place leaves every target as it
// was and no temp file; akv dies by the signal (SIGTERM for SIGQUIT:
// never a goroutine dump). With unnamed temp files (Linux) even SIGKILL
// leaves nothing. The test binary is the writer, held between the two.
func TestCertFilesAllOrNothingOnSignal(t *testing.T) {
	if dir := os.Getenv("AKV_TEST_CERT_SIGNAL_DIR"); dir != "" {
		outs := []certOutput{
			{flag: "key", path: filepath.Join(dir, "key.pem"), target: filepath.Join(dir, "key.pem")},
			{flag: "chain", path: filepath.Join(dir, "chain.pem"), target: filepath.Join(dir, "chain.pem")},
		}
		err := writeCertFiles(outs, [][]byte{[]byte("new key"), []byte("new chain")}, certWriteOptions{
			named: os.Getenv("AKV_TEST_CERT_NAMED") != "",
			staged: func() {
				os.WriteFile(filepath.Join(dir, "staged"), []byte("1"), 0o600)
				time.Sleep(time.Minute) // the signal comes first
			},
		})
		t.Fatalf("not stopped by the signal (writeCertFiles: %v)", err)
	}
	cases := []struct {
		name      string
		named     bool
		sig, dies syscall.Signal
	}{
		{"named/INT", true, syscall.SIGINT, syscall.SIGINT},
		{"named/TERM", true, syscall.SIGTERM, syscall.SIGTERM},
		{"named/HUP", true, syscall.SIGHUP, syscall.SIGHUP},
		{"named/QUIT", true, syscall.SIGQUIT, syscall.SIGTERM},
		{"unnamed/INT", false, syscall.SIGINT, syscall.SIGINT},
		{"unnamed/KILL", false, syscall.SIGKILL, syscall.SIGKILL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.named && runtime.GOOS != "linux" {
				t.Skip("unnamed temp files are Linux's (O_TMPFILE)")
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "key.pem"), []byte("old key"), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestCertFilesAllOrNothingOnSignal$")
			cmd.Env = append(os.Environ(), "AKV_TEST_CERT_SIGNAL_DIR="+dir)
			if tc.named {
				cmd.Env = append(cmd.Env, "AKV_TEST_CERT_NAMED=1")
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
				if _, err := os.Stat(filepath.Join(dir, "staged")); err == nil {
					break
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					t.Fatal("the writer never wrote its files")
				}
			}
			if names := dirNames(dir); tc.named && len(names) != 4 {
				t.Fatalf("written: %v, want two named temp files beside key.pem", names)
			}
			if err := cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != tc.dies {
				t.Errorf("the writer ended with %v, want death by %v", err, tc.dies)
			}
			if left := dirNames(dir); !slices.Equal(left, []string{"key.pem", "staged"}) {
				t.Errorf("left %v, want key.pem as it was and no temp file", left)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, "key.pem")); string(b) != "old key" {
				t.Errorf("key.pem changed to %q", b)
			}
		})
	}
}

func dirNames(dir string) []string {
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
