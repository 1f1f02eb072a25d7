package credential

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// GitHubActions exchanges a GitHub Actions OIDC token (present when the
// job grants id-token: write) at Entra ID: GET
// $ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange with
// "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" → {"value": JWT}.
// A fresh GitHub token is fetched for every exchange, so a job that runs
// longer than one token's lifetime keeps working.
type GitHubActions struct {
	requestURL   string
	requestToken string
	*federated
}

var _ azcore.TokenCredential = (*GitHubActions)(nil)

// NewGitHubActions returns a GitHub Actions OIDC credential.
func NewGitHubActions(requestURL, requestToken string, opts *EntraOptions) (*GitHubActions, error) {
	if err := requireHTTPS("GitHubActions", "ACTIONS_ID_TOKEN_REQUEST_URL", requestURL); err != nil {
		return nil, err
	}
	ent, err := newEntraClient("GitHubActions", opts.orZero())
	if err != nil {
		return nil, err
	}
	ent.hints = map[int]string{
		700024: "GitHub's token expired before Entra ID saw it: check the runner's clock",
		70021:  "add a federated credential with issuer https://token.actions.githubusercontent.com and this subject (repo:OWNER/REPO:ref:refs/heads/BRANCH, …:environment:NAME, …:pull_request) to the application named by AZURE_CLIENT_ID",
	}
	g := &GitHubActions{requestURL: requestURL, requestToken: requestToken}
	g.federated = newFederated(ent, "GitHub Actions", g.idToken)
	return g, nil
}

// idToken asks the runner's token service for a token for Entra ID. The
// URL already carries ?api-version=2.0; the audience is appended as the
// Actions toolkit does.
func (g *GitHubActions) idToken(ctx context.Context) (string, error) {
	u := g.requestURL
	if parsed, err := url.Parse(u); err == nil {
		// Into the query, even behind a #fragment (never sent).
		if parsed.RawQuery != "" {
			parsed.RawQuery += "&"
		}
		parsed.RawQuery += "audience=" + url.QueryEscape(federatedAudience)
		parsed.Fragment, parsed.RawFragment = "", ""
		u = parsed.String()
	}
	return g.ent.platformToken(ctx, "GitHub Actions", g.requestToken, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "bearer "+g.requestToken)
		req.Header.Set("Accept", "application/json")
		return req, nil
	}, func(status int, _ http.Header, body []byte) (string, error) {
		fail := func(msg, hint string) error {
			return &Error{Credential: g.ent.name, Kind: KindAuth, Msg: "GitHubActions: " + msg, Hint: hint}
		}
		if status != http.StatusOK {
			hint := "ACTIONS_ID_TOKEN_REQUEST_TOKEN is valid only inside its job; the job needs permissions: id-token: write"
			return "", fail(fmt.Sprintf("the runner's OIDC token service answered HTTP %d: %s", status, inertSnippet(body)), hint)
		}
		var r struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal(body, &r); err != nil || r.Value == "" {
			return "", fail("the runner's OIDC token service sent no token", "")
		}
		if len(r.Value) > maxAssertion {
			return "", fail("the runner's OIDC token is implausibly large", "")
		}
		return r.Value, nil
	})
}
