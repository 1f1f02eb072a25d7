package credential

import (
	"context"
	"net/http"
	"net/url"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// DefaultIMDSEndpoint is the Azure VM instance metadata token endpoint.
// Tests and akv's auto mode never reach it off Azure: AKV_IMDS_ENDPOINT
// overrides it, and auto mode uses it only on an Azure VM.
const DefaultIMDSEndpoint = "http://169.254.169.254/metadata/identity/oauth2/token"

// IMDS gets tokens from the Azure VM (and scale set) instance metadata
// service: GET …?api-version=2018-02-01&resource=… with "Metadata: true".
type IMDS struct{ *managedIdentity }

var _ azcore.TokenCredential = (*IMDS)(nil)

// imdsRetryable: IMDS answers 404 and 410 while it starts (up to 70 s).
func imdsRetryable(code int) bool {
	return code == http.StatusNotFound || code == http.StatusGone || code == http.StatusTooManyRequests || code >= 500
}

// NewIMDS returns an IMDS credential.
func NewIMDS(opts *IdentityOptions) (*IMDS, error) {
	o := opts.orZero()
	if o.Endpoint == "" {
		o.Endpoint = DefaultIMDSEndpoint
	}
	if err := checkEndpoint("AKV_IMDS_ENDPOINT", o.Endpoint, DefaultIMDSEndpoint); err != nil {
		return nil, err
	}
	ic := o.client("IMDS")
	ic.retryable = imdsRetryable
	return &IMDS{newManagedIdentity(ic, o.Endpoint, func(ctx context.Context, resource string) (*http.Request, error) {
		q := url.Values{"resource": {resource}, "api-version": {"2018-02-01"}}
		if o.ClientID != "" {
			q.Set("client_id", o.ClientID)
		}
		return getRequest(ctx, o.Endpoint, q, "Metadata", "true")
	})}, nil
}
