package emulator

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

func start(t *testing.T, o Options) *Emulator {
	t.Helper()
	e, err := Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// plainMSI is the simplest credential an SDK user would write: POST to the
// endpoint, no cache. The fidelity test must not lean on akv's credential.
type plainMSI struct{ endpoint string }

func (p plainMSI) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	resource := strings.TrimSuffix(o.Scopes[0], "/.default")
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, strings.NewReader("resource="+resource))
	req.Header.Set("Metadata", "true")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresOn   string `json:"expires_on"`
	}
	if err := decodeJSON(resp, &body); err != nil {
		return azcore.AccessToken{}, err
	}
	var exp int64
	fmt.Sscan(body.ExpiresOn, &exp)
	return azcore.AccessToken{Token: body.AccessToken, ExpiresOn: time.Unix(exp, 0)}, nil
}

func sdkClient(t *testing.T, e *Emulator) *azsecrets.Client {
	pem, err := os.ReadFile(e.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	c, err := azsecrets.NewClient(e.Vaults["demo"], plainMSI{e.MSIEndpoint}, &azsecrets.ClientOptions{
		ClientOptions:                        azcore.ClientOptions{Transport: hc},
		DisableChallengeResourceVerification: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAzsecretsFidelity drives the emulator with the unmodified azsecrets
// client: set, get, list every page, list versions, 404.
func TestAzsecretsFidelity(t *testing.T) {
	e := start(t, Options{Seeds: map[string]Seed{}})
	c := sdkClient(t, e)
	ctx := context.Background()
	for i := range 60 {
		v := fmt.Sprintf("value-%d", i)
		if _, err := c.SetSecret(ctx, fmt.Sprintf("s%02d", i), azsecrets.SetSecretParameters{Value: &v}, nil); err != nil {
			t.Fatalf("SetSecret: %v", err)
		}
	}
	nv := "second"
	if _, err := c.SetSecret(ctx, "s00", azsecrets.SetSecretParameters{Value: &nv, Tags: map[string]*string{"k": &nv}}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetSecret(ctx, "s00", "", nil)
	if err != nil || *got.Value != "second" || *got.Tags["k"] != "second" {
		t.Fatalf("GetSecret = %+v, %v", got, err)
	}
	older, err := c.GetSecret(ctx, "s01", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.GetSecret(ctx, "s01", older.ID.Version(), nil)
	if err != nil || *again.Value != "value-1" {
		t.Fatalf("GetSecret by version = %+v, %v", again, err)
	}

	var names []string
	pages := 0
	for p := c.NewListSecretPropertiesPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, s := range page.Value {
			names = append(names, s.ID.Name())
		}
	}
	if len(names) != 60 || names[0] != "s00" || names[59] != "s59" || pages != 4 {
		t.Fatalf("listed %d names in %d pages, want 60 in 4 (25, empty, 25, 10)", len(names), pages)
	}

	var versions int
	for p := c.NewListSecretPropertiesVersionsPager("s00", nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		versions += len(page.Value)
	}
	if versions != 2 {
		t.Fatalf("versions of s00 = %d, want 2", versions)
	}

	_, err = c.GetSecret(ctx, "missing", "", nil)
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.StatusCode != 404 || re.ErrorCode != "SecretNotFound" {
		t.Fatalf("missing secret: %v", err)
	}
	st, _ := e.Stats("demo")
	if st.Challenges != 1 {
		t.Errorf("challenges = %d: azsecrets should need one per client", st.Challenges)
	}
}

func TestTokensAreChecked(t *testing.T) {
	e := start(t, Options{TokenLifetime: time.Second})
	c := sdkClient(t, e)
	if _, err := c.GetSecret(context.Background(), "db-password", "", nil); err != nil {
		t.Fatal(err)
	}
	// A forged token is refused with a fresh challenge.
	pem, _ := os.ReadFile(e.CAFile)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, _ := http.NewRequest(http.MethodGet, e.Vaults["demo"]+"/secrets/db-password/?api-version=7.6", nil)
	req.Header.Set("Authorization", "Bearer eyJhbGciOiJub25lIn0.eyJleHAiOjk5OTk5OTk5OTl9.")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `resource="https://vault.azure.net"`) {
		t.Fatalf("forged token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
}

func TestListenLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "10.0.0.1:0", "[::]:0"} {
		if e, err := Start(Options{Addr: addr}); err == nil {
			e.Close()
			t.Errorf("Start(%q) listened on a non-loopback address", addr)
		}
	}
	e := start(t, Options{Addr: ":0"}) // no host means loopback
	if !strings.HasPrefix(e.Vaults["demo"], "https://127.0.0.1:") {
		t.Errorf("vault URL %s", e.Vaults["demo"])
	}
}

func TestDemoSeedsHoldTheVectors(t *testing.T) {
	shared, err := os.ReadFile(filepath.Join("..", "..", "templates", "testdata", "values.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(shared) != string(vectorsJSON) {
		t.Fatal("vault/emulator/vectors.json differs from templates/testdata/values.json: copy it again")
	}
	seeds := DemoSeeds()
	for _, n := range []string{"db-password", "api-key", "multi-line", "vec-pem", "vec-long-25k"} {
		if _, ok := seeds[n]; !ok {
			t.Errorf("demo set lacks %s", n)
		}
	}
}

func decodeJSON(resp *http.Response, v any) error {
	if resp.StatusCode != 200 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
