package hostile

import (
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"math/big"
	"net"
	"time"

	"github.com/akv-cli/akv/vault/internal/localca"
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

// newAuthority is a CA valid for a day (localca), with random serial
// numbers.
func newAuthority(name string) (*localca.CA, error) {
	return localca.New(localca.Options{
		Name:         name,
		Organization: "akv hostile test server",
		Now:          time.Now,
		Lifetime:     24 * time.Hour,
		Serial:       serial,
	})
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

var loopbackIPs = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}

// certFor issues the vault's certificate of variant c: trusted is the CA
// whose PEM goes to CAFile, rogue one nobody trusts.
func certFor(c Cert, names []string, trusted, rogue *localca.CA) (tls.Certificate, error) {
	dns := append([]string{"localhost"}, names...)
	switch c {
	case CertValid, "":
		return trusted.Issue(dns, loopbackIPs)
	case CertWrongName:
		return trusted.Issue([]string{"someone-else.example"}, nil)
	case CertNoIPSAN:
		return trusted.Issue(dns, nil)
	case CertUnknownCA:
		return rogue.Issue(dns, loopbackIPs)
	}
	return tls.Certificate{}, fmt.Errorf("hostile: unknown certificate variant %q (want one of %v)", c, Certs)
}
