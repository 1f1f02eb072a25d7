package credential

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// testCert makes an RSA key and a self-signed certificate for it.
func testCert(t *testing.T) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "akv-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return key, cert
}

func TestClientCertificateAssertion(t *testing.T) {
	key, cert := testCert(t)
	dir := t.TempDir()
	pemFile := filepath.Join(dir, "sp.pem")
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	os.WriteFile(pemFile, append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})...), 0o600)
	const password = "pfx-pass-canary"
	pfx, err := pkcs12.Modern.Encode(key, cert, nil, password)
	if err != nil {
		t.Fatal(err)
	}
	pfxFile := filepath.Join(dir, "sp.pfx")
	os.WriteFile(pfxFile, pfx, 0o600)

	for _, tc := range []struct{ name, path, password string }{{"pem", pemFile, ""}, {"pfx", pfxFile, password}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeEntra(t)
			c, err := NewClientCertificate(tc.path, tc.password, true, f.opts(nil))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.GetToken(context.Background(), vaultScope); err != nil {
				t.Fatal(err)
			}
			a := f.lastForm().Get("client_assertion")
			parts := strings.Split(a, ".")
			var head struct {
				Alg, Typ, X5t string
				X5c           []string
			}
			h, _ := base64.RawURLEncoding.DecodeString(parts[0])
			json.Unmarshal(h, &head)
			thumb := sha1.Sum(cert.Raw)
			if head.Alg != "RS256" || head.Typ != "JWT" || head.X5t != base64.RawURLEncoding.EncodeToString(thumb[:]) || len(head.X5c) != 1 {
				t.Errorf("header %s", h)
			}
			var cl map[string]any
			p, _ := base64.RawURLEncoding.DecodeString(parts[1])
			json.Unmarshal(p, &cl)
			now := float64(time.Now().Unix())
			if cl["aud"] != f.srv.URL+"/"+tenantID+"/oauth2/v2.0/token" || cl["iss"] != clientID || cl["sub"] != clientID ||
				cl["jti"] == "" || cl["exp"].(float64)-cl["nbf"].(float64) > 600 || cl["iat"].(float64) > now+1 {
				t.Errorf("claims %s", p)
			}
			sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
			sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
			if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum[:], sig); err != nil {
				t.Errorf("signature: %v", err)
			}
		})
	}
	// A wrong PFX password: exit 2, the password never printed.
	_, err = NewClientCertificate(pfxFile, "wrong-"+password, false, &EntraOptions{TenantID: tenantID, ClientID: clientID})
	if err == nil || strings.Contains(err.Error(), password) || !strings.Contains(hintOf(err), "AZURE_CLIENT_CERTIFICATE_PASSWORD") {
		t.Fatalf("wrong password: %v", err)
	}
	assertKind(t, err, KindUsage)
	// A file with no key: exit 2.
	certOnly := filepath.Join(dir, "cert.pem")
	os.WriteFile(certOnly, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600)
	if _, err := NewClientCertificate(certOnly, "", false, &EntraOptions{TenantID: tenantID, ClientID: clientID}); err == nil || !strings.Contains(err.Error(), "no private key") {
		t.Fatalf("no key: %v", err)
	}
}

// A certificate path that is not a certificate-sized file (a device, a
// huge file) is refused without reading it all.
func TestClientCertificateBoundedRead(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.pfx")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(64 << 20) // sparse: no disk used
	f.Close()
	_, err = NewClientCertificate(p, "", false, &EntraOptions{TenantID: tenantID, ClientID: clientID})
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("64 MiB certificate file: %v", err)
	}
	assertKind(t, err, KindUsage)
}
