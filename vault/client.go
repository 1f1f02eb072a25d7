package vault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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
		name, base, err := parseEndpointEntry(pair)
		if err != nil {
			return nil, err
		}
		switch prev, dup := m[name]; {
		case !dup:
			m[name] = base
		case origin(mustParse(prev)) != origin(mustParse(base)):
			return nil, usageErr(fmt.Sprintf("AKV_VAULT_ENDPOINTS maps %s twice, to %s and %s", name, prev, base),
				"map each vault name once")
		}
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

// Options configures New.
type Options struct {
	Credential  azcore.TokenCredential
	HTTPClient  *http.Client // nil means NewHTTPClient("", Concurrency)
	Endpoints   Endpoints
	CAFile      bool                 // AKV_CA_FILE is in use (for hints)
	Concurrency int                  // parallel requests; zero means 16
	Log         func(string, ...any) // diagnostics, never values
	MaxRetries  int                  // per request on 5xx and network errors; zero means 4 (429s retry while --timeout allows)
	// TokenScope, when set, is asked for as soon as a vault is first used,
	// while its challenge is in flight, so the token is ready when the
	// challenge returns. Only the cloud's vault scope
	// ("https://vault.azure.net/.default") is asked for, anything else is
	// ignored; the credential's cache makes the later request for it join
	// this one.
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

	pre *prefetch // the first vault's early token request; set under mu
}

// prefetch is the early token request TokenScope asks for. Its outcome is
// kept: a request that waited for it through the credential's cache and
// got only its own deadline back reports the prefetch's error instead,
// which names the identity endpoint.
type prefetch struct {
	done chan struct{}
	err  error
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
		o.MaxRetries = defaultMaxRetries
	}
	if o.HTTPClient == nil {
		c, err := NewHTTPClient("", o.Concurrency)
		if err != nil {
			return nil, err
		}
		o.HTTPClient = c
	}
	hc := *o.HTTPClient // whoever built it, it follows no redirect
	hc.CheckRedirect = noRedirect
	o.HTTPClient = &hc
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	return &Client{opts: o, sem: make(chan struct{}, o.Concurrency), vaults: map[string]*vaultClient{}}, nil
}

// vaultClient is one vault's azsecrets client plus the gate that holds
// every request but the first until the first has its token and its
// connection: a cold fan-out would otherwise ask the identity endpoint and
// dial the vault once per request.
type vaultClient struct {
	label  string
	origin string // scheme://host:port, the only one its requests go to
	caFile bool   // for the unknown-authority hint
	sc     *azsecrets.Client

	once     sync.Once
	ready    chan struct{} // closed once the first request has its connection, or has ended
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

// gatedCredential is the credential of one vault's requests, the first
// one's (preauth.go) and a challenge's alike. It asks only for the cloud's
// Key Vault scope, makes sure a failed token request blames the identity
// endpoint (see tokenOutcome), and notes the token's tenant for hints.
type gatedCredential struct {
	inner azcore.TokenCredential
	v     *vaultClient
	c     *Client
	scope string // the cloud's Key Vault audience + "/.default"
}

func (g gatedCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if len(o.Scopes) != 1 || o.Scopes[0] != g.scope {
		// The transport verified the challenge; this is the last word.
		err := &fault{msg: fmt.Sprintf("vault %s: refused to ask for a token for %s: akv asks only for %s",
			g.v.label, quoteServer(strings.Join(o.Scopes, " ")), g.scope)}
		recordTokenErr(ctx, err)
		return azcore.AccessToken{}, err
	}
	tok, err := g.inner.GetToken(ctx, o)
	if err != nil {
		err = g.c.blameIdentity(err)
		recordTokenErr(ctx, err)
		return tok, err
	}
	if g.v.tokenTenant.Load() == nil {
		if c, cerr := ParseClaims(tok.Token); cerr == nil {
			g.v.tokenTenant.Store(c.Tenant)
		}
	}
	return tok, nil
}

// blameIdentity makes a failed token request name the identity endpoint.
// A request that waited behind the prefetch in the credential's cache gets
// only its context's error back when time runs out: the prefetch's own
// error, which ends at the same deadline, says who was slow.
func (c *Client) blameIdentity(err error) error {
	var k kinded
	if errors.As(err, &k) || errors.Is(err, context.Canceled) {
		return err
	}
	c.mu.Lock()
	p := c.pre
	c.mu.Unlock()
	if p != nil {
		t := time.NewTimer(2 * time.Second)
		defer t.Stop()
		select {
		case <-p.done:
			if errors.As(p.err, &k) {
				return p.err
			}
		case <-t.C:
		}
	}
	return &Error{Kind: KindAuth, Msg: "timed out waiting for a token from the identity endpoint",
		Hint: "check that the identity endpoint answers, or raise --timeout", Err: err}
}

// tokenOutcome carries a token request's failure out of one vault call:
// azcore's retry policy replaces any error with the context's once the
// deadline has passed, so without it a slow identity endpoint would be
// reported as a slow vault.
type tokenOutcome struct {
	mu  sync.Mutex
	err error
}

type tokenOutcomeKey struct{}

func recordTokenErr(ctx context.Context, err error) {
	if o, ok := ctx.Value(tokenOutcomeKey{}).(*tokenOutcome); ok {
		o.mu.Lock()
		o.err = err
		o.mu.Unlock()
	}
}

// call runs one vault request and classifies its error: the token
// request's failure when there was one, else the vault's.
func (v *vaultClient) call(ctx context.Context, op string, f func(context.Context) error) error {
	out := &tokenOutcome{}
	err := f(context.WithValue(ctx, tokenOutcomeKey{}, out))
	if err != nil {
		out.mu.Lock()
		if out.err != nil {
			err = out.err
		}
		out.mu.Unlock()
	}
	return v.classify(op, err)
}

func (c *Client) vault(ctx context.Context, r Ref) (*vaultClient, error) {
	eps := c.opts.Endpoints
	base := eps.URL(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.vaults[base]; ok {
		return v, nil
	}
	v := &vaultClient{label: r.VaultLabel(), caFile: c.opts.CAFile, ready: make(chan struct{})}
	if !eps.Trusted(base) {
		return nil, eps.untrusted(v.label, base)
	}
	u, _ := url.Parse(base)
	v.origin = origin(u)
	scope := eps.Audience() + "/.default"
	// Every vault akv talks to is trusted (trust.go), so its first request
	// carries the token (preauth.go); the connection it needs is dialed
	// meanwhile (preconnect.go).
	if pc, ok := c.opts.HTTPClient.Transport.(preconnecter); ok {
		pc.preconnect(base)
	}
	cred := gatedCredential{inner: c.opts.Credential, v: v, c: c, scope: scope}
	throttle := newThrottle(v.label, c.opts.Concurrency, realClock(), nil)
	throttle.log = c.opts.Log
	opts := &azsecrets.ClientOptions{
		ClientOptions: azcore.ClientOptions{
			Transport: &vaultTransport{hc: c.opts.HTTPClient, origin: v.origin, label: v.label, eps: eps},
			// The vault's throttle retries (throttle.go), not azcore.
			Retry:            policy.RetryOptions{MaxRetries: -1},
			PerCallPolicies:  []policy.Policy{&retryPolicy{t: throttle, maxRetries: c.opts.MaxRetries}},
			PerRetryPolicies: []policy.Policy{preauthPolicy{cred: cred, scope: scope}},
			Telemetry:        policy.TelemetryOptions{ApplicationID: "akv"},
		},
		// vaultTransport verifies every challenge by a stricter rule than
		// azsecrets's (the resource is the cloud's Key Vault audience, on
		// every host), which also lets a mapped private host work.
		DisableChallengeResourceVerification: true,
	}
	sc, err := azsecrets.NewClient(base, cred, opts)
	if err != nil {
		return nil, &Error{Kind: KindUsage, Op: "vault " + v.label, Msg: err.Error()}
	}
	v.sc = sc
	c.vaults[base] = v
	c.opts.Log("vault %s: endpoint %s, token with the first request", v.label, base)
	if c.opts.TokenScope == scope && c.pre == nil {
		p := &prefetch{done: make(chan struct{})}
		c.pre = p
		go func() {
			defer close(p.done)
			_, p.err = c.opts.Credential.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
		}()
	}
	return v, nil
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
		// The first request shares this deadline and is about to say
		// whether the identity endpoint or the vault ran it out: wait for
		// its word, briefly, so every secret blames the same party.
		t := time.NewTimer(2 * time.Second)
		defer t.Stop()
		select {
		case <-v.ready:
			if v.authErr != nil {
				return false, v.authErr
			}
		case <-t.C:
		}
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
