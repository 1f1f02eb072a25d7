package credential

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// DefaultCloudShellEndpoint is where Cloud Shell serves tokens when
// MSI_ENDPOINT says nothing else.
const DefaultCloudShellEndpoint = "http://localhost:50342/oauth2/token"

// CloudShell gets tokens from the Azure Cloud Shell managed-identity
// endpoint: POST with "Metadata: true" and a form body "resource=…".
type CloudShell struct{ *managedIdentity }

var _ azcore.TokenCredential = (*CloudShell)(nil)

// NewCloudShell returns a Cloud Shell credential; an empty Endpoint means
// DefaultCloudShellEndpoint. A malformed endpoint is an error of kind
// KindUsage.
func NewCloudShell(opts *IdentityOptions) (*CloudShell, error) {
	o := opts.orZero()
	if o.Endpoint == "" {
		o.Endpoint = DefaultCloudShellEndpoint
	}
	if err := checkEndpoint("MSI_ENDPOINT", o.Endpoint, DefaultCloudShellEndpoint); err != nil {
		return nil, err
	}
	return &CloudShell{newManagedIdentity(o.client("CloudShell"), o.Endpoint, func(ctx context.Context, resource string) (*http.Request, error) {
		body := url.Values{"resource": {resource}}.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.Endpoint, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Metadata", "true")
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	})}, nil
}
