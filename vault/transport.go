package vault

import (
	"compress/flate"
	"compress/gzip"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// maxResponse bounds every Key Vault response body: values are at most
// 25 KiB and a list page holds 25 items, so 1 MiB is generous, and a
// hostile body costs at most that much memory.
const maxResponse = 1 << 20

// fault is a vault's answer that akv refuses: a foreign audience, a
// redirect, a bad certificate, a body too large, a malformed answer. It is
// final: azcore's retry policy does not retry it (NonRetriable).
type fault struct {
	msg  string // names the vault
	hint string
	err  error
}

func (f *fault) Error() string { return f.msg }
func (f *fault) Unwrap() error { return f.err }
func (*fault) NonRetriable()   {}

// netError marks a failure to talk to the vault at all (dial, reset,
// timeout): the only errors classify calls "cannot reach".
type netError struct{ err error }

func (e *netError) Error() string { return e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

// vaultTransport is every request of one vault on its way out: it is
// the last code before the network, so what it refuses is never sent,
// whatever azsecrets and azcore decided above it.
type vaultTransport struct {
	hc     *http.Client // follows no redirect
	origin string       // the vault's origin: the only one requests go to
	label  string
	eps    Endpoints
}

func (t *vaultTransport) Do(req *http.Request) (*http.Response, error) {
	if o := origin(req.URL); o != t.origin {
		return nil, &fault{msg: fmt.Sprintf("vault %s: refused to send a request to %s, another origin than %s",
			t.label, quoteServer(req.URL.Redacted()), t.origin)}
	}
	resp, err := t.hc.Do(req)
	if err != nil {
		var cve *tls.CertificateVerificationError
		if errors.As(err, &cve) {
			return nil, &fault{msg: fmt.Sprintf("TLS certificate of vault %s refused: %v", t.label, cve.Err),
				hint: "the certificate must chain to a trusted CA (the system's, or one in AKV_CA_FILE) and name the host akv connects to (an IP SAN for an IP address)",
				err:  err}
		}
		if _, ok := noSuchHost(err); ok {
			return nil, finalNetError{&netError{err}}
		}
		return nil, &netError{err}
	}
	if f := t.check(resp); f != nil {
		resp.Body.Close()
		return nil, f
	}
	resp.Body = &limitedBody{r: resp.Body, left: maxResponse + 1, label: t.label}
	return resp, nil
}

// check refuses redirects, announced oversized bodies and challenges for
// anything but the Key Vault audience.
func (t *vaultTransport) check(resp *http.Response) *fault {
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return &fault{msg: fmt.Sprintf("vault %s answered with a redirect (%d) to %s: akv follows no redirect",
			t.label, resp.StatusCode, quoteServer(resp.Header.Get("Location"))),
			hint: "point AKV_VAULT_ENDPOINTS at the vault's own address"}
	case resp.ContentLength > maxResponse:
		return tooLarge(t.label)
	case resp.StatusCode == http.StatusUnauthorized && len(resp.Header.Values("WWW-Authenticate")) > 0:
		return t.checkChallenge(resp)
	}
	return nil
}

func tooLarge(label string) *fault {
	return &fault{msg: fmt.Sprintf("vault %s sent a response too large (over %d KiB)", label, maxResponse>>10),
		hint: "Key Vault answers are far smaller: check that AKV_VAULT_ENDPOINTS points at a Key Vault"}
}

// limitedBody fails a body that grows past maxResponse, having read at
// most one byte more, and marks read failures as network errors.
type limitedBody struct {
	r     io.ReadCloser
	left  int64
	label string
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, tooLarge(b.label)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.left <= 0 {
		return n, tooLarge(b.label)
	}
	switch {
	case err == nil || err == io.EOF:
	case corruptCompression(err):
		err = &fault{msg: fmt.Sprintf("vault %s sent a malformed response (a corrupt gzip body)", b.label),
			hint: "the endpoint does not answer like Key Vault: check AKV_VAULT_ENDPOINTS", err: err}
	default:
		err = &netError{err}
	}
	return n, err
}

// corruptCompression: net/http's transparent gzip decoding failed on the
// bytes the server sent (a cut stream stays a network fault).
func corruptCompression(err error) bool {
	var ce flate.CorruptInputError
	return errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || errors.As(err, &ce)
}

func (b *limitedBody) Close() error { return b.r.Close() }
