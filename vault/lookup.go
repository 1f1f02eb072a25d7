package vault

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
)

// The two mistakes of a first run, told apart from network trouble: a
// vault name DNS does not know (a typo: not found, said once for the
// vault, never retried) and a certificate from a CA akv does not trust
// (the emulator or a private CA without AKV_CA_FILE).

// noSuchHost reports a DNS answer that the host does not exist.
func noSuchHost(err error) (*net.DNSError, bool) {
	var dns *net.DNSError
	return dns, errors.As(err, &dns) && dns.IsNotFound
}

// hostNotFound is the error for a vault whose host DNS does not know, or
// nil. It has no Op: it is about the vault, so a batch says it once.
func hostNotFound(vaultName string, err error) error {
	dns, ok := noSuchHost(err)
	if !ok {
		return nil
	}
	return &Error{Kind: KindNotFound, Msg: fmt.Sprintf("vault %s not found: no such host %s", vaultName, dns.Name),
		Hint: "check the vault name (--vault, AKV_VAULT or the reference); a private endpoint or the emulator is mapped with AKV_VAULT_ENDPOINTS=name=https://host:port",
		Err:  err}
}

// withCAHint makes the hint of a certificate from an unknown authority
// say what to do: set AKV_CA_FILE, or put the CA in it.
func withCAHint(err error, caFile bool) error {
	var e *Error
	var ua x509.UnknownAuthorityError
	if !errors.As(err, &e) || !errors.As(err, &ua) {
		return err
	}
	c := *e
	c.Hint = "set AKV_CA_FILE to the PEM of the CA that signed it (the emulator prints its own)"
	if caFile {
		c.Hint = "neither the system roots nor AKV_CA_FILE hold the CA that signed it"
	}
	return &c
}

// finalNetError is a DNS "no such host": azcore's retry policy does not
// retry it (NonRetriable), so a typo fails at once, not after 14 s.
type finalNetError struct{ *netError }

func (finalNetError) NonRetriable() {}
