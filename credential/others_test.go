package credential

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

func fast(endpoint string) *IdentityOptions {
	return &IdentityOptions{Endpoint: endpoint, RetryDelay: time.Millisecond}
}

func TestAppServiceRequest(t *testing.T) {
	var got *http.Request
	f := newFakeMSI(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		okToken(testToken, time.Now().Add(time.Hour))(w, r)
	})
	o := fast(f.srv.URL + "/msi/token")
	o.ClientID = "11111111-2222-3333-4444-555555555555"
	c, err := NewAppService("hdr-secret", o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetToken(context.Background(), vaultScope); err != nil {
		t.Fatal(err)
	}
	q := got.URL.Query()
	if got.Method != "GET" || q.Get("resource") != "https://vault.azure.net" || q.Get("api-version") != "2019-08-01" ||
		q.Get("client_id") != o.ClientID || got.Header.Get("X-IDENTITY-HEADER") != "hdr-secret" {
		t.Errorf("request = %s %s headers %v", got.Method, got.URL, got.Header)
	}
}

func TestIMDSRetriesWhileStarting(t *testing.T) {
	var got *http.Request
	f := newFakeMSI(t, status(410, "starting"), status(404, "no identity yet"), status(429, "slow down"),
		func(w http.ResponseWriter, r *http.Request) {
			got = r
			okToken(testToken, time.Now().Add(time.Hour))(w, r)
		})
	c, err := NewIMDS(fast(f.srv.URL + "/metadata/identity/oauth2/token"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetToken(context.Background(), vaultScope); err != nil {
		t.Fatal(err)
	}
	if f.calls.Load() != 4 || got.Header.Get("Metadata") != "true" || got.URL.Query().Get("api-version") != "2018-02-01" {
		t.Errorf("calls %d, request %s %v", f.calls.Load(), got.URL, got.Header)
	}
	// Several identities and none named: 400, not retried.
	f2 := newFakeMSI(t, status(400, `{"error":"invalid_request","error_description":"Multiple user assigned identities exist"}`))
	c2, _ := NewIMDS(fast(f2.srv.URL))
	_, err = c2.GetToken(context.Background(), vaultScope)
	if err == nil || f2.calls.Load() != 1 || !strings.Contains(hintOf(err), "--client-id") {
		t.Errorf("400: err %v (hint %q) after %d calls", err, hintOf(err), f2.calls.Load())
	}
}

func TestIMDSDefaultAddressIsNeverDialedInTests(t *testing.T) {
	c, err := NewIMDS(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.endpoint != DefaultIMDSEndpoint {
		t.Fatalf("endpoint %s", c.endpoint)
	}
	// No GetToken here: tests never send a packet to 169.254.169.254.
}

func TestAzureMLRequest(t *testing.T) {
	var got *http.Request
	f := newFakeMSI(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		okToken(testToken, time.Now().Add(time.Hour))(w, r)
	})
	o := fast(f.srv.URL)
	o.ClientID = "cid"
	c, _ := NewAzureML("ml-secret", o)
	if _, err := c.GetToken(context.Background(), vaultScope); err != nil {
		t.Fatal(err)
	}
	q := got.URL.Query()
	if q.Get("api-version") != "2017-09-01" || q.Get("clientid") != "cid" || got.Header.Get("secret") != "ml-secret" {
		t.Errorf("request %s %v", got.URL, got.Header)
	}
}

func TestIdentityEndpointsBypassProxy(t *testing.T) {
	c := newIdentityHTTPClient(nil)
	if c.Transport.(*http.Transport).Proxy != nil {
		t.Fatal("identity requests would go through HTTP_PROXY")
	}
}

// fakeAz writes an az script that prints body (or fails with stderr).
func fakeAz(t *testing.T, script string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "az")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAzureCLI(t *testing.T) {
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	tests := []struct {
		name, script string
		want         time.Time
	}{
		{"expires_on", fmt.Sprintf(`[ "$4" = https://vault.azure.net ] || exit 9
echo '{"accessToken":"%s","expiresOn":"2000-01-01 00:00:00.000000","expires_on":%d,"tokenType":"Bearer"}'`, testToken, exp.Unix()), exp},
		{"local expiresOn", fmt.Sprintf(`echo '{"accessToken":"%s","expiresOn":"%s"}'`, testToken, exp.Local().Format("2006-01-02 15:04:05.000000")), exp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewAzureCLI(&AzureCLIOptions{Path: fakeAz(t, tt.script)})
			tok, err := c.GetToken(context.Background(), vaultScope)
			if err != nil {
				t.Fatal(err)
			}
			if tok.Token != testToken || !tok.ExpiresOn.Equal(tt.want) {
				t.Errorf("token expires %v, want %v", tok.ExpiresOn, tt.want)
			}
		})
	}
}

func TestAzureCLIFailures(t *testing.T) {
	c := NewAzureCLI(&AzureCLIOptions{Path: fakeAz(t, `echo "ERROR: Please run 'az login' to setup account." >&2; exit 1`)})
	_, err := c.GetToken(context.Background(), vaultScope)
	if err == nil || !strings.Contains(err.Error(), "Please run 'az login'") || hintOf(err) != "run `az login`" {
		t.Fatalf("err = %v (hint %q)", err, hintOf(err))
	}
	assertKind(t, err, KindAuth)

	c = NewAzureCLI(&AzureCLIOptions{Path: fakeAz(t, "sleep 5"), Timeout: 100 * time.Millisecond})
	if _, err := c.GetToken(context.Background(), vaultScope); err == nil || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("timeout: %v", err)
	}
	c = NewAzureCLI(&AzureCLIOptions{Path: filepath.Join(t.TempDir(), "no-az")})
	if _, err := c.GetToken(context.Background(), vaultScope); err == nil {
		t.Fatal("missing az: no error")
	}
}

type failing struct{ err error }

func (f failing) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, f.err
}

type fixed struct{ calls *int }

func (f fixed) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	*f.calls++
	return azcore.AccessToken{Token: testToken, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func TestChainFallsThroughAndSticks(t *testing.T) {
	calls := 0
	ch := NewChain([]Candidate{
		{Name: "cloudshell", Credential: failing{&Error{Kind: KindAuth, Msg: "connection refused"}}},
		{Name: "azcli", Credential: fixed{&calls}},
	})
	for range 3 {
		if _, err := ch.GetToken(context.Background(), vaultScope); err != nil {
			t.Fatal(err)
		}
	}
	if ch.Chosen().Name != "azcli" || calls != 3 {
		t.Fatalf("chosen %s, calls %d", ch.Chosen().Name, calls)
	}
	all := NewChain([]Candidate{
		{Name: "cloudshell", Credential: failing{&Error{Kind: KindAuth, Msg: "connection refused"}}},
		{Name: "azcli", Credential: failing{&Error{Kind: KindAuth, Msg: "not logged in", Hint: "run `az login`"}}},
	})
	_, err := all.GetToken(context.Background(), vaultScope)
	if err == nil || !strings.HasPrefix(err.Error(), "not in Azure Cloud Shell") ||
		!strings.Contains(err.Error(), "cloudshell: connection refused") || !strings.Contains(err.Error(), "azcli: not logged in") {
		t.Fatalf("err = %v", err)
	}
	usage := NewChain([]Candidate{{Name: "x", Credential: failing{&Error{Kind: KindUsage, Msg: "bad"}}}, {Name: "y", Credential: fixed{&calls}}})
	if _, err := usage.GetToken(context.Background(), vaultScope); err == nil {
		t.Fatal("a usage error fell through")
	}
}

func TestAutoCandidates(t *testing.T) {
	dmi := t.TempDir()
	noAz := func(string) (string, error) { return "", os.ErrNotExist }
	withAz := func(string) (string, error) { return "/usr/bin/az", nil }
	names := func(env map[string]string, look func(string) (string, error), dir string) string {
		s, err := Select(SelectOptions{Getenv: func(k string) string { return env[k] }, LookPath: look, DMIDir: dir})
		if err != nil {
			return "error: " + err.Error()
		}
		var ns []string
		for _, c := range s.Credential.(*Chain).candidates {
			ns = append(ns, c.Name)
		}
		return strings.Join(ns, ",")
	}
	tests := []struct {
		env  map[string]string
		look func(string) (string, error)
		vm   bool
		want string
	}{
		{nil, noAz, false, "error: " + NotInCloudShellMessage},
		{map[string]string{"MSI_ENDPOINT": "http://127.0.0.1:1/t"}, noAz, false, "cloudshell"},
		{map[string]string{"MSI_ENDPOINT": "http://127.0.0.1:1/t", "MSI_SECRET": "s"}, noAz, false, "azureml"},
		{map[string]string{"IDENTITY_ENDPOINT": "http://127.0.0.1:1/t", "IDENTITY_HEADER": "h"}, withAz, false, "appservice,azcli"},
		{map[string]string{"AKV_IMDS_ENDPOINT": "http://127.0.0.1:1/t"}, noAz, false, "imds"},
		{nil, noAz, true, "imds"},
		{map[string]string{"MSI_ENDPOINT": "http://127.0.0.1:1/t", "IDENTITY_ENDPOINT": "http://127.0.0.1:2/t", "IDENTITY_HEADER": "h"}, withAz, true, "cloudshell,appservice,imds,azcli"},
		{map[string]string{"MSI_ENDPOINT": "nonsense"}, withAz, false, "error: MSI_ENDPOINT=\"nonsense\" is not an http(s) URL"},
	}
	for _, tt := range tests {
		dir := filepath.Join(dmi, "none")
		if tt.vm {
			dir = filepath.Join(dmi, "azure")
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "sys_vendor"), []byte("Microsoft Corporation\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "chassis_asset_tag"), []byte(azureAssetTag+"\n"), 0o644)
		}
		if got := names(tt.env, tt.look, dir); got != tt.want {
			t.Errorf("env %v vm %v: got %q, want %q", tt.env, tt.vm, got, tt.want)
		}
	}
}
