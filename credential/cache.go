package credential

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

const (
	refreshMargin   = 5 * time.Minute
	minRefreshDelay = 30 * time.Second
)

// fetchFunc asks an identity endpoint for a token for one resource.
type fetchFunc func(ctx context.Context, resource string) (azcore.AccessToken, error)

// tokenCache keeps one token per resource, lets one fetch per resource run
// at a time (concurrent callers wait for it) and decides when to refresh.
// Every credential in this package shares it, so the rules live in one place.
type tokenCache struct {
	now   func() time.Time
	fetch fetchFunc

	mu      sync.Mutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	tok       azcore.AccessToken
	refreshAt time.Time // no new fetch before this while tok is valid
	inflight  *fetchCall
	// failed is the last final failure, repeated to callers until
	// failedUntil: one refusing endpoint costs one request, not one per
	// secret.
	failed      error
	failedUntil time.Time
}

type fetchCall struct {
	done chan struct{}
	tok  azcore.AccessToken
	err  error
}

func newTokenCache(now func() time.Time, fetch fetchFunc) *tokenCache {
	if now == nil {
		now = time.Now
	}
	return &tokenCache{now: now, fetch: fetch, entries: map[string]*cacheEntry{}}
}

// refreshTime is when a token should be renewed: 5 minutes before expiry,
// or at half its lifetime when that comes sooner (short-lived tokens).
func refreshTime(now, expires time.Time) time.Time {
	margin := refreshMargin
	if half := expires.Sub(now) / 2; half < margin {
		margin = half
	}
	return expires.Add(-margin)
}

// get returns a token for resource. revoked says the cached one was
// refused with a claims challenge (Continuous Access Evaluation): it is
// dropped, so this caller and the next get a fresh one.
func (c *tokenCache) get(ctx context.Context, resource string, revoked bool) (azcore.AccessToken, error) {
	c.mu.Lock()
	e := c.entries[resource]
	if e == nil {
		e = &cacheEntry{}
		c.entries[resource] = e
	}
	if revoked && e.inflight == nil {
		e.tok, e.failed = azcore.AccessToken{}, nil
	}
	now := c.now()
	valid := e.tok.Token != "" && now.Before(e.tok.ExpiresOn)
	if valid && (now.Before(e.refreshAt) || e.inflight != nil) {
		// Fresh enough, or someone is already refreshing: the cached token
		// still works, so nobody waits.
		tok := e.tok
		c.mu.Unlock()
		return tok, nil
	}
	if !valid && e.failed != nil && now.Before(e.failedUntil) && e.inflight == nil {
		err := e.failed
		c.mu.Unlock()
		return azcore.AccessToken{}, err
	}
	call := e.inflight
	leader := call == nil
	if leader {
		call = &fetchCall{done: make(chan struct{})}
		e.inflight = call
	}
	c.mu.Unlock()

	if leader {
		tok, err := c.fetchGuarded(ctx, resource)
		c.mu.Lock()
		now := c.now()
		e.failed = nil
		if err != nil && ctx.Err() == nil {
			// Not the caller's own deadline: the endpoint's verdict.
			e.failed, e.failedUntil = err, now.Add(minRefreshDelay)
		}
		switch {
		case err == nil && valid && tok.Token == e.tok.Token:
			// The endpoint handed back its own cached token: keep it and
			// ask again in minRefreshDelay (set below), not sooner.
			e.refreshAt = now
		case err == nil:
			e.tok = tok
			e.refreshAt = refreshTime(now, tok.ExpiresOn)
		case valid:
			// The endpoint failed but the old token still works: use it.
			tok, err = e.tok, nil
		}
		// The endpoint may hand back its own cached token with the same
		// expiry; never ask again sooner than minRefreshDelay.
		if e.refreshAt.Before(now.Add(minRefreshDelay)) {
			e.refreshAt = now.Add(minRefreshDelay)
		}
		e.tok.RefreshOn = e.refreshAt
		if err == nil {
			tok.RefreshOn = e.refreshAt
		}
		e.inflight = nil
		call.tok, call.err = tok, err
		c.mu.Unlock()
		close(call.done)
		return tok, err
	}

	select {
	case <-call.done:
		return call.tok, call.err
	case <-ctx.Done():
		return azcore.AccessToken{}, ctx.Err()
	}
}

// fetchGuarded is fetchUnexpired with a panic (a bug) turned into an
// error: every caller waiting behind this fetch gets it at once, rather
// than the process dying with a stack dump on whatever goroutine asked
// first (akv's early token request has one of its own). The panic's value
// is dropped unread: it may hold anything.
func (c *tokenCache) fetchGuarded(ctx context.Context, resource string) (tok azcore.AccessToken, err error) {
	defer func() {
		if recover() != nil {
			tok, err = azcore.AccessToken{}, &Error{Kind: KindInternal,
				Msg:  "internal error while getting a token (a bug in akv)",
				Hint: "please report it with the command you ran (no values were printed)"}
		}
	}()
	return c.fetchUnexpired(ctx, resource)
}

// fetchUnexpired fetches a token and, when the endpoint hands out one
// that cannot be used (expired already, or holding a byte no HTTP header
// may carry), asks once more before giving up: using it would fail at the
// vault, and asking on every request would turn one broken endpoint (or
// clock) into a request per secret.
func (c *tokenCache) fetchUnexpired(ctx context.Context, resource string) (azcore.AccessToken, error) {
	var refusal error
	for range 2 {
		tok, err := c.fetch(ctx, resource)
		if err != nil {
			return tok, err
		}
		if refusal = c.unusable(tok); refusal == nil {
			return tok, nil
		}
	}
	return azcore.AccessToken{}, refusal
}

// unusable says why a token just handed out cannot be sent, never
// quoting it.
func (c *tokenCache) unusable(tok azcore.AccessToken) error {
	if tok.Token == "" || !bearerToken(tok.Token) {
		return &Error{Kind: KindAuth,
			Msg:  "the identity endpoint returned a malformed token (twice): it holds a byte no HTTP header may carry",
			Hint: "the identity endpoint is broken or is not one: check the variable that names it (--verbose says which)"}
	}
	if now := c.now(); !tok.ExpiresOn.After(now) {
		return &Error{Kind: KindAuth,
			Msg: fmt.Sprintf("the identity endpoint returned an expired token (twice): it expired at %s, %s before this machine's clock",
				tok.ExpiresOn.UTC().Format(time.RFC3339), now.Sub(tok.ExpiresOn).Round(time.Second)),
			Hint: "check this machine's clock (date -u); in Cloud Shell, restart the session"}
	}
	return nil
}

// cached is the GetToken every credential shares: the one scope azcore
// asks for becomes a resource, and the cache answers for it.
type cached struct {
	name  string // the credential's name in messages
	cache *tokenCache
}

func newCached(name string, now func() time.Time, fetch fetchFunc) cached {
	return cached{name: name, cache: newTokenCache(now, fetch)}
}

// GetToken implements azcore.TokenCredential.
func (c *cached) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	resource, err := scopeToResource(c.name, opts.Scopes)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return c.cache.get(ctx, resource, opts.Claims != "")
}

// scopeToResource maps the one scope azcore asks for to the resource the
// managed-identity endpoints want: "https://vault.azure.net/.default" →
// "https://vault.azure.net".
func scopeToResource(name string, scopes []string) (string, error) {
	if len(scopes) != 1 {
		return "", &Error{Credential: name, Kind: KindAuth,
			Msg: fmt.Sprintf("%s: managed-identity endpoints take exactly one scope, got %d", name, len(scopes))}
	}
	return strings.TrimSuffix(scopes[0], "/.default"), nil
}
