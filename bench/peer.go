package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

// The peer to beat: the program a Go developer writes with the SDK alone.
// One azsecrets client with default options (challenge verification off,
// as the emulator's loopback host requires), a managed-identity token,
// the listing first when asked, then the gets 16 at a time; the values
// printed as JSON, as akv export does. It runs as its own process so it
// pays the same start-up as akv.

const peerConcurrency = 16

// msiCredential is a Cloud Shell style managed-identity credential, as
// azidentity's ManagedIdentityCredential is there.
type msiCredential struct {
	endpoint string
	mu       sync.Mutex
	tok      azcore.AccessToken
}

func (c *msiCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok.Token != "" && time.Until(c.tok.ExpiresOn) > 5*time.Minute {
		return c.tok, nil
	}
	resource := strings.TrimSuffix(o.Scopes[0], "/.default")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, strings.NewReader(url.Values{"resource": {resource}}.Encode()))
	if err != nil {
		return azcore.AccessToken{}, err
	}
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
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		return azcore.AccessToken{}, fmt.Errorf("token endpoint: %d %v", resp.StatusCode, err)
	}
	secs, _ := strconv.ParseInt(body.ExpiresOn, 10, 64)
	c.tok = azcore.AccessToken{Token: body.AccessToken, ExpiresOn: time.Unix(secs, 0)}
	return c.tok, nil
}

// peer runs `bench -peer list` (list, then get every secret) or
// `bench -peer get NAME…` against the vault demo of the environment.
func peer(args []string) error {
	var base string
	for _, pair := range strings.Split(os.Getenv("AKV_VAULT_ENDPOINTS"), ",") {
		if k, v, ok := strings.Cut(pair, "="); ok && k == "demo" {
			base = v
		}
	}
	pem, err := os.ReadFile(os.Getenv("AKV_CA_FILE"))
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true,
		MaxIdleConnsPerHost: peerConcurrency}}
	client, err := azsecrets.NewClient(base, &msiCredential{endpoint: os.Getenv("MSI_ENDPOINT")}, &azsecrets.ClientOptions{
		ClientOptions: azcore.ClientOptions{Transport: hc}, DisableChallengeResourceVerification: true})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	names := args[1:]
	if args[0] == "list" {
		pager := client.NewListSecretPropertiesPager(nil)
		for pager.More() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, p := range page.Value {
				names = append(names, p.ID.Name())
			}
		}
	}
	values := make(map[string]string, len(names))
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		firstErr error
	)
	sem := make(chan struct{}, peerConcurrency)
	for _, n := range names {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			resp, err := client.GetSecret(ctx, n, "", nil)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				firstErr = err
				return
			}
			values[n] = *resp.Value
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return json.NewEncoder(os.Stdout).Encode(values)
}
