package credential

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// Entra ID authority hosts of the clouds akv knows.
const (
	AuthorityPublic = "https://login.microsoftonline.com"
	AuthorityChina  = "https://login.chinacloudapi.cn"
	AuthorityUSGov  = "https://login.microsoftonline.us"
)

const (
	// federatedAudience is what Entra ID expects in a federated assertion's aud.
	federatedAudience = "api://AzureADTokenExchange"
	jwtBearer         = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

// CloudAuthority maps a cloud's Key Vault DNS suffix to its Entra ID
// authority host.
func CloudAuthority(vaultSuffix string) string {
	switch vaultSuffix {
	case "vault.azure.cn":
		return AuthorityChina
	case "vault.usgovcloudapi.net":
		return AuthorityUSGov
	}
	return AuthorityPublic
}

// entraClient sends the client-credentials request to
// {authority}/{tenant}/oauth2/v2.0/token, with retries, and turns Entra
// ID's refusals into errors that say what to fix.
type entraClient struct {
	name     string // credential name for messages, e.g. "WorkloadIdentity"
	tokenURL string
	tenant   string
	clientID string
	hc       *http.Client
	now      func() time.Time
	retry    retryPolicy
	log      func(string, ...any)
	// hints override the generic advice per AADSTS code, for what only
	// the credential knows (which variable holds the secret, …).
	hints map[int]string
}

// validTenant admits the characters of a tenant id or domain: it goes
// into the URL path, so nothing else passes, and no empty label (".",
// ".." and "a..b" would be dot segments that climb out of the path).
func validTenant(t string) bool {
	if t == "" || len(t) > 256 || strings.HasPrefix(t, ".") || strings.HasSuffix(t, ".") || strings.Contains(t, "..") {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

func newEntraClient(name string, o EntraOptions) (*entraClient, error) {
	host := o.AuthorityHost
	if host == "" {
		host = AuthorityPublic
	}
	u, err := url.Parse(host)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, &Error{Credential: name, Kind: KindUsage,
			Msg:  fmt.Sprintf("%s: authority host %q is not an https URL", name, inert(host)),
			Hint: "set AZURE_AUTHORITY_HOST to an https URL such as " + AuthorityPublic + ", or unset it"}
	}
	if !validTenant(o.TenantID) {
		return nil, &Error{Credential: name, Kind: KindUsage,
			Msg:  fmt.Sprintf("%s: tenant id %q is not a tenant id or domain", name, inert(o.TenantID)),
			Hint: "set AZURE_TENANT_ID to the directory (tenant) id, a GUID"}
	}
	if strings.TrimSpace(o.ClientID) == "" {
		return nil, &Error{Credential: name, Kind: KindUsage, Msg: name + ": no client id",
			Hint: "set AZURE_CLIENT_ID (or --client-id) to the application (client) id"}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	base := strings.TrimRight(u.String(), "/")
	return &entraClient{name: name, tokenURL: base + "/" + o.TenantID + "/oauth2/v2.0/token", tenant: o.TenantID,
		clientID: o.ClientID, hc: newRemoteHTTPClient(o.Transport), now: o.Now, retry: newRetryPolicy(o.RetryDelay, o.MaxAttempts), log: o.Log}, nil
}

// newRemoteHTTPClient is for Entra ID and the OIDC issuers: the proxy from
// the environment applies, and no redirect is ever followed (a redirect
// would carry the form with its secret or the bearer token elsewhere).
func newRemoteHTTPClient(rt http.RoundTripper) *http.Client {
	if rt == nil {
		rt = http.DefaultTransport.(*http.Transport).Clone()
	}
	return &http.Client{Transport: rt, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (c *entraClient) logf(format string, args ...any) {
	if c.log != nil {
		c.log(format, args...)
	}
}

// clientAuth is how the client proves itself: a secret or an assertion.
// Both are kept out of every message.
type clientAuth struct {
	secret    string
	assertion string
	source    string // where the assertion came from, for messages
}

func (a clientAuth) form() url.Values {
	if a.secret != "" {
		return url.Values{"client_secret": {a.secret}}
	}
	return url.Values{"client_assertion_type": {jwtBearer}, "client_assertion": {a.assertion}}
}

// redact removes the secret and the assertion from s, whatever a server
// chose to echo, in each spelling it may echo them: raw, as sent in the
// form body (query-escaped, any hex case), or escaped inside a JSON string.
func (a clientAuth) redact(s string) string {
	for _, v := range []string{a.secret, a.assertion} {
		if len(v) < 4 {
			continue
		}
		for _, form := range spellings(v) {
			s = replaceFold(s, form, "[redacted]")
		}
	}
	return s
}

// spellings are the forms of v a server may echo.
func spellings(v string) []string {
	quoted, _ := json.Marshal(v) // escapes <, >, & as \u003c… too
	var plain strings.Builder
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return []string{v, url.QueryEscape(v), url.PathEscape(v),
		strings.Trim(string(quoted), `"`), strings.Trim(strings.TrimSpace(plain.String()), `"`)}
}

// replaceFold replaces old in s; an escaped spelling (one with %XX) is
// matched whatever the case of its hex digits.
func replaceFold(s, old, repl string) string {
	if !strings.Contains(old, "%") {
		return strings.ReplaceAll(s, old, repl)
	}
	var b strings.Builder
	for {
		i := indexFold(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(repl)
		s = s[i+len(old):]
	}
}

func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// excerpt is a body fit for an error: credentials redacted, anything
// token-shaped removed, shortened, and inert on a terminal (snippet
// blanks C0 controls; inert escapes C1 controls and bidi overrides).
func (a clientAuth) excerpt(body []byte) string {
	return inertSnippet([]byte(a.redact(string(body))))
}

type entraResponse struct {
	AccessToken   string     `json:"access_token"`
	ExpiresIn     flexString `json:"expires_in"`
	ExpiresOn     flexString `json:"expires_on"`
	Error         string     `json:"error"`
	Description   string     `json:"error_description"`
	Codes         []int      `json:"error_codes"`
	TraceID       string     `json:"trace_id"`
	CorrelationID string     `json:"correlation_id"`
}

// exchange asks Entra ID for a token for resource, authenticating with
// auth. Transient failures (429, 5xx, connection errors) are retried.
func (c *entraClient) exchange(ctx context.Context, resource string, auth clientAuth) (azcore.AccessToken, error) {
	form := auth.form()
	form.Set("grant_type", "client_credentials")
	form.Set("client_id", c.clientID)
	form.Set("scope", resource+"/.default")
	body := form.Encode()
	if auth.assertion != "" {
		cl := peekClaims(auth.assertion)
		c.logf("%s: assertion from %s: iss=%s sub=%s aud=%s exp=%s", c.name, auth.source, inert(cl.Iss), inert(cl.Sub), inert(cl.aud()), cl.expiry())
	}
	var tok azcore.AccessToken
	past := func(retryAfter time.Duration, err error) error {
		return c.throttled(fmt.Sprintf("Entra ID at %s", c.tokenURL), retryAfter, err)
	}
	spent := func(last error) error {
		return &Error{Credential: c.name, Kind: KindAuth,
			Msg:  fmt.Sprintf("%s: cannot get a token from Entra ID at %s", c.name, c.tokenURL),
			Hint: "check the network path to the authority host (HTTPS_PROXY applies), or raise --timeout", Err: last}
	}
	err := c.retry.run(ctx, c.logf, c.name, past, spent, func(n int) (time.Duration, error) {
		c.logf("%s: requesting a token for %s from %s (attempt %d)", c.name, resource, c.tokenURL, n)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.tokenURL, strings.NewReader(body))
		if err != nil {
			return 0, &Error{Credential: c.name, Kind: KindUsage, Msg: c.name + ": cannot build the token request", Err: err}
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		t, retryAfter, err := c.once(req, auth)
		tok = t
		return retryAfter, err
	})
	return got(c.logf, c.name, resource, tok, err)
}

// throttled is the final error for a Retry-After past the deadline.
func (c *entraClient) throttled(what string, retryAfter time.Duration, err error) error {
	return &Error{Credential: c.name, Kind: KindAuth,
		Msg: fmt.Sprintf("%s: %s asks to wait %s before the next request (Retry-After), longer than the time left",
			c.name, what, retryAfter.Round(time.Second)),
		Hint: "it is throttling this client: try again later, or raise --timeout", Err: err}
}

// certificateError is a final failure: a certificate akv cannot verify
// stays unverifiable however often it is asked for.
func (c *entraClient) certificateError(host string, err error) error {
	var ce *tls.CertificateVerificationError
	if !errors.As(err, &ce) {
		return nil
	}
	return &Error{Credential: c.name, Kind: KindAuth,
		Msg:  fmt.Sprintf("%s: cannot verify the certificate of %s", c.name, host),
		Hint: "its certificate must chain to the system roots or to a CA in AKV_CA_FILE", Err: describeNetErr(err)}
}

// once sends one request. A transient failure is a plain error (with the
// server's Retry-After); a final answer is an *Error.
func (c *entraClient) once(req *http.Request, auth clientAuth) (azcore.AccessToken, time.Duration, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		if final := c.certificateError(req.URL.Host, err); final != nil {
			return azcore.AccessToken{}, 0, final
		}
		return azcore.AccessToken{}, 0, describeNetErr(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return azcore.AccessToken{}, 0, fmt.Errorf("reading the response: %w", describeNetErr(err))
	}
	if retryableStatus(resp.StatusCode) {
		return azcore.AccessToken{}, parseRetryAfter(resp.Header.Get("Retry-After"), c.now()),
			fmt.Errorf("HTTP %d: %s", resp.StatusCode, auth.excerpt(body))
	}
	var r entraResponse
	jsonErr := json.Unmarshal(body, &r)
	// Every text field may be an echo of what was sent.
	r.Error, r.Description, r.TraceID, r.CorrelationID = auth.redact(r.Error), auth.redact(r.Description), auth.redact(r.TraceID), auth.redact(r.CorrelationID)
	if resp.StatusCode != http.StatusOK {
		if jsonErr != nil || (r.Error == "" && len(r.Codes) == 0) {
			return azcore.AccessToken{}, 0, &Error{Credential: c.name, Kind: KindAuth,
				Msg:  fmt.Sprintf("%s: Entra ID answered HTTP %d: %s", c.name, resp.StatusCode, auth.excerpt(body)),
				Hint: "check AZURE_AUTHORITY_HOST and --cloud"}
		}
		return azcore.AccessToken{}, 0, c.refusal(resp.StatusCode, r, auth)
	}
	if jsonErr != nil || r.AccessToken == "" {
		return azcore.AccessToken{}, 0, &Error{Credential: c.name, Kind: KindAuth,
			Msg: fmt.Sprintf("%s: Entra ID's answer holds no token: %s", c.name, auth.excerpt(body))}
	}
	if !bearerToken(r.AccessToken) {
		return azcore.AccessToken{}, 0, &Error{Credential: c.name, Kind: KindAuth,
			Msg:  c.name + ": Entra ID's access token holds spaces or control characters; it is not a bearer token",
			Hint: "check AZURE_AUTHORITY_HOST: it should be Entra ID"}
	}
	exp, err := ParseExpiry(string(r.ExpiresOn), string(r.ExpiresIn), c.now())
	if err != nil {
		return azcore.AccessToken{}, 0, &Error{Credential: c.name, Kind: KindAuth, Msg: c.name + ": Entra ID's answer", Err: err}
	}
	if !exp.After(c.now()) {
		// Also an expires_in too large for a time.Duration, which wraps
		// into the past: either way every request would exchange again.
		return azcore.AccessToken{}, 0, &Error{Credential: c.name, Kind: KindAuth,
			Msg:  fmt.Sprintf("%s: Entra ID's token has expired already (expires_in %q, expires_on %q)", c.name, inert(string(r.ExpiresIn)), inert(string(r.ExpiresOn))),
			Hint: "check the machine's clock, and AZURE_AUTHORITY_HOST"}
	}
	return azcore.AccessToken{Token: r.AccessToken, ExpiresOn: exp}, 0, nil
}

// bearerToken admits the characters of a bearer token (RFC 6750's
// b64token is a subset): printable ASCII without spaces, so the token
// cannot break a header or drive the terminal akv token prints it on.
func bearerToken(t string) bool {
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] > '~' {
			return false
		}
	}
	return true
}

// refusal marks Entra ID's final "no": the identity is configured, and
// wrong. A chain stops at it rather than trying the next candidate, as
// azidentity's does on "authentication failed".
type refusal struct {
	code          int
	status        int
	traceID, corr string
}

func (r *refusal) Error() string {
	s := fmt.Sprintf("HTTP %d", r.status)
	if r.traceID != "" {
		s += ", trace ID " + inert(r.traceID)
	}
	if r.corr != "" {
		s += ", correlation ID " + inert(r.corr)
	}
	return s
}

func (r *refusal) stopsChain() bool { return true }

var aadstsCode = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`AADSTS(\d+)`) })

// Codes of "no federated identity record matches" (the newer ones name
// the claim that did not match).
var noMatchCodes = map[int]bool{70021: true, 700211: true, 700212: true, 700213: true, 7002137: true, 7002138: true}

func (c *entraClient) refusal(status int, r entraResponse, auth clientAuth) error {
	code := 0
	if len(r.Codes) > 0 {
		code = r.Codes[0]
	} else if m := aadstsCode().FindStringSubmatch(r.Description); m != nil {
		code, _ = strconv.Atoi(m[1])
	}
	desc := jwtLike().ReplaceAllString(r.Description, "[redacted]")
	if i := strings.Index(desc, " Trace ID:"); i >= 0 {
		desc = desc[:i]
	}
	desc = strings.TrimSpace(strings.SplitN(desc, "\r\n", 2)[0])
	if len(desc) > 300 {
		desc = desc[:300] + "…"
	}
	ref := &refusal{code: code, status: status, traceID: r.TraceID, corr: r.CorrelationID}
	cl := peekClaims(auth.assertion)
	var msg, hint string
	switch {
	case code == 700016:
		msg = fmt.Sprintf("no application with client id %q in tenant %q (AADSTS700016)", inert(c.clientID), inert(c.tenant))
		hint = "check AZURE_CLIENT_ID and AZURE_TENANT_ID (and --cloud): the client id is the app registration's or managed identity's Application (client) ID"
	case noMatchCodes[code]:
		msg = fmt.Sprintf("no federated identity credential of application %s matches the assertion (AADSTS%d): issuer '%s', subject '%s', audience '%s'",
			inert(c.clientID), code, inert(cl.Iss), inert(cl.Sub), inert(cl.aud()))
		hint = "add a federated credential to the application (or user-assigned identity) with exactly this issuer, subject and audience; matching is case-sensitive"
	case code == 700024:
		msg = fmt.Sprintf("the assertion is not within its valid time range (AADSTS700024): it expires %s", cl.expiry())
		hint = "check the machine's clock"
	case code == 7000215:
		msg = fmt.Sprintf("invalid client secret for application %s (AADSTS7000215)", inert(c.clientID))
		hint = "AZURE_CLIENT_SECRET must be the secret's Value (not its Secret ID) from the app registration's Certificates & secrets"
	case code == 7000222:
		msg = fmt.Sprintf("the client secret of application %s has expired (AADSTS7000222)", inert(c.clientID))
		hint = "create a new secret under the app registration's Certificates & secrets, or move to a federated credential"
	case code == 50027:
		msg = "the assertion is not a valid JWT (AADSTS50027)"
		hint = "the assertion must be the platform's signed token, unmodified"
	case code == 7000272:
		msg = fmt.Sprintf("the key that signed the assertion is not among issuer '%s''s published keys (AADSTS7000272)", inert(cl.Iss))
		hint = "the token was not signed by the issuer the federated credential trusts"
	case code == 700027:
		msg = fmt.Sprintf("the certificate assertion's signature was refused for application %s (AADSTS700027)", inert(c.clientID))
		hint = "upload the certificate's public part to the app registration's Certificates & secrets"
	case code == 90002:
		msg = fmt.Sprintf("tenant %q not found (AADSTS90002)", inert(c.tenant))
		hint = "check AZURE_TENANT_ID and the cloud (--cloud, AZURE_AUTHORITY_HOST)"
	default:
		msg = fmt.Sprintf("Entra ID refused the token request (%s): %s", inert(r.Error), inert(desc))
	}
	if h, ok := c.hints[code]; ok {
		hint = h
	} else if noMatchCodes[code] {
		if h, ok := c.hints[70021]; ok {
			hint = h
		}
	}
	return &Error{Credential: c.name, Kind: KindAuth, Msg: c.name + ": " + msg, Hint: hint, Err: ref}
}

// assertionClaims are the claims of an assertion worth showing: what a
// federated credential must match.
type assertionClaims struct {
	Iss string          `json:"iss"`
	Sub string          `json:"sub"`
	Aud json.RawMessage `json:"aud"`
	Exp int64           `json:"exp"`
	ok  bool
}

func (c assertionClaims) aud() string {
	var s string
	if json.Unmarshal(c.Aud, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(c.Aud, &list) == nil {
		return strings.Join(list, ", ")
	}
	return ""
}

func (c assertionClaims) expiry() string {
	if !c.ok || c.Exp == 0 {
		return "(unknown: not a JWT)"
	}
	return time.Unix(c.Exp, 0).UTC().Format(time.RFC3339)
}

// peekClaims decodes an assertion's payload without verifying it: the
// claims are for messages only.
func peekClaims(jwt string) assertionClaims {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return assertionClaims{}
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return assertionClaims{}
	}
	var c assertionClaims
	if json.Unmarshal(payload, &c) != nil {
		return assertionClaims{}
	}
	c.ok = true
	return c
}

// platformToken fetches a platform's OIDC token (GitHub, Azure Pipelines)
// with the same retry rules as the exchange. newReq builds one attempt,
// authenticated with bearer; read returns the token from a 200 body, or
// explains another status from a body that bearer is redacted from.
func (c *entraClient) platformToken(ctx context.Context, what, bearer string, newReq func(context.Context) (*http.Request, error),
	read func(status int, h http.Header, body []byte) (string, error)) (string, error) {
	auth := clientAuth{secret: bearer}
	var tok string
	past := func(retryAfter time.Duration, err error) error { return c.throttled(what, retryAfter, err) }
	spent := func(last error) error {
		return &Error{Credential: c.name, Kind: KindAuth, Msg: fmt.Sprintf("%s: cannot get an OIDC token from %s", c.name, what),
			Hint: "check the network path to it (HTTPS_PROXY applies), or raise --timeout", Err: last}
	}
	err := c.retry.run(ctx, c.logf, c.name, past, spent, func(n int) (time.Duration, error) {
		req, err := newReq(ctx)
		if err != nil {
			return 0, &Error{Credential: c.name, Kind: KindUsage, Msg: fmt.Sprintf("%s: cannot build the %s request", c.name, what), Err: err}
		}
		c.logf("%s: requesting an OIDC token from %s %s (attempt %d)", c.name, what, req.URL.Redacted(), n)
		t, retryAfter, err := c.platformOnce(req, auth, read)
		tok = t
		return retryAfter, err
	})
	if err != nil {
		return "", err
	}
	return tok, nil
}

func (c *entraClient) platformOnce(req *http.Request, auth clientAuth, read func(int, http.Header, []byte) (string, error)) (string, time.Duration, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		if final := c.certificateError(req.URL.Host, err); final != nil {
			return "", 0, final
		}
		return "", 0, describeNetErr(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", 0, fmt.Errorf("reading the response: %w", describeNetErr(err))
	}
	if retryableStatus(resp.StatusCode) {
		return "", parseRetryAfter(resp.Header.Get("Retry-After"), c.now()), fmt.Errorf("HTTP %d: %s", resp.StatusCode, auth.excerpt(body))
	}
	if resp.StatusCode != http.StatusOK {
		body = []byte(auth.redact(string(body)))
	}
	tok, err := read(resp.StatusCode, resp.Header, body)
	if err != nil {
		return "", 0, err
	}
	return tok, 0, nil
}

// requireHTTPS refuses a platform URL that would send its bearer token in
// the clear, naming the variable it came from.
func requireHTTPS(name, variable, raw string) error {
	u, err := url.Parse(raw)
	if err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil {
		return nil
	}
	return &Error{Credential: name, Kind: KindUsage,
		Msg:  fmt.Sprintf("%s: %s is not an https URL", name, variable),
		Hint: fmt.Sprintf("%s is set by the platform; unset it, or point it at an https endpoint", variable)}
}
