package credential

import (
	"net/http"
	"time"
)

// IdentityOptions configures the managed-identity credentials: Cloud
// Shell, App Service, IMDS and Azure ML. A nil *IdentityOptions is the
// same as the zero value.
type IdentityOptions struct {
	// Endpoint overrides the credential's token endpoint.
	Endpoint string
	// ClientID selects a user-assigned identity where the host has several;
	// Cloud Shell has one identity and ignores it.
	ClientID string
	// Transport sends the requests; nil means a proxy-free clone of
	// http.DefaultTransport.
	Transport http.RoundTripper
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Log receives diagnostics (never tokens); nil discards them.
	Log func(format string, args ...any)
	// RetryDelay is the first backoff delay; zero means 500ms.
	RetryDelay time.Duration
	// MaxAttempts bounds attempts per request; zero means 5.
	MaxAttempts int
}

func (o *IdentityOptions) orZero() IdentityOptions {
	if o == nil {
		return IdentityOptions{}
	}
	return *o
}

func (o IdentityOptions) client(name string) *identityClient {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &identityClient{name: name, client: newIdentityHTTPClient(o.Transport), now: now,
		retry: newRetryPolicy(o.RetryDelay, o.MaxAttempts), log: o.Log}
}

// EntraOptions configures the credentials that end in Entra ID's token
// endpoint: workload identity, GitHub Actions and Azure Pipelines OIDC,
// client secrets and certificates. A nil *EntraOptions is the zero value.
type EntraOptions struct {
	// AuthorityHost is the Entra ID host; "" means AuthorityPublic. A
	// trailing slash is fine (the AKS webhook writes one).
	AuthorityHost string
	TenantID      string
	ClientID      string
	// Transport sends the requests to Entra ID and to the OIDC issuers;
	// nil means a clone of http.DefaultTransport (these are remote
	// services: HTTPS_PROXY applies, unlike for the local identity
	// endpoints).
	Transport http.RoundTripper
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Log receives diagnostics (never tokens, assertions or secrets).
	Log func(format string, args ...any)
	// RetryDelay is the first backoff delay; zero means 500ms.
	RetryDelay time.Duration
	// MaxAttempts bounds attempts per request; zero means 5.
	MaxAttempts int
}

func (o *EntraOptions) orZero() EntraOptions {
	if o == nil {
		return EntraOptions{}
	}
	return *o
}
