package emulator

import (
	"net/http"
	"strings"
	"testing"
)

// TestNoRedirects: a Key Vault (and ARM) never answers with a redirect,
// and akv refuses one. A path with dot segments got the mux's 307 to the
// cleaned path; now it is served as that path (RFC 3986's resolution),
// directly and through the proxy.
func TestNoRedirects(t *testing.T) {
	e := start(t, Options{})
	direct := newWire(t, e)
	proxied := viaProxy(t, e)
	for _, hc := range []*http.Client{direct.hc, proxied} {
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	vaultToken, armToken := token(t, e, VaultResource), token(t, e, "https://management.azure.com")
	for _, tc := range []struct {
		hc         *http.Client
		url, token string
		status     int
		contains   string
	}{
		{direct.hc, e.Vaults["demo"] + "/secrets/./db-password?api-version=7.6", vaultToken, 200, "s3cr3t-Pa55w0rd!"},
		{direct.hc, e.Vaults["demo"] + "/secrets/../secrets/db-password?api-version=7.6", vaultToken, 200, "s3cr3t-Pa55w0rd!"},
		{direct.hc, e.Vaults["demo"] + "/secrets/x/../db-password/?api-version=7.6", vaultToken, 200, "s3cr3t-Pa55w0rd!"},
		{direct.hc, e.Vaults["demo"] + "/secrets/../deletedsecrets?api-version=7.6", vaultToken, 200, `"value":[]`},
		{direct.hc, e.Vaults["demo"] + "//secrets//db-password?api-version=7.6", vaultToken, 200, "s3cr3t-Pa55w0rd!"},
		{direct.hc, e.Vaults["demo"] + "/secrets/%2e%2e/secrets/db-password?api-version=7.6", vaultToken, 200, "s3cr3t-Pa55w0rd!"},
		{direct.hc, e.Vaults["demo"] + "/../../etc/passwd?api-version=7.6", vaultToken, 404, "NotFound"},
		{proxied, "https://demo.vault.azure.net/secrets/./db-password?api-version=7.6", vaultToken, 200, "s3cr3t-Pa55w0rd!"},
		{proxied, "https://management.azure.com/subscriptions/../subscriptions?api-version=2022-12-01", armToken, 200, e.opts.Subscription},
		{proxied, "https://management.azure.com/metadata/./endpoints?api-version=2022-09-01", "", 200, "resourceManager"},
	} {
		req, _ := http.NewRequest("GET", tc.url, nil)
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := tc.hc.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		var b strings.Builder
		buf := make([]byte, 64<<10)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(b.String(), tc.contains) {
			t.Errorf("%s: %d %s %q", tc.url, resp.StatusCode, resp.Header.Get("Location"), b.String())
		}
	}
}
