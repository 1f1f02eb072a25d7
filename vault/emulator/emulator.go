package emulator

import (
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/akv-cli/akv/templates"
)

// Options configures Start. The zero value serves the demo set in a vault
// named "demo" on random ports.
type Options struct {
	Addr            string          // vault listen address; "" means 127.0.0.1:0
	MSIAddr         string          // token endpoint address; "" means next to Addr, else random
	Names           []string        // vault names; nil means ["demo"]
	Seeds           map[string]Seed // nil means DemoSeeds()
	Latency         time.Duration   // added to every Key Vault request
	Throttle        int             // Key Vault requests per second per vault before 429
	TokenLifetime   time.Duration   // zero means 1h
	MSIFail         int             // first N token requests answer 503
	MSIExpiryFormat string          // one of ExpiryFormats; "" means unixstr
	Tenant          string          // tenant id in tokens and challenges
	VaultTenant     string          // tenant the vaults belong to; "" means Tenant (else tokens get 401 AKV10032)
	ObjectID        string          // object id in tokens
	Subscription    string          // the one subscription ARM lists; "" means a fixed id
	ProxyAddr       string          // HTTPS proxy address; "" means 127.0.0.1:0
	Dir             string          // where ca.pem goes; "" means a new temp dir, removed by Close
	Now             func() time.Time
	Identity        string // one of Identities: which identity Env points at; "" means cloudshell
	IdentityFault   string // one of IdentityFaults: what is wrong with every minted assertion
}

// Emulator is a running emulator.
type Emulator struct {
	MSIEndpoint string            // http://127.0.0.1:port/oauth2/token
	Vaults      map[string]string // name → https://127.0.0.1:port
	CAFile      string
	ProxyURL    string // http://127.0.0.1:port, for HTTPS_PROXY

	opts          Options
	signer        signer
	ca            *authority
	backups       backups
	proxy         *proxy
	arm           *armServer
	tokenRequests atomic.Int64
	servers       []*http.Server
	vaults        map[string]*vaultServer
	tempDir       string
	identity      *identityServer // Entra ID and the OIDC issuers (entra.go)
}

// Start listens on loopback and serves until Close.
func Start(o Options) (*Emulator, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if len(o.Names) == 0 {
		o.Names = []string{"demo"}
	}
	if o.Seeds == nil {
		o.Seeds = DemoSeeds()
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = time.Hour
	}
	if o.Tenant == "" {
		o.Tenant = "72f988bf-0000-4000-8000-00000000a4e1"
	}
	if o.VaultTenant == "" {
		o.VaultTenant = o.Tenant
	}
	if o.ObjectID == "" {
		o.ObjectID = "00000000-0000-4000-8000-0000000de3c0"
	}
	if o.Subscription == "" {
		o.Subscription = "00000000-0000-4000-8000-00000000a4e1"
	}
	if o.MSIExpiryFormat != "" && !slices.Contains(ExpiryFormats, o.MSIExpiryFormat) {
		return nil, fmt.Errorf("unknown expiry format %q (want one of %s)", o.MSIExpiryFormat, strings.Join(ExpiryFormats, ", "))
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	e := &Emulator{opts: o, signer: signer{key: key}, Vaults: map[string]string{}, vaults: map[string]*vaultServer{}}
	var err error
	ok := false
	defer func() {
		if !ok {
			e.Close()
		}
	}()

	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "akv-emulator-")
		if err != nil {
			return nil, err
		}
		dir, e.tempDir = d, d
	}
	if e.ca, err = newAuthority(o.Now()); err != nil {
		return nil, fmt.Errorf("emulator CA: %w", err)
	}
	tlsCfg, err := e.ca.loopbackTLS()
	if err != nil {
		return nil, fmt.Errorf("emulator TLS: %w", err)
	}
	if e.backups, err = newBackups(); err != nil {
		return nil, err
	}
	if e.opts.Seeds, err = issueCertificates(o.Seeds, caKey{cert: e.ca.Cert, key: e.ca.Key}, o.Now()); err != nil {
		return nil, err
	}
	e.CAFile = filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(e.CAFile, e.ca.PEM(), 0o644); err != nil {
		return nil, err
	}

	addr := o.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	for i, name := range o.Names {
		if i > 0 {
			addr = "127.0.0.1:0"
		}
		ln, err := listenLoopback(addr)
		if err != nil {
			return nil, err
		}
		base := "https://" + ln.Addr().String()
		vs := newVaultServer(e, name, base)
		e.Vaults[name], e.vaults[name] = base, vs
		e.serve(vs, ln, tlsCfg)
	}

	msiLn, err := e.listenNear(o.MSIAddr, 1)
	if err != nil {
		return nil, err
	}
	e.MSIEndpoint = "http://" + msiLn.Addr().String() + "/oauth2/token"
	e.serve(&msiServer{emu: e, cache: map[string]cachedToken{}}, msiLn, nil)
	if err := e.startIdentity(tlsCfg, dir); err != nil {
		return nil, err
	}

	proxyLn, err := e.listenNear(o.ProxyAddr, 2)
	if err != nil {
		return nil, err
	}
	e.arm = newARM(e)
	e.proxy = newProxy(e)
	e.ProxyURL = "http://" + proxyLn.Addr().String()
	e.serve(e.proxy, proxyLn, nil)
	ok = true
	return e, nil
}

// listenNear listens on addr when given, else on the port offset after
// the first vault's when --addr fixed it, else on any port.
func (e *Emulator) listenNear(addr string, offset int) (net.Listener, error) {
	if addr != "" {
		return listenLoopback(addr)
	}
	if e.opts.Addr != "" {
		if _, port, err := net.SplitHostPort(e.opts.Addr); err == nil && port != "0" {
			var p int
			fmt.Sscan(port, &p)
			if ln, err := listenLoopback(fmt.Sprintf("127.0.0.1:%d", p+offset)); err == nil {
				return ln, nil
			}
		}
	}
	return listenLoopback("127.0.0.1:0")
}

// listenLoopback refuses any address that is not loopback.
func listenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", addr, err)
	}
	if host == "" || host == "localhost" {
		addr = net.JoinHostPort("127.0.0.1", addr[strings.LastIndex(addr, ":")+1:])
	} else if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("address %q: the emulator listens on loopback only", addr)
	}
	return net.Listen("tcp", addr)
}

func (e *Emulator) serve(h http.Handler, ln net.Listener, tlsCfg *tls.Config) {
	// Handshake errors (a client that does not trust the CA) are the
	// client's to report; the emulator stays quiet.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	e.servers = append(e.servers, srv)
	if tlsCfg != nil {
		srv.TLSConfig = tlsCfg.Clone() // ServeTLS configures HTTP/2 on it: one per server
		go srv.ServeTLS(ln, "", "")
		return
	}
	go srv.Serve(ln)
}

// Stats returns the counters of one vault.
func (e *Emulator) Stats(name string) (Stats, bool) {
	v, ok := e.vaults[name]
	if !ok {
		return Stats{}, false
	}
	return v.stats(), true
}

// Environ is the environment that points akv and the Azure SDKs at the
// emulator, as NAME=value pairs: akv's own variables, the Cloud Shell
// token endpoint, and the proxy with the CA file each runtime reads
// (Go and OpenSSL: SSL_CERT_FILE; Python requests: REQUESTS_CA_BUNDLE;
// Node: NODE_EXTRA_CA_CERTS). Both spellings of the proxy variables are
// set, as some clients prefer the lower-case one: a proxy left over in the
// shell must not take the real host names elsewhere.
func (e *Emulator) Environ() []string {
	var pairs []string
	for _, name := range e.opts.Names {
		pairs = append(pairs, name+"="+e.Vaults[name])
	}
	noProxy := "127.0.0.1,localhost"
	vars, _ := e.identityVars()
	return append(vars,
		"AKV_VAULT_ENDPOINTS="+strings.Join(pairs, ","),
		"AKV_CA_FILE="+e.CAFile,
		"AKV_VAULT="+e.opts.Names[0],
		"HTTPS_PROXY="+e.ProxyURL,
		"https_proxy="+e.ProxyURL,
		"NO_PROXY="+noProxy,
		"no_proxy="+noProxy,
		"SSL_CERT_FILE="+e.CAFile,
		"REQUESTS_CA_BUNDLE="+e.CAFile,
		"NODE_EXTRA_CA_CERTS="+e.CAFile,
	)
}

// Env is Environ as a shell snippet of export lines, with the identity's
// notes as comments.
func (e *Emulator) Env() string {
	var b strings.Builder
	for _, kv := range e.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(v))
	}
	_, notes := e.identityVars()
	for _, n := range notes {
		fmt.Fprintf(&b, "# %s\n", n)
	}
	return b.String()
}

// shellQuote quotes only when needed, so the common case reads cleanly,
// and then as export does (templates.Shell).
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,") == "" {
		return s
	}
	return templates.Shell(s)
}

// Close stops every listener and removes the temp dir it made.
func (e *Emulator) Close() error {
	var errs []error
	e.stopIdentity()
	for _, s := range e.servers {
		s.Close() // in-flight requests end now: a stopped emulator answers nothing
	}
	if e.proxy != nil {
		e.proxy.close()
	}
	if e.tempDir != "" {
		errs = append(errs, os.RemoveAll(e.tempDir))
	}
	return errors.Join(errs...)
}

func (e *Emulator) now() time.Time { return e.opts.Now() }
