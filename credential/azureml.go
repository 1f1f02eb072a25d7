package credential

import (
	"context"
	"net/http"
	"net/url"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// AzureML gets tokens on Azure Machine Learning compute, where
// MSI_ENDPOINT comes with MSI_SECRET: GET
// …?api-version=2017-09-01&resource=…&clientid=… with a "secret" header.
type AzureML struct{ *managedIdentity }

var _ azcore.TokenCredential = (*AzureML)(nil)

// NewAzureML returns an Azure ML credential for MSI_ENDPOINT and MSI_SECRET.
func NewAzureML(secret string, opts *IdentityOptions) (*AzureML, error) {
	o := opts.orZero()
	if err := checkEndpoint("MSI_ENDPOINT", o.Endpoint, ""); err != nil {
		return nil, err
	}
	return &AzureML{newManagedIdentity(o.client("AzureML"), o.Endpoint, func(ctx context.Context, resource string) (*http.Request, error) {
		q := url.Values{"resource": {resource}, "api-version": {"2017-09-01"}}
		if o.ClientID != "" {
			q.Set("clientid", o.ClientID)
		}
		return getRequest(ctx, o.Endpoint, q, "secret", secret)
	})}, nil
}
