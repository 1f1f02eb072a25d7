package emulator

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"maps"
	"math/big"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// The content types of a Key Vault certificate's secret.
const (
	contentTypePFX = "application/x-pkcs12"
	contentTypePEM = "application/x-pem-file"
)

// CertificateSeed asks the emulator to issue a certificate at start and
// keep it as the secret's value, the way Key Vault keeps a certificate's
// key and chain in the secret of the same name: a base64 PFX without a
// password (the seed's contentType application/x-pkcs12, the default) or
// PEM (application/x-pem-file). The chain is root (the emulator's CA,
// the one in ca.pem) → intermediate → leaf.
type CertificateSeed struct {
	Key      string   `json:"key,omitempty"`      // "rsa" (2048-bit, the default) or "ec" (P-256)
	Subject  string   `json:"subject,omitempty"`  // the leaf's common name; default NAME.demo.example
	DNSNames []string `json:"dnsNames,omitempty"` // default the common name and localhost
	ValidFor string   `json:"validFor,omitempty"` // Go duration from start, default 8760h; negative: already expired
}

// caKey is a CA certificate and its key.
type caKey struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// demoCertificates are the demo set's certificate secrets: RSA and ECDSA,
// each as a PFX and as PEM, and one that expires in 10 days.
func demoCertificates() map[string]Seed {
	cert := func(contentType, key, validFor string) Seed {
		return Seed{ContentType: contentType, Certificate: &CertificateSeed{Key: key, Subject: "app.demo.example", ValidFor: validFor}}
	}
	return map[string]Seed{
		"tls-cert":        cert(contentTypePFX, "rsa", ""),
		"tls-cert-pem":    cert(contentTypePEM, "rsa", ""),
		"tls-cert-ec":     cert(contentTypePFX, "ec", ""),
		"tls-cert-ec-pem": cert(contentTypePEM, "ec", ""),
		"tls-cert-soon":   cert(contentTypePEM, "ec", "240h"),
	}
}

// issueCertificates returns seeds with every certificate entry's value
// issued under root. Leaves of one key type share one key per start (an
// RSA key costs about 150 ms to make); each has its own certificate.
func issueCertificates(seeds map[string]Seed, root caKey, now time.Time) (map[string]Seed, error) {
	var inter *caKey
	keys := map[string]crypto.Signer{}
	var out map[string]Seed
	for name, s := range seeds {
		if s.Certificate == nil {
			continue
		}
		if out == nil {
			out = maps.Clone(seeds)
		}
		if inter == nil {
			i, err := newIntermediate(root, now)
			if err != nil {
				return nil, err
			}
			inter = &i
		}
		v, ct, err := issueOne(name, s, *inter, root, keys, now)
		if err != nil {
			return nil, fmt.Errorf("secret %q: certificate: %w", name, err)
		}
		s.Value, s.ContentType, s.Certificate = v, ct, nil
		out[name] = s
	}
	if out == nil {
		return seeds, nil
	}
	return out, nil
}

func newIntermediate(root caKey, now time.Time) (caKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return caKey{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "akv emulator intermediate CA", Organization: []string{"akv emulator"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              root.cert.NotAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root.cert, &key.PublicKey, root.key)
	if err != nil {
		return caKey{}, err
	}
	cert, err := x509.ParseCertificate(der)
	return caKey{cert: cert, key: key}, err
}

func issueOne(name string, s Seed, inter, root caKey, keys map[string]crypto.Signer, now time.Time) (value, contentType string, err error) {
	c := s.Certificate
	if s.Value != "" {
		return "", "", fmt.Errorf("give a value or a certificate, not both")
	}
	contentType = s.ContentType
	if contentType == "" {
		contentType = contentTypePFX
	}
	if contentType != contentTypePFX && contentType != contentTypePEM {
		return "", "", fmt.Errorf("contentType %q: want %s or %s", contentType, contentTypePFX, contentTypePEM)
	}
	validFor := 365 * 24 * time.Hour
	if c.ValidFor != "" {
		if validFor, err = time.ParseDuration(c.ValidFor); err != nil {
			return "", "", fmt.Errorf("validFor %q: want a Go duration such as 720h", c.ValidFor)
		}
	}
	kind := c.Key
	if kind == "" {
		kind = "rsa"
	}
	key := keys[kind]
	if key == nil {
		switch kind {
		case "rsa":
			key, err = rsa.GenerateKey(rand.Reader, 2048)
		case "ec":
			key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		default:
			return "", "", fmt.Errorf("key %q: want rsa or ec", kind)
		}
		if err != nil {
			return "", "", err
		}
		keys[kind] = key
	}
	cn := c.Subject
	if cn == "" {
		cn = name + ".demo.example"
	}
	dns := c.DNSNames
	if dns == nil {
		dns = []string{cn, "localhost"}
	}
	notAfter := now.Add(validFor)
	notBefore := now.Add(-time.Hour)
	if notAfter.Before(notBefore) { // an expired certificate was valid for a day
		notBefore = notAfter.Add(-24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"akv emulator"}},
		DNSNames:     dns,
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if kind == "rsa" {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, inter.cert, key.Public(), inter.key)
	if err != nil {
		return "", "", err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return "", "", err
	}
	if contentType == contentTypePFX {
		// The root before the intermediate, as some exported PFX files
		// have them: readers must order the chain themselves.
		pfx, err := pkcs12.LegacyRC2.Encode(key, leaf, []*x509.Certificate{root.cert, inter.cert}, "")
		if err != nil {
			return "", "", err
		}
		return base64.StdEncoding.EncodeToString(pfx), contentType, nil
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", err
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	for _, c := range []*x509.Certificate{leaf, inter.cert, root.cert} {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return string(out), contentType, nil
}

// serial is a random positive 128-bit serial number.
func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return n.Add(n, big.NewInt(1))
}
