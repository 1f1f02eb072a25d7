package vault

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// Endpoints maps vault names to base URLs (AKV_VAULT_ENDPOINTS) and knows
// the cloud's DNS suffix.
type Endpoints struct {
	Suffix string            // e.g. vault.azure.net
	Map    map[string]string // name → https://host[:port]
}

// ParseEndpointMap reads "name=https://host:port,other=https://…".
func ParseEndpointMap(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		name, u, ok := strings.Cut(pair, "=")
		pu, err := url.Parse(u)
		if !ok || !validVaultName(name) || err != nil || pu.Scheme != "https" || pu.Host == "" {
			return nil, usageErr(fmt.Sprintf("AKV_VAULT_ENDPOINTS: bad entry %q", pair),
				"want name=https://host[:port], comma-separated")
		}
		m[strings.ToLower(name)] = strings.TrimSuffix(u, "/")
	}
	return m, nil
}

// URL is the base URL requests for r go to: the mapped endpoint for its
// vault name, else its own host, else NAME.SUFFIX.
func (e Endpoints) URL(r Ref) string {
	if r.Vault != "" {
		if u, ok := e.Map[strings.ToLower(r.Vault)]; ok {
			return u
		}
	}
	if r.Host != "" {
		return "https://" + r.Host
	}
	suffix := e.Suffix
	if suffix == "" {
		suffix = cloudSuffixes["public"]
	}
	return "https://" + strings.ToLower(r.Vault) + "." + suffix
}

// NewHTTPClient is the one transport every vault client shares: proxy from
// the environment, HTTP/2, a keep-alive pool as deep as the concurrency,
// and the system roots plus the PEM file caFile (when not empty).
func NewHTTPClient(caFile string, concurrency int) (*http.Client, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ForceAttemptHTTP2 = true
	t.MaxIdleConnsPerHost = max(concurrency, 2)
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, usageErr(fmt.Sprintf("AKV_CA_FILE: %v", err), "")
		}
		extra := x509.NewCertPool()
		if !extra.AppendCertsFromPEM(pem) {
			return nil, usageErr(fmt.Sprintf("AKV_CA_FILE %s holds no PEM certificate", caFile), "")
		}
		// Trust the extra CAs on top of the system roots. Verifying against
		// the extra pool first, and loading the system roots only when that
		// fails, saves the ~9 ms of parsing them for every emulator or
		// private-endpoint run. Verification itself is not skipped: see
		// verifyWith.
		t.TLSClientConfig.InsecureSkipVerify = true
		t.TLSClientConfig.VerifyConnection = verifyWith(extra)
	}
	return &http.Client{Transport: t}, nil
}

// verifyWith verifies the server's chain and name against extra, then
// against the system roots: what crypto/tls does by default with a pool
// of system roots plus extra, without loading the system roots up front.
func verifyWith(extra *x509.CertPool) func(tls.ConnectionState) error {
	return func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return fmt.Errorf("tls: server sent no certificate")
		}
		opts := x509.VerifyOptions{DNSName: cs.ServerName, Roots: extra, Intermediates: x509.NewCertPool()}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		leaf := cs.PeerCertificates[0]
		if _, err := leaf.Verify(opts); err == nil {
			return nil
		}
		opts.Roots = nil // the system roots
		_, err := leaf.Verify(opts)
		return err
	}
}

// Options configures New.
type Options struct {
	Credential  azcore.TokenCredential
	HTTPClient  *http.Client // nil means NewHTTPClient("", Concurrency)
	Endpoints   Endpoints
	Concurrency int                  // parallel requests; zero means 16
	Log         func(string, ...any) // diagnostics, never values
	MaxRetries  int                  // per request on 429/5xx; zero means 4
	// TokenScope, when set, is asked for as soon as a vault is first used,
	// while its challenge is in flight, so the token is ready when the
	// challenge returns. Use the cloud's vault scope
	// ("https://vault.azure.net/.default"); the credential's cache makes
	// the later request for it join this one.
	TokenScope string
	// Progress, when set, is told after each secret how many are done of
	// how many are known so far (a listing grows the total page by page),
	// and once more with finished set when a batch is over.
	Progress func(done, total int, finished bool)
}

// Client fetches secrets from any number of vaults.
type Client struct {
	opts Options
	sem  chan struct{}

	mu     sync.Mutex
	vaults map[string]*vaultClient // by base URL

	progressMu  sync.Mutex
	done, total int
}

// track adds n secrets to the total the progress callback reports.
func (c *Client) track(n int) {
	if c.opts.Progress == nil {
		return
	}
	c.progressMu.Lock()
	c.total += n
	c.progressMu.Unlock()
}

// finished reports one more secret done.
func (c *Client) finished() {
	if c.opts.Progress == nil {
		return
	}
	c.progressMu.Lock()
	defer c.progressMu.Unlock() // one line at a time
	c.done++
	c.opts.Progress(c.done, c.total, false)
}

// batchOver tells the progress callback that a Get or GetMatching ended.
func (c *Client) batchOver() {
	if c.opts.Progress == nil {
		return
	}
	c.progressMu.Lock()
	defer c.progressMu.Unlock()
	c.opts.Progress(c.done, c.total, true)
}

// New returns a Client. It makes no request.
func New(o Options) (*Client, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 4
	}
	if o.HTTPClient == nil {
		c, err := NewHTTPClient("", o.Concurrency)
		if err != nil {
			return nil, err
		}
		o.HTTPClient = c
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	return &Client{opts: o, sem: make(chan struct{}, o.Concurrency), vaults: map[string]*vaultClient{}}, nil
}

// vaultClient is one vault's azsecrets client plus the gate that holds
// every request but the first until the first has answered the challenge:
// azsecrets sends each request unauthenticated until it has seen one, so
// a cold fan-out would cost one challenge and token lookup per request.
type vaultClient struct {
	label string
	sc    *azsecrets.Client

	once     sync.Once
	ready    chan struct{} // closed once a token was handed out or the first request ended
	doneOnce sync.Once
	authErr  error // set before ready closes when the first request failed to authenticate

	tokenTenant atomic.Value // string: tid of the token sent, for hints
}

func (v *vaultClient) markReady(authErr error) {
	v.doneOnce.Do(func() {
		v.authErr = authErr
		close(v.ready)
	})
}

// gatedCredential tells the vault's gate when the challenge has been
// answered: the bearer policy asks for a token only after it parsed it.
type gatedCredential struct {
	inner azcore.TokenCredential
	v     *vaultClient
}

func (g gatedCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := g.inner.GetToken(ctx, o)
	if err == nil {
		if g.v.tokenTenant.Load() == nil {
			if c, cerr := ParseClaims(tok.Token); cerr == nil {
				g.v.tokenTenant.Store(c.Tenant)
			}
		}
		g.v.markReady(nil)
	}
	return tok, err
}

func (c *Client) vault(ctx context.Context, r Ref) (*vaultClient, error) {
	base := c.opts.Endpoints.URL(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.vaults[base]; ok {
		return v, nil
	}
	v := &vaultClient{label: r.VaultLabel(), ready: make(chan struct{})}
	u, _ := url.Parse(base)
	opts := &azsecrets.ClientOptions{
		ClientOptions: azcore.ClientOptions{
			Transport: c.opts.HTTPClient,
			Retry: policy.RetryOptions{MaxRetries: int32(c.opts.MaxRetries), RetryDelay: 500 * time.Millisecond,
				MaxRetryDelay: 8 * time.Second},
			Telemetry: policy.TelemetryOptions{ApplicationID: "akv"},
		},
		// Verification stays on for real vaults; an emulator or a private
		// endpoint on loopback cannot share the challenge's DNS suffix.
		DisableChallengeResourceVerification: isLoopback(u.Hostname()),
	}
	sc, err := azsecrets.NewClient(base, gatedCredential{inner: c.opts.Credential, v: v}, opts)
	if err != nil {
		return nil, &Error{Kind: KindUsage, Op: "vault " + v.label, Msg: err.Error()}
	}
	v.sc = sc
	c.vaults[base] = v
	c.opts.Log("vault %s: endpoint %s", v.label, base)
	if c.opts.TokenScope != "" && len(c.vaults) == 1 {
		go c.opts.Credential.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.opts.TokenScope}}) //nolint:errcheck // the request after the challenge reports errors
	}
	return v, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// enter lets the vault's first request through at once and holds the
// others until it has a token; it returns the first request's auth error
// when there is one, so a dead identity endpoint is asked once, not once
// per secret.
func (v *vaultClient) enter(ctx context.Context) (first bool, err error) {
	v.once.Do(func() { first = true })
	if first {
		return true, nil
	}
	select {
	case <-v.ready:
		return false, v.authErr
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// leave ends the first request: whatever happened, the others may go.
func (v *vaultClient) leave(first bool, err error) {
	if !first {
		return
	}
	if err != nil && KindOf(err) == KindAuth {
		v.markReady(err)
		return
	}
	v.markReady(nil)
}

// acquire takes a concurrency slot.
func (c *Client) acquire(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *Client) release() { <-c.sem }
