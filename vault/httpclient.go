package vault

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
)

// NewHTTPClient is the one transport every vault client shares: proxy from
// the environment, HTTP/2, a keep-alive pool as deep as the concurrency,
// and the system roots plus the PEM file caFile (when not empty).
// crypto/tls verifies every certificate, chain and name (an IP SAN for an
// IP address); nothing here turns that off.
func NewHTTPClient(caFile string, concurrency int) (*http.Client, error) {
	return newHTTPClient(caFile, concurrency, nil)
}

// newHTTPClient is NewHTTPClient with every TCP dial going through dial
// when it is set (tests: a made-up DNS name reaches a loopback server).
func newHTTPClient(caFile string, concurrency int, dial func(ctx context.Context, network, addr string) (net.Conn, error)) (*http.Client, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ForceAttemptHTTP2 = true
	t.MaxIdleConnsPerHost = max(concurrency, 2)
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if dial != nil {
		t.DialContext = dial
	}
	if caFile == "" {
		return &http.Client{Transport: withPreconnect(t), CheckRedirect: noRedirect}, nil
	}
	pem, err := readCAFile(caFile)
	if err != nil {
		return nil, err
	}
	extra := x509.NewCertPool()
	if !extra.AppendCertsFromPEM(pem) {
		return nil, usageErr(fmt.Sprintf("AKV_CA_FILE %s holds no PEM certificate", caFile), "")
	}
	t.TLSClientConfig.RootCAs = extra
	rt := &extraRoots{first: t, pre: withPreconnect(t)}
	rt.all = sync.OnceValue(func() *http.Transport {
		all, err := x509.SystemCertPool()
		if err != nil {
			all = x509.NewCertPool() // no system store: the file alone
		}
		all.AppendCertsFromPEM(pem)
		full := t.Clone()
		full.DialTLSContext = nil // the dialer ahead (preconnect.go) has the file's roots only
		full.TLSClientConfig.RootCAs = all
		return full
	})
	return &http.Client{Transport: rt, CheckRedirect: noRedirect}, nil
}

// noRedirect hands a redirect back to the caller, who refuses it: a
// redirect would carry the token to wherever the server points.
// maxCAFile bounds AKV_CA_FILE: a bundle of every public root is ~200 KiB.
const maxCAFile = 4 << 20

// readCAFile reads AKV_CA_FILE, a regular file of at most maxCAFile
// bytes: a FIFO would block akv and /dev/zero fill its memory.
func readCAFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, usageErr(fmt.Sprintf("AKV_CA_FILE: %v", err), "")
	}
	if !fi.Mode().IsRegular() {
		return nil, usageErr(fmt.Sprintf("AKV_CA_FILE %s is not a regular file", path), "point it at a PEM file of CA certificates")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErr(fmt.Sprintf("AKV_CA_FILE: %v", err), "")
	}
	defer f.Close()
	pem, err := io.ReadAll(io.LimitReader(f, maxCAFile+1))
	switch {
	case err != nil:
		return nil, usageErr(fmt.Sprintf("AKV_CA_FILE: %v", err), "")
	case len(pem) > maxCAFile:
		return nil, usageErr(fmt.Sprintf("AKV_CA_FILE %s is larger than %d MiB", path, maxCAFile>>20), "point it at a PEM file of CA certificates")
	}
	return pem, nil
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// extraRoots trusts AKV_CA_FILE's CAs and, on top, the system roots, but
// loads the system roots (about 30 ms of parsing) only when a server's
// chain is unknown to the file: most runs that set AKV_CA_FILE talk to the
// emulator or to a private endpoint its CA signed. Both transports leave
// verification, chain and name, to crypto/tls. A handshake that fails for
// an unknown authority has sent no request, so the request goes once more
// through the transport that trusts the system roots too, which every
// later request then uses; its verdict is final.
type extraRoots struct {
	first  *http.Transport        // RootCAs: the file's CAs
	pre    *preconnectTransport   // first's dialer ahead
	all    func() *http.Transport // RootCAs: system roots and the file's
	useAll atomic.Bool            // a server needed the system roots
}

func (e *extraRoots) RoundTrip(req *http.Request) (*http.Response, error) {
	if !e.useAll.Load() {
		resp, err := e.first.RoundTrip(req)
		var ua x509.UnknownAuthorityError
		if err == nil || !errors.As(err, &ua) {
			return resp, err
		}
		if req.Body != nil && req.Body != http.NoBody {
			if req.GetBody == nil {
				return nil, err
			}
			b, berr := req.GetBody()
			if berr != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = b
		}
		e.useAll.Store(true)
	}
	return e.all().RoundTrip(req)
}

// preconnect dials ahead through the first transport, while it is the one
// in use.
func (e *extraRoots) preconnect(base string) {
	if !e.useAll.Load() {
		e.pre.preconnect(base)
	}
}

// CloseIdleConnections closes both transports' idle connections.
func (e *extraRoots) CloseIdleConnections() {
	e.first.CloseIdleConnections()
	if e.useAll.Load() {
		e.all().CloseIdleConnections()
	}
}
