package vault

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// Options configures New.
type Options struct {
	Credential  azcore.TokenCredential
	HTTPClient  *http.Client // nil means NewHTTPClient("", Concurrency)
	Endpoints   Endpoints
	CAFile      bool                 // AKV_CA_FILE is in use (for hints)
	Concurrency int                  // parallel requests; zero means defaultConcurrency
	Log         func(string, ...any) // diagnostics, never values
	MaxRetries  int                  // per request on 5xx and network errors; zero means defaultMaxRetries (429s retry while --timeout allows)
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
	vaults map[string]*vaultClient // by origin: one gate per vault, however its references spell it

	progressMu  sync.Mutex
	done, total int

	pre *prefetch // the first vault's early token request; set under mu
}

// New returns a Client. It makes no request.
func New(o Options) (*Client, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = defaultConcurrency
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

func (c *Client) vault(ctx context.Context, r Ref) (*vaultClient, error) {
	eps := c.opts.Endpoints
	base := eps.URL(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.vaults[origin(mustParse(base))]; ok {
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
	c.vaults[v.origin] = v
	c.opts.Log("vault %s: endpoint %s, token with the first request", v.label, base)
	if c.opts.TokenScope == scope && c.pre == nil {
		p := &prefetch{done: make(chan struct{})}
		c.pre = p
		go func() {
			defer close(p.done)
			defer func() {
				// Nothing above this goroutine could recover a bug here:
				// the requests fail, not the process.
				if recover() != nil {
					p.err = &Error{Kind: KindInternal, Msg: "internal error (a bug in akv; please report it)"}
				}
			}()
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
		t := time.NewTimer(verdictWait)
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
