// Package localca is a certificate authority that lives in memory for the
// life of one process: the CA of the HTTPS servers the emulator and the
// hostile test server run on loopback. Only its certificate leaves the
// process (PEM); its key and every leaf's key die with it.
//
// It never writes a file and never issues anything but ECDSA P-256
// server certificates.
package localca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"time"
)

// Options configures New. Every field is required.
type Options struct {
	Name         string // the CA's common name
	Organization string
	Now          func() time.Time // certificates are valid from an hour before Now()…
	Lifetime     time.Duration    // …until Lifetime after it
	Serial       func() *big.Int  // the CA's serial number, then each leaf's
}

// CA is a self-signed CA certificate and its key.
type CA struct {
	Cert *x509.Certificate
	DER  []byte
	Key  *ecdsa.PrivateKey
	o    Options
}

// New makes a CA.
func New(o Options) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := o.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          o.Serial(),
		Subject:               pkix.Name{CommonName: o.Name, Organization: []string{o.Organization}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(o.Lifetime),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, DER: der, Key: key, o: o}, nil
}

// PEM is the CA certificate, for the clients that must trust it.
func (c *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.DER})
}

// Issue signs a server certificate for dnsNames (the first is its common
// name) and ips; its chain carries the CA certificate.
func (c *CA) Issue(dnsNames []string, ips []net.IP) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	cn := ""
	if len(dnsNames) > 0 {
		cn = dnsNames[0]
	}
	now := c.o.Now()
	tmpl := &x509.Certificate{
		SerialNumber: c.o.Serial(),
		Subject:      pkix.Name{CommonName: cn},
		DNSNames:     dnsNames,
		IPAddresses:  ips,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(c.o.Lifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.Cert, &key.PublicKey, c.Key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, c.DER}, PrivateKey: key}, nil
}
