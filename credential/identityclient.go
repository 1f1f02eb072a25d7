package credential

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// identityClient sends token requests to a managed-identity endpoint with
// retries and reads the answer. Credentials differ only in how they build
// the request.
type identityClient struct {
	name   string // credential name for errors, e.g. "CloudShell"
	client *http.Client
	now    func() time.Time
	retry  retryPolicy
	log    func(format string, args ...any)
	// retryable says which statuses are worth another try; nil means
	// retryableStatus. IMDS adds 404 and 410 (it answers them while starting).
	retryable func(int) bool
}

// managedIdentity is what every HTTP identity endpoint credential shares:
// the cache (one request per resource in flight, refresh rules) and the
// retrying client. Each credential only says how to build its request.
type managedIdentity struct {
	endpoint   string
	ic         *identityClient
	newRequest func(ctx context.Context, resource string) (*http.Request, error)
	cached
}

func newManagedIdentity(ic *identityClient, endpoint string, newRequest func(context.Context, string) (*http.Request, error)) *managedIdentity {
	m := &managedIdentity{endpoint: endpoint, ic: ic, newRequest: newRequest}
	m.cached = newCached(ic.name, ic.now, m.fetch)
	return m
}

func (m *managedIdentity) fetch(ctx context.Context, resource string) (azcore.AccessToken, error) {
	return m.ic.do(ctx, m.endpoint, resource, func(ctx context.Context) (*http.Request, error) {
		return m.newRequest(ctx, resource)
	})
}

// getRequest is the GET that App Service, IMDS and Azure ML answer:
// endpoint with q added to its query, and one header.
func getRequest(ctx context.Context, endpoint string, q url.Values, header, value string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, withQuery(endpoint, q), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set(header, value)
	return req, nil
}

// newIdentityHTTPClient never uses a proxy: identity endpoints are local,
// and HTTP_PROXY must not see a request to 169.254.169.254. It never
// follows a redirect either: the request carries X-IDENTITY-HEADER or
// MSI_SECRET, and a redirect would hand them (and a token request) to
// whatever host the Location names. The 3xx comes back as the answer.
func newIdentityHTTPClient(rt http.RoundTripper) *http.Client {
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil
		rt = t
	}
	return &http.Client{Transport: rt, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type tokenResponse struct {
	AccessToken string     `json:"access_token"`
	ExpiresOn   flexString `json:"expires_on"`
	ExpiresIn   flexString `json:"expires_in"`
	Resource    string     `json:"resource"`
	TokenType   string     `json:"token_type"`
	Error       *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// endpointError is a non-retryable answer from the endpoint.
type endpointError struct {
	status int
	code   string
	msg    string
}

func (e *endpointError) Error() string {
	if e.code != "" {
		return fmt.Sprintf("HTTP %d %s: %s", e.status, e.code, e.msg)
	}
	return fmt.Sprintf("HTTP %d: %s", e.status, e.msg)
}

// do sends the request built by newReq until it succeeds, fails for good or
// ctx ends.
func (c *identityClient) do(ctx context.Context, endpoint, resource string, newReq func(context.Context) (*http.Request, error)) (azcore.AccessToken, error) {
	var tok azcore.AccessToken
	spent := func(last error) error {
		return c.fail(KindAuth, fmt.Sprintf("%s: cannot get a token from the managed-identity endpoint %s", c.name, endpoint),
			"check that the identity endpoint is running (in Cloud Shell, restart the session), or raise --timeout", last)
	}
	err := c.retry.run(ctx, c.logf, c.name, nil, spent, func(n int) (time.Duration, error) {
		req, err := newReq(ctx)
		if err != nil {
			return 0, c.fail(KindUsage, c.name+": cannot build a token request", "", err)
		}
		c.logf("%s: requesting a token for %s from %s (attempt %d)", c.name, resource, endpoint, n)
		t, retryAfter, err := c.once(req, resource)
		var ee *endpointError
		if errors.As(err, &ee) {
			return 0, c.refusal(ee, resource)
		}
		tok = t
		return retryAfter, err
	})
	return got(c.logf, c.name, resource, tok, err)
}

func (c *identityClient) logf(format string, args ...any) {
	if c.log != nil {
		c.log(format, args...)
	}
}

func (c *identityClient) fail(kind Kind, msg, hint string, err error) *Error {
	return &Error{Credential: c.name, Kind: kind, Msg: msg, Hint: hint, Err: err}
}

func (c *identityClient) refusal(ee *endpointError, resource string) error {
	if ee.code == "AudienceNotSupported" {
		return c.fail(KindAuth,
			fmt.Sprintf("%s: the managed-identity endpoint does not issue tokens for resource %q (AudienceNotSupported)", c.name, resource),
			"use a supported resource such as https://vault.azure.net or https://management.azure.com", nil)
	}
	hint := ""
	if ee.status == http.StatusBadRequest && strings.Contains(strings.ToLower(ee.msg), "identit") {
		// IMDS and App Service answer 400 when several user-assigned
		// identities are attached and the request names none.
		hint = "if the host has several user-assigned identities, name one with --client-id or AZURE_CLIENT_ID"
	}
	return c.fail(KindAuth, fmt.Sprintf("%s: the managed-identity endpoint refused the token request", c.name), hint, ee)
}

// once makes one attempt. A retryable failure comes back as a plain error
// (with the server's Retry-After); a final refusal as *endpointError.
func (c *identityClient) once(req *http.Request, resource string) (azcore.AccessToken, time.Duration, error) {
	resp, err := c.client.Do(req)
	if err != nil {
		return azcore.AccessToken{}, 0, describeNetErr(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return azcore.AccessToken{}, 0, fmt.Errorf("reading the response: %w", describeNetErr(err))
	}
	retryAfter := parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
	retryable := c.retryable
	if retryable == nil {
		retryable = retryableStatus
	}
	if retryable(resp.StatusCode) {
		return azcore.AccessToken{}, retryAfter, fmt.Errorf("HTTP %d: %s", resp.StatusCode, snippet(body))
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		// Final: the Location is not shown (it may carry anything) and
		// nothing is sent there.
		return azcore.AccessToken{}, 0, &endpointError{status: resp.StatusCode,
			msg: "the endpoint answered with a redirect, which akv never follows for identity requests"}
	}
	var tr tokenResponse
	jsonErr := json.Unmarshal(body, &tr)
	if resp.StatusCode != http.StatusOK {
		ee := &endpointError{status: resp.StatusCode, msg: snippet(body)}
		if jsonErr == nil && tr.Error != nil {
			ee.code, ee.msg = tr.Error.Code, snippet([]byte(tr.Error.Message))
		}
		return azcore.AccessToken{}, 0, ee
	}
	if jsonErr != nil {
		// A proxy's HTML page or a truncated body: say what came back.
		return azcore.AccessToken{}, 0, &endpointError{status: resp.StatusCode,
			msg: fmt.Sprintf("response is not a token (%s): %s", contentKind(resp, jsonErr), snippet(body))}
	}
	if tr.AccessToken == "" {
		return azcore.AccessToken{}, 0, &endpointError{status: resp.StatusCode, msg: "response has no access_token"}
	}
	exp, err := ParseExpiry(string(tr.ExpiresOn), string(tr.ExpiresIn), c.now())
	if err != nil {
		return azcore.AccessToken{}, 0, &endpointError{status: resp.StatusCode, msg: err.Error()}
	}
	return azcore.AccessToken{Token: tr.AccessToken, ExpiresOn: exp}, 0, nil
}

func contentKind(resp *http.Response, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
		if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "json") {
			return "invalid JSON, Content-Type " + ct
		}
		return "invalid JSON"
	}
	return "unexpected JSON"
}

// checkEndpoint refuses, naming the variable it came from (and the
// credential's usual endpoint, when it has one), an endpoint
// that is no absolute http(s) URL with a host and a valid port, or that
// holds a user name or password: identity endpoints take none, and an
// error must not print one.
func checkEndpoint(variable, endpoint, example string) error {
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
	hint := fmt.Sprintf("unset %s or set it to the endpoint URL the host provides", variable)
	if example != "" {
		hint += ", such as " + example
	}
	return &Error{Kind: KindUsage, Msg: fmt.Sprintf("%s=%q %s", variable, redactUserinfo(endpoint), why), Hint: hint}
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
