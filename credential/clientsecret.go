package credential

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// ClientSecret is a service principal with a client secret from the
// environment (AZURE_CLIENT_SECRET, never a flag): client_secret in the
// token request's form body, nowhere else.
type ClientSecret struct {
	secret string
	ent    *entraClient
	cached
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
	c.cached = newCached(ent.name, ent.now, c.fetch)
	return c, nil
}

func (c *ClientSecret) fetch(ctx context.Context, resource string) (azcore.AccessToken, error) {
	return c.ent.exchange(ctx, resource, clientAuth{secret: c.secret})
}
