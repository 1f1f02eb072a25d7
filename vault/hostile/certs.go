package hostile

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// Cert is the certificate the vault presents: one variant per TLS mistake
// a client must refuse, and the one it must accept.
type Cert string

const (
	// CertValid names 127.0.0.1, ::1, localhost and Options.Names, signed
	// by the CA in CAFile.
	CertValid Cert = "valid"
	// CertWrongName names only someone-else.example: no IP, not the
	// names the client dials.
	CertWrongName Cert = "wrong-name"
	// CertNoIPSAN names localhost and Options.Names but no IP address:
	// an endpoint given by IP must refuse it.
	CertNoIPSAN Cert = "no-ip-san"
	// CertUnknownCA has the right names but is signed by a CA that is in
	// no trust store (CAFile holds the other one).
	CertUnknownCA Cert = "unknown-ca"
)

// Certs lists every variant, for test matrices and usage messages.
var Certs = []Cert{CertValid, CertWrongName, CertNoIPSAN, CertUnknownCA}

type authority struct {
	cert *x509.Certificate
	der  []byte
	key  *ecdsa.PrivateKey
}

func newAuthority(name string) (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"akv hostile test server"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
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
	return &authority{cert: cert, der: der, key: key}, nil
}

func (a *authority) pem() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.der})
}

// leaf issues a server certificate for dns names and ips.
func (a *authority) leaf(dns []string, ips []net.IP) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	cn := "hostile"
	if len(dns) > 0 {
		cn = dns[0]
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn},
		DNSNames:     dns,
		IPAddresses:  ips,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der, a.der}, PrivateKey: key}, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

var loopbackIPs = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}

// certFor issues the vault's certificate of variant c: trusted is the CA
// whose PEM goes to CAFile, rogue one nobody trusts.
func certFor(c Cert, names []string, trusted, rogue *authority) (tls.Certificate, error) {
	dns := append([]string{"localhost"}, names...)
	switch c {
	case CertValid, "":
		return trusted.leaf(dns, loopbackIPs)
	case CertWrongName:
		return trusted.leaf([]string{"someone-else.example"}, nil)
	case CertNoIPSAN:
		return trusted.leaf(dns, nil)
	case CertUnknownCA:
		return rogue.leaf(dns, loopbackIPs)
	}
	return tls.Certificate{}, fmt.Errorf("hostile: unknown certificate variant %q (want one of %v)", c, Certs)
}
