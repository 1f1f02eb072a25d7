package emulator

import (
	"crypto/tls"
	"math/big"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/akv-cli/akv/vault/internal/localca"
)

// authority is the emulator's throwaway CA (localca), valid for a week
// from the emulator's start, with serial numbers counted from 1. Only its
// certificate's PEM leaves the process (ca.pem).
type authority struct {
	*localca.CA

	mu     sync.Mutex
	leaves map[string]*tls.Certificate // host name → certificate, for the proxy
}

func newAuthority(now time.Time) (*authority, error) {
	var serial atomic.Int64
	ca, err := localca.New(localca.Options{
		Name:         "akv emulator CA",
		Organization: "akv emulator",
		Now:          func() time.Time { return now },
		Lifetime:     7 * 24 * time.Hour,
		Serial:       func() *big.Int { return big.NewInt(serial.Add(1)) },
	})
	if err != nil {
		return nil, err
	}
	return &authority{CA: ca, leaves: map[string]*tls.Certificate{}}, nil
}

// issue signs a server certificate for the given DNS names and IPs.
func (a *authority) issue(dnsNames []string, ips []net.IP) (*tls.Certificate, error) {
	c, err := a.Issue(dnsNames, ips)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// loopbackTLS is the configuration of the vault listeners on 127.0.0.1.
func (a *authority) loopbackTLS() (*tls.Config, error) {
	leaf, err := a.issue([]string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback})
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{*leaf}, NextProtos: nextProtos(), MinVersion: tls.VersionTLS12}, nil
}

// nextProtos are the ALPN protocols every listener offers. http/1.0 is
// there for the clients that name it (curl -0): with ALPN, a handshake
// whose client offers nothing the server does fails outright.
func nextProtos() []string { return []string{"h2", "http/1.1", "http/1.0"} }

// forHost returns the certificate for one host name the proxy terminates,
// issuing it on first use.
func (a *authority) forHost(host string) (*tls.Certificate, error) {
	host = strings.ToLower(host)
	a.mu.Lock()
	c, ok := a.leaves[host]
	a.mu.Unlock()
	if ok {
		return c, nil
	}
	c, err := a.issue([]string{host}, nil)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if prev, ok := a.leaves[host]; ok {
		return prev, nil
	}
	a.leaves[host] = c
	return c, nil
}
