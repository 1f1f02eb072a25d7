package credential

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// ClientSecret is a service principal with a client secret from the
// environment (AZURE_CLIENT_SECRET, never a flag): client_secret in the
// token request's form body, nowhere else.
type ClientSecret struct {
	secret string
	ent    *entraClient
	cache  *tokenCache
}

var _ azcore.TokenCredential = (*ClientSecret)(nil)

// NewClientSecret returns a client-secret credential.
func NewClientSecret(secret string, opts *EntraOptions) (*ClientSecret, error) {
	if secret == "" {
		return nil, &Error{Credential: "ClientSecret", Kind: KindUsage, Msg: "ClientSecret: AZURE_CLIENT_SECRET is empty"}
	}
	ent, err := newEntraClient("ClientSecret", opts.orZero())
	if err != nil {
		return nil, err
	}
	c := &ClientSecret{secret: secret, ent: ent}
	c.cache = newTokenCache(ent.now, c.fetch)
	return c, nil
}

// GetToken implements azcore.TokenCredential.
func (c *ClientSecret) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	resource, err := scopeToResource(c.ent.name, opts.Scopes)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return c.cache.get(ctx, resource, opts.Claims != "")
}

func (c *ClientSecret) fetch(ctx context.Context, resource string) (azcore.AccessToken, error) {
	return c.ent.exchange(ctx, resource, clientAuth{secret: c.secret})
}
