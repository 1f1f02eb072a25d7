package credential

import (
	"context"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// managedIdentity is what every HTTP identity endpoint credential shares:
// the cache (one request per resource in flight, refresh rules) and the
// retrying client. Each credential only says how to build its request.
type managedIdentity struct {
	endpoint   string
	ic         *identityClient
	cache      *tokenCache
	newRequest func(ctx context.Context, resource string) (*http.Request, error)
}

func newManagedIdentity(ic *identityClient, endpoint string, newRequest func(context.Context, string) (*http.Request, error)) *managedIdentity {
	m := &managedIdentity{endpoint: endpoint, ic: ic, newRequest: newRequest}
	m.cache = newTokenCache(ic.now, m.fetch)
	return m
}

// GetToken implements azcore.TokenCredential.
func (m *managedIdentity) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	resource, err := scopeToResource(m.ic.name, opts.Scopes)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return m.cache.get(ctx, resource, opts.Claims != "")
}

func (m *managedIdentity) fetch(ctx context.Context, resource string) (azcore.AccessToken, error) {
	return m.ic.do(ctx, m.endpoint, resource, func(ctx context.Context) (*http.Request, error) {
		return m.newRequest(ctx, resource)
	})
}
