package vault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// prefetch is the early token request TokenScope asks for. Its outcome is
// kept: a request that waited for it through the credential's cache and
// got only its own deadline back reports the prefetch's error instead,
// which names the identity endpoint.
type prefetch struct {
	done chan struct{}
	err  error
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
	if hasKind(err) || errors.Is(err, context.Canceled) {
		return err
	}
	c.mu.Lock()
	p := c.pre
	c.mu.Unlock()
	if p != nil {
		t := time.NewTimer(verdictWait)
		defer t.Stop()
		select {
		case <-p.done:
			if hasKind(p.err) {
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
