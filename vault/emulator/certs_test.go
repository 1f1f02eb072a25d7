package emulator

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/akv-cli/akv/templates"
)

// TestDemoCertificates: the demo set's certificates are issued at start
// from the emulator's CA (the one in ca.pem), root → intermediate → leaf,
// RSA and ECDSA, as a PFX and as PEM.
func TestDemoCertificates(t *testing.T) {
	e := start(t, Options{})
	caPEM, err := os.ReadFile(e.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	b, _ := pem.Decode(caPEM)
	client := sdkClient(t, e)
	for name, want := range map[string]struct{ contentType, key string }{
		"tls-cert":        {"application/x-pkcs12", "RSA 2048"},
		"tls-cert-pem":    {"application/x-pem-file", "RSA 2048"},
		"tls-cert-ec":     {"application/x-pkcs12", "ECDSA P-256"},
		"tls-cert-ec-pem": {"application/x-pem-file", "ECDSA P-256"},
		"tls-cert-soon":   {"application/x-pem-file", "ECDSA P-256"},
	} {
		resp, err := client.GetSecret(context.Background(), name, "", nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if *resp.ContentType != want.contentType {
			t.Errorf("%s: content type %q, want %q", name, *resp.ContentType, want.contentType)
		}
		c, err := templates.ParseCert(*resp.Value, *resp.ContentType, "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := c.Info().KeyType; got != want.key {
			t.Errorf("%s: key %s, want %s", name, got, want.key)
		}
		if len(c.Issuers) != 2 || string(c.Issuers[1].Raw) != string(b.Bytes) || c.Issuers[0].Subject.CommonName != "akv emulator intermediate CA" {
			t.Errorf("%s: issuers are not the intermediate and the emulator's CA", name)
		}
		inter := x509.NewCertPool()
		inter.AddCert(c.Issuers[0])
		if _, err := c.Leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: "app.demo.example"}); err != nil {
			t.Errorf("%s: does not verify against ca.pem: %v", name, err)
		}
	}
}

func TestCertificateSeeds(t *testing.T) {
	seeds, err := ParseSeeds([]byte(`{
		"plain": "v",
		"api-tls": {"contentType": "application/x-pem-file", "certificate": {"key": "ec", "subject": "api.example.com", "dnsNames": ["api.example.com", "*.api.example.com"], "validFor": "-24h"}},
		"default": {"certificate": {}}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	e := start(t, Options{Seeds: seeds, Now: func() time.Time { return now }})
	client := sdkClient(t, e)
	get := func(name string) *templates.Cert {
		resp, err := client.GetSecret(context.Background(), name, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		c, err := templates.ParseCert(*resp.Value, *resp.ContentType, "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return c
	}
	c := get("api-tls")
	if c.Leaf.Subject.CommonName != "api.example.com" || strings.Join(c.Leaf.DNSNames, ",") != "api.example.com,*.api.example.com" ||
		c.Format != templates.ContentTypePEM || c.Info().KeyType != "ECDSA P-256" {
		t.Errorf("api-tls: %+v", c.Info())
	}
	if !c.Leaf.NotAfter.Before(now) || !c.Leaf.NotBefore.Before(c.Leaf.NotAfter) {
		t.Errorf("validFor -24h: valid %s to %s, want expired", c.Leaf.NotBefore, c.Leaf.NotAfter)
	}
	d := get("default")
	if d.Format != templates.ContentTypePFX || d.Info().KeyType != "RSA 2048" || d.Leaf.Subject.CommonName != "default.demo.example" {
		t.Errorf("default certificate seed: %+v", d.Info())
	}
	if days := d.Leaf.NotAfter.Sub(now).Hours() / 24; days < 364 || days > 366 {
		t.Errorf("default validity %.0f days, want 365", days)
	}

	for seed, want := range map[string]string{
		`{"x": {"certificate": {"key": "dsa"}}}`:                                                  `secret "x": certificate: key "dsa": want rsa or ec`,
		`{"x": {"contentType": "text/plain", "certificate": {}}}`:                                 `contentType "text/plain"`,
		`{"x": {"value": "v", "certificate": {}}}`:                                                "a value or a certificate, not both",
		`{"x": {"contentType": "application/x-pem-file", "certificate": {"validFor": "a year"}}}`: `validFor "a year"`,
	} {
		seeds, err := ParseSeeds([]byte(seed))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Start(Options{Seeds: seeds}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", seed, err, want)
		}
	}
}
