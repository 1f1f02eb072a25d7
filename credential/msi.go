package credential

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
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

// jwtLike matches anything shaped like a token, to keep it out of error
// snippets. Compiled on first use: most runs never need it.
var jwtLike = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-.]*`) })

// snippet returns a short printable excerpt of a body for an error, with
// anything shaped like a token removed.
func snippet(b []byte) string {
	s := jwtLike().ReplaceAllString(string(b), "[redacted]")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// do sends the request built by newReq until it succeeds, fails for good or
// ctx ends.
func (c *identityClient) do(ctx context.Context, endpoint, resource string, newReq func(context.Context) (*http.Request, error)) (azcore.AccessToken, error) {
	var lastErr error
	for attempt := 1; ; attempt++ {
		req, err := newReq(ctx)
		if err != nil {
			return azcore.AccessToken{}, c.fail(KindUsage, "cannot build a token request", "", err)
		}
		c.logf("%s: requesting a token for %s from %s (attempt %d)", c.name, resource, endpoint, attempt)
		tok, retryAfter, err := c.once(req, resource)
		if err == nil {
			c.logf("%s: got a token for %s, expires %s", c.name, resource, tok.ExpiresOn.Format(time.RFC3339))
			return tok, nil
		}
		var ee *endpointError
		if errors.As(err, &ee) {
			return azcore.AccessToken{}, c.refusal(ee, resource)
		}
		lastErr = err
		if ctx.Err() != nil || attempt >= c.retry.MaxAttempts {
			break
		}
		d := c.retry.delay(attempt, retryAfter)
		c.logf("%s: attempt %d failed (%v); retrying in %s", c.name, attempt, err, d.Round(time.Millisecond))
		if sleep(ctx, d) != nil {
			break
		}
	}
	if ctx.Err() != nil && !errors.Is(lastErr, ctx.Err()) {
		lastErr = fmt.Errorf("%w (last error: %v)", ctx.Err(), lastErr)
	}
	return azcore.AccessToken{}, c.fail(KindAuth,
		fmt.Sprintf("%s: cannot get a token from the managed-identity endpoint %s", c.name, endpoint),
		"check that the identity endpoint is running (in Cloud Shell, restart the session), or raise --timeout", lastErr)
}

func (c *identityClient) logf(format string, args ...any) {
	if c.log != nil {
		c.log(format, args...)
	}
}

func (c *identityClient) fail(kind, msg, hint string, err error) *Error {
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

// describeNetErr keeps dial errors readable: "connection refused" says more
// than the full *net.OpError chain.
func describeNetErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is in the message already
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("timed out: %w", err)
	}
	return err
}
