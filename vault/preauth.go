package vault

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Pre-authorization (issue 14): azsecrets sends a vault's first request
// without a token to learn, from the 401 challenge, which audience and
// tenant to ask for. For a host that can only be Key Vault the answer is
// known, so the first request carries the token at once and a `get` of
// one secret is one round trip. Those hosts are exactly the ones
// Endpoints.Trusted accepts (under the cloud's Key Vault DNS suffix, or
// mapped in AKV_VAULT_ENDPOINTS), and akv sends nothing to any other
// (trust.go): a Key Vault token never goes to a host outside Key Vault's
// domains that the user did not map.

// preauthPolicy puts a token for the cloud's Key Vault audience on a
// request the challenge policy left without one, because it has not
// seen a challenge. It sits after azsecrets' challenge policy, so when
// the vault answers 401 with a challenge (a vault in another tenant) that
// policy takes over as before. Only GET and HEAD are pre-authorized: for
// a request with a body, the challenge policy has already set the body
// aside to elicit a challenge.
type preauthPolicy struct {
	cred  azcore.TokenCredential
	scope string
}

func (p preauthPolicy) Do(req *policy.Request) (*http.Response, error) {
	raw := req.Raw()
	if raw.Header.Get("Authorization") != "" || raw.URL.Scheme != "https" ||
		(raw.Method != http.MethodGet && raw.Method != http.MethodHead) {
		return next(req)
	}
	resp, err := p.authorized(req, "")
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	// The vault refused the token this policy chose. Whatever answers
	// the challenge next chooses its own: the header must not carry this
	// one into the next pass (the request is reused).
	raw.Header.Del("Authorization")
	claims, ok := caeClaims(resp)
	if !ok {
		// A vault in another tenant: azsecrets' challenge policy learns
		// the tenant from this answer and asks for its token.
		return resp, nil
	}
	// A claims challenge (Continuous Access Evaluation): the token was
	// revoked. azcore would answer it, but only for a token it chose;
	// this one asks once for a fresh token with the claims.
	drain(resp)
	if err := req.RewindBody(); err != nil {
		return nil, err
	}
	resp, err = p.authorized(req, claims)
	if err == nil && resp.StatusCode == http.StatusUnauthorized {
		raw.Header.Del("Authorization")
	}
	return resp, err
}

// authorized sends req with a token for the Key Vault audience.
func (p preauthPolicy) authorized(req *policy.Request, claims string) (*http.Response, error) {
	tok, err := p.cred.GetToken(req.Raw().Context(), policy.TokenRequestOptions{Scopes: []string{p.scope}, EnableCAE: true, Claims: claims})
	if err != nil {
		return nil, nonRetriable{err}
	}
	req.Raw().Header.Set("Authorization", "Bearer "+tok.Token)
	return next(req)
}

// next sends req on and takes the bearer token it carried out of what
// came back unless it was a success: a vault (or a proxy before it) that
// echoes the request's Authorization header in an error code, message or
// challenge would otherwise have akv print the token. Every request of a
// vault, the challenge flow's too, passes this policy on its way out.
func next(req *policy.Request) (*http.Response, error) {
	tok, _ := strings.CutPrefix(req.Raw().Header.Get("Authorization"), "Bearer ")
	resp, err := req.Next()
	if len(tok) < 8 { // no token, or none worth hiding
		return resp, err
	}
	var f *fault
	if errors.As(err, &f) {
		f.msg, f.hint = redactToken(f.msg, tok), redactToken(f.hint, tok)
	}
	if err != nil || resp.StatusCode < 300 {
		return resp, err
	}
	for k, vs := range resp.Header {
		for i, v := range vs {
			resp.Header[k][i] = redactToken(v, tok)
		}
	}
	body, rerr := io.ReadAll(resp.Body) // at most maxResponse (transport.go)
	resp.Body.Close()
	clean := strings.NewReader(redactToken(string(body), tok))
	if rerr != nil {
		resp.Body = io.NopCloser(io.MultiReader(clean, failing{rerr}))
	} else {
		resp.Body = io.NopCloser(clean)
	}
	resp.ContentLength = -1
	return resp, nil
}

// redactToken removes tok from s in each spelling a server may echo it:
// raw, JSON-escaped ("\/" for "/") and URL-escaped.
func redactToken(s, tok string) string {
	for _, form := range []string{tok, strings.ReplaceAll(tok, "/", `\/`), url.QueryEscape(tok), url.PathEscape(tok)} {
		s = strings.ReplaceAll(s, form, "[token]")
	}
	return s
}

// failing is a reader that fails with err.
type failing struct{ err error }

func (f failing) Read([]byte) (int, error) { return 0, f.err }

// caeClaims returns the decoded claims of a claims challenge. The
// transport has verified the challenge and rewritten it to exactly
// error and claims (transport.go).
func caeClaims(resp *http.Response) (string, bool) {
	params, ok := bearerParams(resp.Header.Values("WWW-Authenticate"))
	if !ok || params["error"] != "insufficient_claims" {
		return "", false
	}
	claims, err := base64.StdEncoding.DecodeString(params["claims"])
	if err != nil || len(claims) == 0 {
		return "", false
	}
	return string(claims), true
}

// nonRetriable marks a credential failure final for the retry policy,
// as azcore's bearer policy does: the credential retried on its own.
type nonRetriable struct{ error }

func (e nonRetriable) Unwrap() error { return e.error }
func (nonRetriable) NonRetriable()   {}
