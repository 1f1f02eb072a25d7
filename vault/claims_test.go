package vault

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// caeVault answers the first authenticated read with a claims challenge
// (Continuous Access Evaluation), then with the secret.
type caeVault struct {
	mu       sync.Mutex
	authed   int
	caeReply string
}

func (v *caeVault) RoundTrip(r *http.Request) (*http.Response, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	resp := &http.Response{StatusCode: 200, Header: http.Header{}, Request: r, ContentLength: -1}
	switch {
	case r.Header.Get("Authorization") == "":
		resp.StatusCode = 401
		resp.Header.Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/t", resource="https://vault.azure.net"`)
		resp.Body = io.NopCloser(strings.NewReader(`{"error":{"code":"Unauthorized"}}`))
	case v.authed == 0:
		v.authed++
		resp.StatusCode = 401
		resp.Header.Set("WWW-Authenticate", v.caeReply)
		resp.Body = io.NopCloser(strings.NewReader(`{"error":{"code":"Unauthorized"}}`))
	default:
		v.authed++
		resp.Body = io.NopCloser(strings.NewReader(`{"value":"v","id":"https://x.vault.azure.net/secrets/s/0123456789abcdef0123456789abcdef"}`))
	}
	return resp, nil
}

type claimsCred struct {
	mu     sync.Mutex
	claims []string
}

func (c *claimsCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.claims = append(c.claims, o.Claims)
	return azcore.AccessToken{Token: "tok", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// Issue 11 points 4 and 5: a claims challenge is azcore's to answer only
// when it carries claims; one without is a malformed challenge, never a
// way around the challenge's verification (nor a panic in azsecrets).
func TestClaimsChallenge(t *testing.T) {
	for _, tt := range []struct {
		name, challenge string
		wantErr         string
	}{
		{"cae", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnt9fQ=="`, ""},
		{"no claims", `Bearer error="insufficient_claims", authorization="https:", resource="https://vault.azure.net"`, "vault x sent a malformed challenge (a claims challenge without claims)"},
		{"foreign resource", `Bearer error="insufficient_claims", claims="e30=", resource="https://management.azure.com"`, "not the Key Vault audience"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cred := &claimsCred{}
			c, err := New(Options{Credential: cred, HTTPClient: &http.Client{Transport: &caeVault{caeReply: tt.challenge}}, MaxRetries: -1,
				Endpoints: Endpoints{Map: map[string]string{"x": "https://x.vault.azure.net"}}})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Get(context.Background(), []Ref{{Vault: "x", Name: "s"}})
			if tt.wantErr == "" {
				if err != nil || got[0].Value != "v" {
					t.Fatalf("got %+v, %v", got, err)
				}
				if len(cred.claims) != 2 || cred.claims[1] != `{"access_token":{}}` {
					t.Fatalf("token requests' claims = %q, want a second one with the challenge's", cred.claims)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || KindOf(err) != KindNetwork {
				t.Fatalf("err = %v (kind %s), want %q", err, KindOf(err), tt.wantErr)
			}
		})
	}
}
