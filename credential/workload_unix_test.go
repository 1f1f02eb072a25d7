//go:build unix

package credential

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A token or certificate path that is a FIFO (adversarial review of issue
// 15): opening one blocks until a writer comes, and a writer may never
// write. akv must neither hang past its deadline nor at all without one.
func TestTokenFileFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "token")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	watchdog := func(name string, f func() error) error {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- f() }()
		select {
		case err := <-done:
			return err
		case <-time.After(time.Minute): // a liveness bound, not a performance target
			t.Fatalf("%s: still blocked after a minute", name)
			return nil
		}
	}
	w, err := NewWorkloadIdentity(fifo, &EntraOptions{TenantID: tenantID, ClientID: clientID})
	if err != nil {
		t.Fatal(err)
	}
	// No writer: the file reads as empty, at once.
	err = watchdog("no writer", func() error { _, err := w.GetToken(context.Background(), vaultScope); return err })
	if err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Fatalf("no writer: %v", err)
	}
	// A writer that never writes: cut off at the deadline.
	writer, err := os.OpenFile(fifo, os.O_RDWR, 0) // O_RDWR: opens without a reader
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err = watchdog("silent writer", func() error { _, err := w.GetToken(ctx, vaultScope); return err })
	if err == nil || !strings.Contains(err.Error(), "AZURE_FEDERATED_TOKEN_FILE") {
		t.Fatalf("silent writer: %v", err)
	}
	writer.Close()
	// The certificate is read before any deadline exists: no writer, no hang.
	err = watchdog("certificate", func() error {
		_, err := NewClientCertificate(fifo, "", false, &EntraOptions{TenantID: tenantID, ClientID: clientID})
		return err
	})
	if err == nil {
		t.Fatal("a FIFO certificate accepted")
	}
	assertKind(t, err, KindUsage)
}
