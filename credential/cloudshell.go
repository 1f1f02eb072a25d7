package credential

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// DefaultCloudShellEndpoint is where Cloud Shell serves tokens when
// MSI_ENDPOINT says nothing else.
const DefaultCloudShellEndpoint = "http://localhost:50342/oauth2/token"

// CloudShellOptions configures NewCloudShell. A nil *CloudShellOptions is
// the same as the zero value.
type CloudShellOptions struct {
	// Endpoint is the token endpoint; empty means DefaultCloudShellEndpoint.
	Endpoint string
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

// CloudShell gets tokens from the Azure Cloud Shell managed-identity
// endpoint: POST with "Metadata: true" and a form body "resource=…".
type CloudShell struct{ *managedIdentity }

var _ azcore.TokenCredential = (*CloudShell)(nil)

// NewCloudShell returns a Cloud Shell credential. A malformed endpoint is
// an error of kind KindUsage.
func NewCloudShell(opts *CloudShellOptions) (*CloudShell, error) {
	var o CloudShellOptions
	if opts != nil {
		o = *opts
	}
	if o.Endpoint == "" {
		o.Endpoint = DefaultCloudShellEndpoint
	}
	if err := checkEndpoint("MSI_ENDPOINT", o.Endpoint); err != nil {
		return nil, err
	}
	ic := newIdentity("CloudShell", o.Transport, o.Now, o.Log, o.RetryDelay, o.MaxAttempts)
	body := func(resource string) string { return url.Values{"resource": {resource}}.Encode() }
	return &CloudShell{newManagedIdentity(ic, o.Endpoint, func(ctx context.Context, resource string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.Endpoint, strings.NewReader(body(resource)))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Metadata", "true")
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	})}, nil
}

func newIdentity(name string, rt http.RoundTripper, now func() time.Time, log func(string, ...any), delay time.Duration, attempts int) *identityClient {
	if now == nil {
		now = time.Now
	}
	rp := defaultRetryPolicy()
	if delay > 0 {
		rp.BaseDelay = delay
		rp.MaxDelay = max(rp.MaxDelay/rp.BaseDelay, 1) * delay
	}
	if attempts > 0 {
		rp.MaxAttempts = attempts
	}
	return &identityClient{name: name, client: newIdentityHTTPClient(rt), now: now, retry: rp, log: log}
}

// checkEndpoint refuses, naming the variable it came from, an endpoint
// that is no absolute http(s) URL with a host and a valid port, or that
// holds a user name or password: identity endpoints take none, and an
// error must not print one.
func checkEndpoint(variable, endpoint string) error {
	why := ""
	u, err := url.Parse(endpoint)
	switch {
	case err != nil:
		why = "is not a URL"
	case u.Scheme != "http" && u.Scheme != "https":
		why = "is not an http(s) URL"
	case u.User != nil:
		why = "holds a user name or password, which identity endpoints never take"
	case u.Hostname() == "":
		why = "has no host"
	case u.Port() != "" && !validPort(u.Port()):
		why = fmt.Sprintf("has port %s, which is not 1-65535", u.Port())
	default:
		return nil
	}
	return &Error{Kind: KindUsage,
		Msg:  fmt.Sprintf("%s=%q %s", variable, redactUserinfo(endpoint), why),
		Hint: fmt.Sprintf("unset %s or set it to the endpoint URL the host provides, such as %s", variable, DefaultCloudShellEndpoint)}
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// redactUserinfo hides whatever stands between "scheme://" and an "@" in
// the authority, even in a string url.Parse refuses.
func redactUserinfo(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	rest := s[i+3:]
	authority := rest
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		authority = rest[:j]
	}
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return s
	}
	return s[:i+3] + "***" + rest[at:]
}

// scopeToResource maps the one scope azcore asks for to the resource the
// managed-identity endpoints want: "https://vault.azure.net/.default" →
// "https://vault.azure.net".
func scopeToResource(name string, scopes []string) (string, error) {
	if len(scopes) != 1 {
		return "", &Error{Credential: name, Kind: KindAuth,
			Msg: fmt.Sprintf("%s: managed-identity endpoints take exactly one scope, got %d", name, len(scopes))}
	}
	return strings.TrimSuffix(scopes[0], "/.default"), nil
}
