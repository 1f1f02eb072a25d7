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
	if err := checkEndpoint("IDENTITY_ENDPOINT", o.Endpoint, ""); err != nil {
		return nil, err
	}
	return &AppService{newManagedIdentity(o.client("AppService"), o.Endpoint, func(ctx context.Context, resource string) (*http.Request, error) {
		q := url.Values{"resource": {resource}, "api-version": {"2019-08-01"}}
		if o.ClientID != "" {
			q.Set("client_id", o.ClientID)
		}
		return getRequest(ctx, o.Endpoint, q, "X-IDENTITY-HEADER", header)
	})}, nil
}
