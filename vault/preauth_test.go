package vault

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/akv-cli/akv/vault/emulator"
)

// A get of one secret from a mapped vault is one Key Vault request: the
// token goes with it, no challenge first.
func TestGetOfOneSecretIsOneRequest(t *testing.T) {
	env := start(t, emulator.Options{})
	got, err := env.client.Get(context.Background(), refs(t, "db-password"))
	if err != nil || got[0].Value != "s3cr3t-Pa55w0rd!" {
		t.Fatalf("Get = %q, %v", got[0].Value, err)
	}
	st, _ := env.emu.Stats("demo")
	if st.Requests != 1 || st.Gets != 1 || st.Challenges != 0 || st.Preauthorized != 1 || st.TokenRequests != 1 {
		t.Fatalf("requests %d, gets %d, challenges %d, pre-authorized %d, token requests %d; want 1, 1, 0, 1, 1",
			st.Requests, st.Gets, st.Challenges, st.Preauthorized, st.TokenRequests)
	}
}

// Which hosts get the token with the first request is Endpoints.Trusted's
// rule (trust_test.go); any other host gets nothing at all
// (TestUnmappedHostGetsNothing).

// tenantCred hands out a token per tenant asked for: "" is the identity's
// home tenant.
type tenantCred struct {
	mu    sync.Mutex
	asked []string // scope@tenant, in order
}

func (c *tenantCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = append(c.asked, strings.Join(o.Scopes, " ")+"@"+o.TenantID)
	tenant := o.TenantID
	if tenant == "" {
		tenant = "home"
	}
	return azcore.AccessToken{Token: "token-for-" + tenant, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// A vault in another tenant answers the pre-authorized token with a 401
// challenge: akv follows the challenge flow and asks for that tenant.
func TestOtherTenantFollowsTheChallenge(t *testing.T) {
	var mu sync.Mutex
	var seen []string // Authorization header of each request
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer token-for-other" {
			w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/other", resource="https://vault.azure.net"`)
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":{"code":"Unauthorized","message":"AKV10032: Invalid issuer."}}`)
			return
		}
		fmt.Fprint(w, `{"value":"v","id":"https://x.vault.azure.net/secrets/x/0123456789abcdef0123456789abcdef","attributes":{"enabled":true}}`)
	}))
	defer srv.Close()
	cred := &tenantCred{}
	c, err := New(Options{Credential: cred, HTTPClient: srv.Client(), Endpoints: Endpoints{Map: map[string]string{"demo": srv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Get(context.Background(), refs(t, "x"))
	if err != nil || got[0].Value != "v" {
		t.Fatalf("Get = %q, %v", got[0].Value, err)
	}
	want := []string{"Bearer token-for-home", "Bearer token-for-other"}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("requests carried %q, want %q", seen, want)
	}
	if last := cred.asked[len(cred.asked)-1]; last != "https://vault.azure.net/.default@other" {
		t.Errorf("token asked for %q after the challenge, want the vault audience in tenant other", last)
	}
}

// echoToken is the token a hostile vault echoes back: it has a "/", which
// some JSON encoders write as "\/", and a "+", which URL escaping changes.
const echoToken = "eyJ0eXAi.canary+c0ffee/TOKEN.sig"

type echoCred struct{}

func (echoCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok := echoToken
	if o.TenantID != "" {
		tok += "-" + o.TenantID // the challenge flow's token is hidden too
	}
	return azcore.AccessToken{Token: tok, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// A vault, or a proxy before it, that echoes the request's Authorization
// header in its error code, inner code, message, headers or challenge:
// akv's error never shows the token, in any spelling. (It showed it in
// the status, "(403 Bearer eyJ…/Bearer eyJ…)", and in a refused
// challenge's resource.)
func TestEchoedTokenIsNotShown(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 409, 429, 500} {
		for _, tenant := range []bool{false, true} {
			t.Run(fmt.Sprint(code, tenant), func(t *testing.T) {
				srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					a := r.Header.Get("Authorization")
					if tenant && !strings.HasSuffix(a, "-other") {
						w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/other", resource="https://vault.azure.net"`)
						w.WriteHeader(401)
						return
					}
					tok := strings.TrimPrefix(a, "Bearer ")
					w.Header().Set("Retry-After", "0")
					w.Header().Set("x-ms-error-code", a)
					if code == 401 {
						w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/t", resource="https://vault.azure.net/`+a+`"`)
					}
					w.WriteHeader(code)
					fmt.Fprintf(w, `{"error":{"code":"%s","message":"you sent %s, %s, %s","innererror":{"code":"%s"}}}`,
						a, strings.ReplaceAll(tok, "/", `\/`), url.QueryEscape(tok), url.PathEscape(tok), tok)
				}))
				defer srv.Close()
				c, err := New(Options{Credential: echoCred{}, HTTPClient: srv.Client(), MaxRetries: 1,
					Endpoints: Endpoints{Map: map[string]string{"demo": srv.URL}}})
				if err != nil {
					t.Fatal(err)
				}
				// 429s retry until the wait no longer fits: the last one is the answer.
				ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
				defer cancel()
				_, err = c.Get(ctx, refs(t, "x"))
				if err == nil || strings.Contains(err.Error(), "timed out") {
					t.Fatalf("got %v, want the vault's answer", err)
				}
				shown := err.Error() + "\n" + hintOf(err)
				for _, part := range []string{"canary", "c0ffee"} {
					if strings.Contains(strings.ToLower(shown), part) {
						t.Errorf("the token's %q part is in the error (not shown here)", part)
					}
				}
			})
		}
	}
}
