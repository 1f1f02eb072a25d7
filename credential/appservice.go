package credential

import (
	"context"
	"net/http"
	"net/url"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// AppService gets tokens from the App Service and Functions identity
// endpoint: GET IDENTITY_ENDPOINT?resource=…&api-version=2019-08-01 with
// the X-IDENTITY-HEADER secret.
type AppService struct{ *managedIdentity }

var _ azcore.TokenCredential = (*AppService)(nil)

// NewAppService returns an App Service credential for endpoint (from
// IDENTITY_ENDPOINT) and header (IDENTITY_HEADER).
func NewAppService(header string, opts *IdentityOptions) (*AppService, error) {
	o := opts.orZero()
	if err := checkEndpoint("IDENTITY_ENDPOINT", o.Endpoint); err != nil {
		return nil, err
	}
	return &AppService{newManagedIdentity(o.client("AppService"), o.Endpoint, func(ctx context.Context, resource string) (*http.Request, error) {
		q := url.Values{"resource": {resource}, "api-version": {"2019-08-01"}}
		if o.ClientID != "" {
			q.Set("client_id", o.ClientID)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, withQuery(o.Endpoint, q), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("X-IDENTITY-HEADER", header)
		return req, nil
	})}, nil
}

// withQuery adds q to endpoint's own query.
func withQuery(endpoint string, q url.Values) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return endpoint
	}
	merged := u.Query()
	for k, vs := range q {
		merged[k] = vs
	}
	u.RawQuery = merged.Encode()
	return u.String()
}
