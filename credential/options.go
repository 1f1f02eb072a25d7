package credential

import (
	"net/http"
	"time"
)

// IdentityOptions configures the App Service, IMDS and Azure ML
// credentials. A nil *IdentityOptions is the same as the zero value.
type IdentityOptions struct {
	// Endpoint overrides the credential's token endpoint.
	Endpoint string
	// ClientID selects a user-assigned identity where the host has several.
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
	return newIdentity(name, o.Transport, o.Now, o.Log, o.RetryDelay, o.MaxAttempts)
}
