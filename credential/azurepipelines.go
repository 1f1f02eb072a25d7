package credential

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// AzurePipelines exchanges an Azure Pipelines OIDC token of a service
// connection that uses workload identity federation. The request is the
// one Microsoft's AzurePipelinesCredential sends: POST
// $SYSTEM_OIDCREQUESTURI?api-version=7.1&serviceConnectionId=ID, no body,
// "Authorization: Bearer $SYSTEM_ACCESSTOKEN" and
// "X-TFS-FedAuthRedirect: Suppress" (a 401 instead of a redirect to a
// sign-in page) → {"oidcToken": JWT}. A fresh token for every exchange.
type AzurePipelines struct {
	requestURL  string
	accessToken string
	*federated
}

var _ azcore.TokenCredential = (*AzurePipelines)(nil)

// oidcAPIVersion is the api-version AzurePipelinesCredential sends.
const oidcAPIVersion = "7.1"

// NewAzurePipelines returns an Azure Pipelines credential for the service
// connection connectionID (AZURESUBSCRIPTION_SERVICE_CONNECTION_ID);
// opts carries AZURESUBSCRIPTION_CLIENT_ID and AZURESUBSCRIPTION_TENANT_ID.
func NewAzurePipelines(oidcRequestURI, accessToken, connectionID string, opts *EntraOptions) (*AzurePipelines, error) {
	if err := requireHTTPS("AzurePipelines", "SYSTEM_OIDCREQUESTURI", oidcRequestURI); err != nil {
		return nil, err
	}
	if connectionID == "" {
		return nil, &Error{Credential: "AzurePipelines", Kind: KindUsage, Msg: "AzurePipelines: no service connection id",
			Hint: "set AZURESUBSCRIPTION_SERVICE_CONNECTION_ID (the AzureCLI@2 task exports it)"}
	}
	ent, err := newEntraClient("AzurePipelines", opts.orZero())
	if err != nil {
		return nil, err
	}
	ent.hints = map[int]string{
		70021: "the service connection's federated credential must have this issuer and subject (sc://ORG/PROJECT/CONNECTION): edit the service connection or the app's federated credentials",
	}
	sep := "?"
	if strings.Contains(oidcRequestURI, "?") {
		sep = "&"
	}
	q := url.Values{"api-version": {oidcAPIVersion}, "serviceConnectionId": {connectionID}}
	a := &AzurePipelines{requestURL: oidcRequestURI + sep + q.Encode(), accessToken: accessToken}
	a.federated = newFederated(ent, "Azure Pipelines", a.oidcToken)
	return a, nil
}

func (a *AzurePipelines) oidcToken(ctx context.Context) (string, error) {
	return a.ent.platformToken(ctx, "Azure Pipelines", a.accessToken, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.requestURL, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+a.accessToken)
		req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
		return req, nil
	}, func(status int, h http.Header, body []byte) (string, error) {
		fail := func(msg, hint string) error {
			return &Error{Credential: a.ent.name, Kind: KindAuth, Msg: "AzurePipelines: " + msg, Hint: hint}
		}
		if status != http.StatusOK {
			msg := fmt.Sprintf("the OIDC endpoint answered HTTP %d: %s", status, inertSnippet(body))
			// Azure DevOps asks for these two when debugging an OIDC failure.
			for _, k := range []string{"x-msedge-ref", "x-vss-e2eid"} {
				if v := h.Get(k); v != "" {
					msg += fmt.Sprintf(" (%s: %s)", k, inert(v))
				}
			}
			hint := "check AZURESUBSCRIPTION_SERVICE_CONNECTION_ID: the service connection must use workload identity federation and be authorized for this pipeline"
			switch {
			case status == http.StatusUnauthorized || status == http.StatusForbidden || (status >= 300 && status < 400):
				hint = "SYSTEM_ACCESSTOKEN is missing or invalid: map it into the step with env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)"
			}
			return "", fail(msg, hint)
		}
		var r struct {
			OIDCToken string `json:"oidcToken"`
		}
		if err := json.Unmarshal(body, &r); err != nil || r.OIDCToken == "" {
			return "", fail("the OIDC endpoint sent no token", "")
		}
		if len(r.OIDCToken) > maxAssertion {
			return "", fail("the OIDC token is implausibly large", "")
		}
		return r.OIDCToken, nil
	})
}
