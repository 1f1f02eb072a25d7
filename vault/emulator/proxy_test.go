package emulator

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// viaProxy is an HTTP client that reaches the emulator only through its
// proxy, trusting only its CA.
func viaProxy(t *testing.T, e *Emulator) *http.Client {
	u, _ := url.Parse(e.ProxyURL)
	return &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(u), TLSClientConfig: &tls.Config{RootCAs: caPool(t, e)}, ForceAttemptHTTP2: true}}
}

// TestProxyRealHostNames drives azsecrets with challenge-resource
// verification on (its default) against the real host names of each
// cloud, through the proxy: ids and nextLinks name the host the client
// asked for, and each cloud's challenge names its own audience.
func TestProxyRealHostNames(t *testing.T) {
	e := start(t, Options{Names: []string{"demo", "other"}})
	hc := viaProxy(t, e)
	for _, host := range []string{"demo.vault.azure.net", "DEMO.vault.azure.cn", "demo.vault.usgovcloudapi.net", "other.vault.azure.net"} {
		c, err := azsecrets.NewClient("https://"+host, plainMSI{e.MSIEndpoint}, &azsecrets.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: hc}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.GetSecret(context.Background(), "db-password", "", nil)
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		if *got.Value != "s3cr3t-Pa55w0rd!" || !strings.HasPrefix(string(*got.ID), "https://"+strings.ToLower(host)+"/secrets/db-password/") {
			t.Fatalf("%s: got %s %q", host, *got.ID, *got.Value)
		}
		n := 0
		for p := c.NewListSecretPropertiesPager(nil); p.More(); {
			page, err := p.NextPage(context.Background())
			if err != nil {
				t.Fatalf("%s: list: %v", host, err)
			}
			n += len(page.Value)
		}
		if n != len(DemoSeeds()) {
			t.Errorf("%s: listed %d of %d", host, n, len(DemoSeeds()))
		}
	}
	if e.proxy.accepted.Load() == 0 {
		t.Error("no tunnel was opened")
	}
	// A cloud's token does not open another cloud's vault.
	req, _ := http.NewRequest("GET", "https://demo.vault.azure.cn/secrets/db-password?api-version=7.6", nil)
	req.Header.Set("Authorization", "Bearer "+token(t, e, VaultResource))
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `authorization="https://login.chinacloudapi.cn/`) ||
		!strings.Contains(resp.Header.Get("WWW-Authenticate"), `resource="https://vault.azure.cn"`) {
		t.Errorf("public token on a China vault: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

// TestProxyRefuses checks that the proxy forwards nothing: other hosts,
// vaults it does not serve, other ports and plain proxied requests all get
// 403 from the emulator itself.
func TestProxyRefuses(t *testing.T) {
	e := start(t, Options{})
	addr := strings.TrimPrefix(e.ProxyURL, "http://")
	for _, req := range []string{
		"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
		"CONNECT login.microsoftonline.com:443 HTTP/1.1\r\nHost: login.microsoftonline.com:443\r\n\r\n",
		"CONNECT nosuch.vault.azure.net:443 HTTP/1.1\r\nHost: nosuch.vault.azure.net:443\r\n\r\n",
		"CONNECT demo.vault.azure.net.evil.example:443 HTTP/1.1\r\nHost: demo.vault.azure.net.evil.example:443\r\n\r\n",
		"CONNECT demo.vault.azure.net:8443 HTTP/1.1\r\nHost: demo.vault.azure.net:8443\r\n\r\n",
		"CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n",
		"GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n",
		"GET http://demo.vault.azure.net/secrets HTTP/1.1\r\nHost: demo.vault.azure.net\r\n\r\n",
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(c, req)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		c.Close()
		if err != nil || resp.StatusCode != 403 {
			t.Errorf("%q: %v %v", strings.SplitN(req, "\r\n", 2)[0], resp, err)
		}
	}
	if e.proxy.accepted.Load() != 0 || len(e.proxy.refusals()) != 8 {
		t.Errorf("accepted %d, refused %v", e.proxy.accepted.Load(), e.proxy.refusals())
	}
}

// TestProxyTunnelBindsHost checks that a tunnel serves the host it was
// opened for, whatever Host header comes through it.
func TestProxyTunnelBindsHost(t *testing.T) {
	e := start(t, Options{})
	c, err := net.Dial("tcp", strings.TrimPrefix(e.ProxyURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "CONNECT demo.vault.azure.net:443 HTTP/1.1\r\nHost: demo.vault.azure.net:443\r\n\r\n")
	br := bufio.NewReader(c)
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != 200 {
		t.Fatalf("CONNECT: %v %v", resp, err)
	}
	tc := tls.Client(c, &tls.Config{ServerName: "demo.vault.azure.net", RootCAs: caPool(t, e)})
	fmt.Fprintf(tc, "GET /secrets/db-password?api-version=7.6 HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer %s\r\n\r\n", token(t, e, VaultResource))
	resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	bufio.NewReader(resp.Body).WriteTo(&b)
	if resp.StatusCode != 200 || !strings.Contains(b.String(), `"id":"https://demo.vault.azure.net/secrets/db-password/`) {
		t.Fatalf("%d %s", resp.StatusCode, b.String())
	}
}

// TestARM checks the Resource Manager the Azure CLI's login needs: one
// subscription and its tenant behind ARM's token checks, and the clouds'
// metadata without a token.
func TestARM(t *testing.T) {
	e := start(t, Options{})
	hc := viaProxy(t, e)
	get := func(path, tok string) reply {
		t.Helper()
		req, _ := http.NewRequest("GET", "https://management.azure.com"+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		bufio.NewReader(resp.Body).WriteTo(&b)
		r := reply{status: resp.StatusCode, header: resp.Header, raw: b.String()}
		return r
	}
	mgmt := token(t, e, "https://management.core.windows.net/")
	sub := e.opts.Subscription
	for _, c := range []struct {
		path, tok string
		status    int
		has       string
	}{
		{"/subscriptions?api-version=2022-12-01", mgmt, 200, `"subscriptionId":"` + sub + `"`},
		{"/subscriptions?api-version=2022-12-01", token(t, e, "https://management.azure.com"), 200, `"state":"Enabled"`},
		{"/subscriptions/" + sub + "?api-version=2022-12-01", mgmt, 200, `"tenantId":"` + e.opts.Tenant + `"`},
		{"/subscriptions/11111111-1111-1111-1111-111111111111?api-version=2022-12-01", mgmt, 404, `"SubscriptionNotFound"`},
		{"/tenants?api-version=2022-12-01", mgmt, 200, `"tenantId":"` + e.opts.Tenant + `"`},
		{"/subscriptions?api-version=2022-12-01", "", 401, `"AuthenticationFailed"`},
		{"/subscriptions?api-version=2022-12-01", "forged.token.here", 401, `"InvalidAuthenticationToken"`},
		{"/subscriptions?api-version=2022-12-01", token(t, e, VaultResource), 401, `"InvalidAuthenticationTokenAudience"`},
		{"/subscriptions", mgmt, 400, `"MissingApiVersionParameter"`},
		{"/subscriptions?api-version=latest", mgmt, 400, `"InvalidApiVersionParameter"`},
		{"/metadata/endpoints?api-version=2022-09-01", "", 200, `"keyVaultDns":"vault.azure.net"`},
		{"/metadata/endpoints?api-version=2015-01-01", "", 200, `"loginEndpoint":"https://login.microsoftonline.com/"`},
		{"/resourceGroups?api-version=2022-12-01", mgmt, 404, `"NotFound"`},
	} {
		r := get(c.path, c.tok)
		if r.status != c.status || !strings.Contains(r.raw, c.has) {
			t.Errorf("GET %s: %d %s, want %d with %s", c.path, r.status, r.raw, c.status, c.has)
		}
		if r.status == 401 && c.tok == "" && !strings.Contains(r.header.Get("WWW-Authenticate"), "authorization_uri=") {
			t.Errorf("no challenge: %q", r.header.Get("WWW-Authenticate"))
		}
	}
}

// TestEnviron checks the printed environment: akv's variables, the proxy
// in both spellings with its exceptions, and each runtime's CA variable.
func TestEnviron(t *testing.T) {
	e := start(t, Options{Names: []string{"demo", "myvault"}})
	env := map[string]string{}
	for _, kv := range e.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for k, want := range map[string]string{
		"MSI_ENDPOINT": e.MSIEndpoint, "AKV_VAULT_ENDPOINTS": "demo=" + e.Vaults["demo"] + ",myvault=" + e.Vaults["myvault"],
		"AKV_CA_FILE": e.CAFile, "AKV_VAULT": "demo", "HTTPS_PROXY": e.ProxyURL, "https_proxy": e.ProxyURL,
		"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
		"SSL_CERT_FILE": e.CAFile, "REQUESTS_CA_BUNDLE": e.CAFile, "NODE_EXTRA_CA_CERTS": e.CAFile,
	} {
		if env[k] != want {
			t.Errorf("%s=%q, want %q", k, env[k], want)
		}
	}
	if !strings.HasPrefix(e.ProxyURL, "http://127.0.0.1:") || !strings.Contains(e.Env(), "export HTTPS_PROXY="+e.ProxyURL+"\n") {
		t.Errorf("Env():\n%s", e.Env())
	}
}
