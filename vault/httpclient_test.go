package vault

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akv-cli/akv/vault/emulator"
)

// TestCAFileStillVerifies: AKV_CA_FILE adds trust, it never turns
// verification off. Another CA, or a name the certificate lacks, fails.
func TestCAFileStillVerifies(t *testing.T) {
	e, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	get := func(caFile, base string) error {
		hc, err := NewHTTPClient(caFile, 4)
		if err != nil {
			return err
		}
		resp, err := hc.Get(base + "/_emulator/stats")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get(e.CAFile, e.Vaults["demo"]); err != nil {
		t.Fatalf("emulator CA: %v", err)
	}
	other := filepath.Join(t.TempDir(), "other.pem")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "other"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	os.WriteFile(other, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	if err := get(other, e.Vaults["demo"]); err == nil || !strings.Contains(err.Error(), "unknown authority") {
		t.Fatalf("another CA: err = %v, want unknown authority", err)
	}
	// The emulator's certificate names 127.0.0.1 and localhost only:
	// dialled as another name, crypto/tls refuses it.
	addr := strings.TrimPrefix(e.Vaults["demo"], "https://")
	var d net.Dialer
	hc, err := newHTTPClient(e.CAFile, 4, func(ctx context.Context, network, _ string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(addr)
	resp, err := hc.Get("https://myvault.vault.azure.net:" + port + "/_emulator/stats")
	if err == nil {
		resp.Body.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "not myvault.vault.azure.net") {
		t.Fatalf("a certificate for another name: err = %v", err)
	}
}

// AKV_CA_FILE is read only when it is a regular file of bounded size: a
// FIFO would block akv forever and /dev/zero would fill its memory.
func TestCAFileBounded(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, make([]byte, maxCAFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{dir: "not a regular file", big: "larger than 4 MiB"}
	if err := mkfifo(fifo); err == nil {
		cases[fifo] = "not a regular file"
	} else if os.Getenv("CI") != "" || !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("mkfifo: %v", err)
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		cases["/dev/zero"] = "not a regular file"
	}
	for path, want := range cases {
		_, err := NewHTTPClient(path, 4)
		if err == nil || !strings.Contains(err.Error(), want) || KindOf(err) != KindUsage {
			t.Errorf("AKV_CA_FILE=%s: %v (kind %s), want usage error %q", path, err, KindOf(err), want)
		}
	}
}
