package vault

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync"
	"time"
)

// A vault whose first request carries its token (preauth.go) would wait
// for the token before the transport even starts the TCP and TLS
// handshakes. preconnectTransport dials that vault's connection while the
// token is being fetched, so the two overlap: in the cloud the handshakes
// are two round trips and a managed-identity token can take as long.
// Only a TLS connection is made ahead; no request and no token goes on
// it before the request that takes it.

// preconnecter is a transport that can dial a vault ahead of its first
// request: preconnectTransport, and extraRoots (httpclient.go) through its first
// transport.
type preconnecter interface{ preconnect(base string) }

// preconnectTransport is the shared Key Vault transport with a TLS dialer
// that hands out connections dialed ahead.
type preconnectTransport struct {
	*http.Transport

	mu      sync.Mutex
	pending map[string]*dialing // host:port → a connection being dialed ahead
	taken   int                 // connections dialed ahead that a request took
}

type dialing struct {
	done chan struct{}
	conn net.Conn
	err  error
}

func withPreconnect(t *http.Transport) *preconnectTransport {
	p := &preconnectTransport{Transport: t, pending: map[string]*dialing{}}
	// The transport uses this dialer for HTTPS without a proxy, and does
	// the same handshake with the same TLSClientConfig as it would itself.
	t.DialTLSContext = p.dialTLS
	// The transport sets up HTTP/2 on its TLS config on first use; have it
	// do so now, before a dial ahead reads that config.
	t.CloseIdleConnections()
	return p
}

// preconnect starts dialing base's host, unless a proxy is in the way or
// a dial is already pending.
func (p *preconnectTransport) preconnect(base string) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "https" {
		return
	}
	if p.Proxy != nil {
		if proxy, err := p.Proxy(&http.Request{URL: u}); proxy != nil || err != nil {
			return
		}
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "443")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.pending[addr]; ok {
		return
	}
	d := &dialing{done: make(chan struct{})}
	p.pending[addr] = d
	go func() {
		d.conn, d.err = p.tlsDial(context.Background(), addr)
		close(d.done)
	}()
}

// dialTLS takes the connection dialed ahead for addr, or dials one. The
// dial ahead is the very dial the transport would make: its error is the
// transport's error.
func (p *preconnectTransport) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	p.mu.Lock()
	d := p.pending[addr]
	delete(p.pending, addr)
	p.mu.Unlock()
	if d != nil {
		select {
		case <-d.done:
			if d.err == nil {
				p.mu.Lock()
				p.taken++
				p.mu.Unlock()
			}
			return d.conn, d.err
		case <-ctx.Done():
			go func() {
				<-d.done
				if d.conn != nil {
					d.conn.Close()
				}
			}()
			return nil, ctx.Err()
		}
	}
	return p.tlsDial(ctx, addr)
}

// tlsDial does what the transport does for an HTTPS connection: TCP
// through its dialer, then the handshake with its TLS config, offering
// HTTP/2, bounded by its handshake timeout.
func (p *preconnectTransport) tlsDial(ctx context.Context, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{}
	if p.TLSClientConfig != nil {
		cfg = p.TLSClientConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	cfg.NextProtos = []string{"h2", "http/1.1"}
	dial := p.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	raw, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	timeout := p.TLSHandshakeTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(hctx); err != nil {
		raw.Close()
		return nil, err
	}
	return conn, nil
}

// firstRequest is the context for a vault's first request. With the token
// on the first request, the vault's gate opens once that request has its
// connection, not when the token arrives: the others then share that
// HTTP/2 connection instead of each dialing one while it is being made.
func (v *vaultClient) firstRequest(ctx context.Context, first bool) context.Context {
	if !first {
		return ctx
	}
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { v.markReady(nil) }})
}
