package emulator

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

const armHost = "management.azure.com"

// armServer plays as much of Azure Resource Manager as the Azure CLI's
// managed-identity and Cloud Shell logins need, reached through the proxy
// as https://management.azure.com: one subscription, its tenant, and the
// clouds' metadata. Everything else answers 404.
type armServer struct {
	emu          *Emulator
	subscription string
	mux          *http.ServeMux
}

func newARM(e *Emulator) *armServer {
	a := &armServer{emu: e, subscription: e.opts.Subscription}
	a.mux = http.NewServeMux()
	for pattern, h := range map[string]http.HandlerFunc{
		"GET /subscriptions":       a.authenticated(a.listSubscriptions),
		"GET /subscriptions/{id}":  a.authenticated(a.getSubscription),
		"GET /tenants":             a.authenticated(a.listTenants),
		"GET /metadata/endpoints":  a.metadata, // anonymous, as on ARM
		"GET /metadata/endpoints/": a.metadata,
	} {
		a.mux.HandleFunc(pattern, h)
	}
	return a
}

// armError is ARM's error body: {"error":{"code","message"}}.
func armError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func (a *armServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	canonicalPath(r)
	if _, pattern := a.mux.Handler(r); pattern == "" {
		armError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("The akv emulator plays only /subscriptions, /tenants and /metadata/endpoints of Azure Resource Manager, not %s %s.", r.Method, r.URL.Path))
		return
	}
	a.mux.ServeHTTP(w, r) // Handler found the route but sets no path values
}

// armVersion is ARM's first check of an api-version: shaped like one
// (2022-12-01, 2022-12-01-preview).
func armVersion(v string) bool {
	date, _ := strings.CutSuffix(v, "-preview")
	if len(date) != len("2006-01-02") {
		return false
	}
	_, err := time.Parse("2006-01-02", date)
	return err == nil
}

// authenticated checks the api-version and the bearer token (a
// management audience, the emulator's tenant) with ARM's error codes.
func (a *armServer) authenticated(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tenant := a.emu.opts.Tenant
		challenge := fmt.Sprintf(`Bearer authorization_uri="https://login.microsoftonline.com/%s", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`, tenant)
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			w.Header().Set("WWW-Authenticate", challenge)
			armError(w, http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
			return
		}
		c, err := a.emu.signer.parse(tok, a.emu.now())
		switch {
		case err == errBadToken:
			armError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "The access token is invalid.")
			return
		case err == errExpired:
			armError(w, http.StatusUnauthorized, "ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time.")
			return
		case !isManagementAudience(c.Aud):
			armError(w, http.StatusUnauthorized, "InvalidAuthenticationTokenAudience",
				fmt.Sprintf("The access token has been obtained for wrong audience or resource '%s'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.", c.Aud))
			return
		case c.Tid != tenant:
			armError(w, http.StatusUnauthorized, "InvalidAuthenticationTokenTenant", "The access token is from the wrong issuer. It must match the tenant associated with this subscription.")
			return
		}
		v := r.URL.Query().Get("api-version")
		if v == "" {
			armError(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
			return
		}
		if !armVersion(v) {
			armError(w, http.StatusBadRequest, "InvalidApiVersionParameter", fmt.Sprintf("The api-version '%s' is invalid.", v))
			return
		}
		h(w, r)
	}
}

func isManagementAudience(aud string) bool {
	aud = strings.TrimSuffix(aud, "/")
	return aud == "https://management.azure.com" || aud == "https://management.core.windows.net"
}

func (a *armServer) subscriptionJSON() map[string]any {
	return map[string]any{
		"id":                   "/subscriptions/" + a.subscription,
		"authorizationSource":  "RoleBased",
		"managedByTenants":     []any{},
		"subscriptionId":       a.subscription,
		"tenantId":             a.emu.opts.Tenant,
		"displayName":          "akv emulator",
		"state":                "Enabled",
		"subscriptionPolicies": map[string]string{"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
	}
}

func (a *armServer) listSubscriptions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"value": []any{a.subscriptionJSON()}, "count": map[string]any{"type": "Total", "value": 1}})
}

func (a *armServer) getSubscription(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.PathValue("id"), a.subscription) {
		armError(w, http.StatusNotFound, "SubscriptionNotFound", fmt.Sprintf("The subscription '%s' could not be found.", r.PathValue("id")))
		return
	}
	writeJSON(w, http.StatusOK, a.subscriptionJSON())
}

func (a *armServer) listTenants(w http.ResponseWriter, r *http.Request) {
	t := a.emu.opts.Tenant
	writeJSON(w, http.StatusOK, map[string]any{"value": []any{map[string]any{
		"id": "/tenants/" + t, "tenantId": t, "tenantCategory": "Home", "displayName": "akv emulator", "defaultDomain": "akv-emulator.example", "domains": []string{"akv-emulator.example"},
	}}, "count": map[string]any{"type": "Total", "value": 1}})
}

// metadata is GET /metadata/endpoints: the 2019-05-01 shape (every cloud,
// an array) for that version and later, else the public cloud's single
// object of 2015-01-01.
func (a *armServer) metadata(w http.ResponseWriter, r *http.Request) {
	if v := r.URL.Query().Get("api-version"); v == "" || v < "2019-05-01" {
		writeJSON(w, http.StatusOK, map[string]any{
			"galleryEndpoint": "https://gallery.azure.com/",
			"graphEndpoint":   "https://graph.windows.net/",
			"portalEndpoint":  "https://portal.azure.com/",
			"authentication": map[string]any{"loginEndpoint": "https://login.microsoftonline.com/",
				"audiences": []string{"https://management.core.windows.net/", "https://management.azure.com/"}},
		})
		return
	}
	writeJSON(w, http.StatusOK, []map[string]any{
		armCloud("AzureCloud", "https://management.azure.com/", "https://login.microsoftonline.com/", "https://management.core.windows.net/",
			"https://graph.microsoft.com/", "https://portal.azure.com", "vault.azure.net", "core.windows.net"),
		armCloud("AzureChinaCloud", "https://management.chinacloudapi.cn/", "https://login.chinacloudapi.cn/", "https://management.core.chinacloudapi.cn/",
			"https://microsoftgraph.chinacloudapi.cn/", "https://portal.azure.cn", "vault.azure.cn", "core.chinacloudapi.cn"),
		armCloud("AzureUSGovernment", "https://management.usgovcloudapi.net/", "https://login.microsoftonline.us/", "https://management.core.usgovcloudapi.net/",
			"https://graph.microsoft.us/", "https://portal.azure.us", "vault.usgovcloudapi.net", "core.usgovcloudapi.net"),
	})
}

func armCloud(name, arm, login, audience, graph, portal, vaultSuffix, storage string) map[string]any {
	return map[string]any{
		"name":                     name,
		"portal":                   portal,
		"resourceManager":          arm,
		"authentication":           map[string]any{"loginEndpoint": login, "audiences": []string{audience, arm}, "tenant": "common", "identityProvider": "AAD"},
		"microsoftGraphResourceId": graph,
		"suffixes":                 map[string]string{"keyVaultDns": vaultSuffix, "storage": storage},
	}
}
