package emulator

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// proxy is the emulator's HTTPS proxy on loopback (HTTPS_PROXY). A
// CONNECT to a host the emulator plays — a Key Vault of any cloud that it
// serves, management.azure.com — is answered by the emulator itself, TLS
// terminated with a certificate its CA issues for that name, so clients
// address https://demo.vault.azure.net with every default on. Every other
// CONNECT, and every plain proxied request, is refused with 403: nothing
// is ever forwarded, no connection leaves the machine.
type proxy struct {
	emu   *Emulator
	inner *http.Server // serves the tunnels' requests
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once

	tunnels  sync.Map // *tls.Conn → the host it was opened for
	accepted atomic.Int64

	mu      sync.Mutex
	refused []string // targets refused, for tests and diagnostics
}

type tunnelHost struct{}

func newProxy(e *Emulator) *proxy {
	p := &proxy{emu: e, conns: make(chan net.Conn), done: make(chan struct{})}
	p.inner = &http.Server{
		Handler:           http.HandlerFunc(p.serveTunnel),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if host, ok := p.tunnels.LoadAndDelete(c); ok {
				return context.WithValue(ctx, tunnelHost{}, host)
			}
			return ctx
		},
	}
	go p.inner.Serve(tunnelListener{p})
	return p
}

// hostHandler is what the proxy serves for a host name, nil when it
// refuses it. One line per kind of host the emulator plays.
func (e *Emulator) hostHandler(host string) http.Handler {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, serve := range []func(string) http.Handler{
		e.vaultForHost,
		e.armForHost,
	} {
		if h := serve(host); h != nil {
			return h
		}
	}
	return nil
}

// vaultForHost serves NAME.vault.azure.net, NAME.vault.azure.cn and
// NAME.vault.usgovcloudapi.net for every vault NAME of the emulator.
func (e *Emulator) vaultForHost(host string) http.Handler {
	for _, c := range clouds() {
		name, ok := strings.CutSuffix(host, "."+c.vaultSuffix)
		if !ok {
			continue
		}
		for n, v := range e.vaults {
			if strings.EqualFold(n, name) {
				return v
			}
		}
	}
	return nil
}

func (e *Emulator) armForHost(host string) http.Handler {
	if host == armHost {
		return e.arm
	}
	return nil
}

func (p *proxy) refuse(w http.ResponseWriter, target string) {
	p.mu.Lock()
	if len(p.refused) < 100 {
		p.refused = append(p.refused, target)
	}
	p.mu.Unlock()
	http.Error(w, fmt.Sprintf("akv emulator proxy: refusing %q: it answers only the Key Vault hosts of its vaults and %s on port 443, and forwards nothing", target, armHost), http.StatusForbidden)
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, port, err := net.SplitHostPort(r.Host)
	if r.Method != http.MethodConnect || err != nil || port != "443" || p.emu.hostHandler(host) == nil {
		p.refuse(w, r.Host)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		p.refuse(w, r.Host)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return
	}
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection Established\r\n\r\n"); err != nil {
		conn.Close()
		return
	}
	host = strings.ToLower(host)
	tc := tls.Server(bufferedConn{conn, rw.Reader}, &tls.Config{
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return p.emu.ca.forHost(host) },
		NextProtos:     nextProtos(),
		MinVersion:     tls.VersionTLS12,
	})
	p.tunnels.Store(tc, host)
	select {
	case p.conns <- tc:
		p.accepted.Add(1)
	case <-p.done:
		p.tunnels.Delete(tc)
		conn.Close()
	}
}

// serveTunnel answers a request that came through a tunnel as the host the
// tunnel was opened for, whatever Host header the client sent.
func (p *proxy) serveTunnel(w http.ResponseWriter, r *http.Request) {
	host, _ := r.Context().Value(tunnelHost{}).(string)
	h := p.emu.hostHandler(host)
	if h == nil {
		p.refuse(w, host)
		return
	}
	r.Host = host
	h.ServeHTTP(w, r)
}

func (p *proxy) refusals() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.refused...)
}

func (p *proxy) close() {
	p.once.Do(func() { close(p.done) })
	p.inner.Close()
}

// bufferedConn reads what the CONNECT request's reader already buffered
// before reading the connection itself.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c bufferedConn) Read(b []byte) (int, error) { return c.r.Read(b) }

// tunnelListener hands the proxy's tunnels to the inner server.
type tunnelListener struct{ p *proxy }

func (l tunnelListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.p.conns:
		return c, nil
	case <-l.p.done:
		return nil, net.ErrClosed
	}
}

func (l tunnelListener) Close() error {
	l.p.once.Do(func() { close(l.p.done) })
	return nil
}

func (l tunnelListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }
