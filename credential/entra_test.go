package credential

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// Attacks on the Entra ID credentials by a hostile authority host or OIDC
// issuer (adversarial review of issue 15) stand here and in each
// credential's own test file. Each test names its attack.

func TestEntraErrorsTranslated(t *testing.T) {
	const secret = "sp-secret-canary-7f3a"
	assertion := jwt(map[string]any{"iss": "https://token.actions.githubusercontent.com", "sub": "repo:o/r:ref:refs/heads/x\x1b[2J",
		"aud": "api://AzureADTokenExchange", "exp": time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Unix()})
	tests := []struct {
		code       int
		status     int
		secret     bool
		want, hint string
	}{
		{700016, 400, true, `no application with client id "` + clientID + `" in tenant`, "AZURE_CLIENT_ID and AZURE_TENANT_ID"},
		{70021, 400, false, `issuer 'https://token.actions.githubusercontent.com', subject 'repo:o/r:ref:refs/heads/x\x1b[2J', audience 'api://AzureADTokenExchange'`, "federated credential"},
		{700213, 400, false, `subject 'repo:o/r:ref:refs/heads/x\x1b[2J'`, "federated credential"},
		{700024, 400, false, "expires 2026-01-02T03:04:05Z", "clock"},
		{7000215, 401, true, "invalid client secret", "Value (not its Secret ID)"},
		{50027, 400, false, "not a valid JWT", "unmodified"},
		{7000272, 401, false, "published keys", "issuer"},
		{90002, 400, true, "tenant", "AZURE_TENANT_ID"},
		{12345, 400, true, "Entra ID refused the token request (invalid_client): AADSTS12345: Something", ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			f := newFakeEntra(t)
			f.answer = func(url.Values) (int, string) {
				// Entra never echoes credentials; a hostile one might.
				desc := fmt.Sprintf("AADSTS%d: Something %s %s. Trace ID: abc\r\nCorrelation ID: def", tt.code, secret, assertion)
				b, _ := json.Marshal(map[string]any{"error": "invalid_client", "error_description": desc, "error_codes": []int{tt.code},
					"trace_id": "trace-1", "correlation_id": "corr-1"})
				return tt.status, string(b)
			}
			var err error
			if tt.secret {
				c, _ := NewClientSecret(secret, f.opts(nil))
				_, err = c.GetToken(context.Background(), vaultScope)
			} else {
				p := filepath.Join(t.TempDir(), "token")
				os.WriteFile(p, []byte(assertion), 0o600)
				c, _ := NewWorkloadIdentity(p, f.opts(nil))
				c.ent.hints = nil // the generic advice is under test
				_, err = c.GetToken(context.Background(), vaultScope)
			}
			if err == nil {
				t.Fatal("no error")
			}
			full := err.Error() + "\n" + hintOf(err)
			if !strings.Contains(full, tt.want) || !strings.Contains(hintOf(err), tt.hint) {
				t.Errorf("got %q", full)
			}
			if strings.Contains(full, secret) || strings.Contains(full, assertion) || strings.Contains(full, "\x1b") {
				t.Errorf("a credential or a control character leaked: %q", full)
			}
			if !strings.Contains(full, "trace ID trace-1") {
				t.Errorf("no trace id: %q", full)
			}
			assertKind(t, err, KindAuth)
			if len(f.forms) != 1 {
				t.Errorf("a refusal was retried: %d requests", len(f.forms))
			}
		})
	}
}

func TestEntraRetriesTransientAndStopsChain(t *testing.T) {
	f := newFakeEntra(t)
	calls := 0
	f.answer = func(url.Values) (int, string) {
		calls++
		if calls < 3 {
			return 503, "busy"
		}
		return 200, `{"token_type":"Bearer","expires_in":"3599","access_token":"eyJok.x.y"}`
	}
	c, _ := NewClientSecret("s3cr3t-value", f.opts(nil))
	tok, err := c.GetToken(context.Background(), vaultScope)
	if err != nil || tok.Token != "eyJok.x.y" || calls != 3 || time.Until(tok.ExpiresOn) < 59*time.Minute {
		t.Fatalf("token %v err %v after %d calls", tok, err, calls)
	}
	// A refusal stops an auto chain: the next candidate is not asked.
	f.answer = func(url.Values) (int, string) {
		return 401, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]}`
	}
	c2, _ := NewClientSecret("wrong", f.opts(nil))
	next := 0
	ch := NewChain([]Candidate{{Name: "serviceprincipal", Credential: c2}, {Name: "azcli", Credential: fixed{&next}}})
	if _, err := ch.GetToken(context.Background(), vaultScope); err == nil || next != 0 || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Fatalf("chain: %v, next asked %d times", err, next)
	}
}

func TestEntraRefusesPlainHTTPAndRedirects(t *testing.T) {
	if _, err := NewClientSecret("s", &EntraOptions{AuthorityHost: "http://login.example", TenantID: tenantID, ClientID: clientID}); err == nil {
		t.Fatal("http authority accepted")
	} else {
		assertKind(t, err, KindUsage)
	}
	if _, err := NewClientSecret("s", &EntraOptions{TenantID: "../evil", ClientID: clientID}); err == nil {
		t.Fatal("a tenant with a path accepted")
	}
	if _, err := NewGitHubActions("http://127.0.0.1:1/x?api-version=2.0", "t", &EntraOptions{TenantID: tenantID, ClientID: clientID}); err == nil {
		t.Fatal("http GitHub request URL accepted")
	}
	elsewhere := 0
	other := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere++ }))
	defer other.Close()
	f := newFakeEntra(t)
	f.answer = func(url.Values) (int, string) { return 0, "" }
	redirect := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	o := f.opts(nil)
	o.AuthorityHost = redirect.URL
	c, _ := NewClientSecret("s3cr3t", o)
	if _, err := c.GetToken(context.Background(), vaultScope); err == nil || elsewhere != 0 {
		t.Fatalf("redirect: err %v, other host asked %d times", err, elsewhere)
	}
}

func TestCloudAuthority(t *testing.T) {
	for suffix, want := range map[string]string{"vault.azure.net": AuthorityPublic, "vault.azure.cn": AuthorityChina, "vault.usgovcloudapi.net": AuthorityUSGov} {
		if got := CloudAuthority(suffix); got != want {
			t.Errorf("%s: %s", suffix, got)
		}
	}
	c, _ := NewClientSecret("s", &EntraOptions{AuthorityHost: AuthorityChina + "/", TenantID: tenantID, ClientID: clientID})
	if c.ent.tokenURL != "https://login.chinacloudapi.cn/"+tenantID+"/oauth2/v2.0/token" {
		t.Fatal(c.ent.tokenURL)
	}
}

// An OIDC issuer that echoes the request token (ACTIONS_ID_TOKEN_REQUEST_TOKEN,
// SYSTEM_ACCESSTOKEN) back: refused, retried, or as JSON.
func TestPlatformErrorsRedactRequestToken(t *testing.T) {
	const reqToken = "req-" + hostileCanary + "-0123456789" // not JWT-shaped: only redaction can hide it
	for _, status := range []int{401, 503, 400} {
		for _, platform := range []string{"github", "azurepipelines"} {
			t.Run(fmt.Sprint(platform, status), func(t *testing.T) {
				srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.WriteHeader(status)
					if status == 400 {
						json.NewEncoder(w).Encode(map[string]string{"message": "you sent " + r.Header.Get("Authorization")})
						return
					}
					io.WriteString(w, "you sent "+r.Header.Get("Authorization"))
				}))
				defer srv.Close()
				logs := &capture{}
				o := &EntraOptions{AuthorityHost: srv.URL, TenantID: tenantID, ClientID: clientID,
					Transport: srv.Client().Transport, Log: logs.logf, RetryDelay: time.Millisecond, MaxAttempts: 2}
				var err error
				if platform == "github" {
					g, e := NewGitHubActions(srv.URL+"/oidc?api-version=2.0", reqToken, o)
					if e != nil {
						t.Fatal(e)
					}
					_, err = g.GetToken(context.Background(), vaultScope)
				} else {
					a, e := NewAzurePipelines(srv.URL+"/oidc", reqToken, "sc-id", o)
					if e != nil {
						t.Fatal(e)
					}
					_, err = a.GetToken(context.Background(), vaultScope)
				}
				if err == nil {
					t.Fatal("no error")
				}
				if all := everything(err, logs); strings.Contains(all, hostileCanary) {
					t.Errorf("the request token leaked:\n%s", all)
				}
			})
		}
	}
}

// Terminal controls a plain (non-JSON) error body may carry: C1 CSI
// (U+009B, which UTF-8 terminals honour like ESC [) and the bidi
// overrides; C0 controls were already neutralised.
func TestEntraErrorBodiesInert(t *testing.T) {
	const body = "<html>\u009b2J\x1b[31m \u202eRLO\u2066</html>"
	for _, status := range []int{400, 503} {
		for _, platform := range []string{"entra", "github", "azurepipelines"} {
			t.Run(fmt.Sprint(platform, status), func(t *testing.T) {
				srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.WriteHeader(status)
					io.WriteString(w, body)
				}))
				defer srv.Close()
				logs := &capture{}
				o := &EntraOptions{AuthorityHost: srv.URL, TenantID: tenantID, ClientID: clientID,
					Transport: srv.Client().Transport, Log: logs.logf, RetryDelay: time.Millisecond, MaxAttempts: 2}
				var cred azcore.TokenCredential
				switch platform {
				case "entra":
					c, _ := NewClientSecret("s3cr3t", o)
					cred = c
				case "github":
					c, _ := NewGitHubActions(srv.URL+"/oidc?api-version=2.0", "req", o)
					cred = c
				default:
					c, _ := NewAzurePipelines(srv.URL+"/oidc", "req", "sc", o)
					cred = c
				}
				_, err := cred.GetToken(context.Background(), vaultScope)
				all := everything(err, logs)
				if err == nil || strings.ContainsAny(all, "\u009b\u202e\u2066\x1b") {
					t.Errorf("terminal controls reached the output: %q", all)
				}
			})
		}
	}
}

// An access token with control characters or spaces is not a bearer
// token: akv token would print it to a terminal, and it would break the
// Authorization header.
func TestEntraRefusesMalformedAccessToken(t *testing.T) {
	for _, tok := range []string{"evil\x1b]0;pwn\x07", "tok en", "tok\r\nX-Injected: 1", "tok\u202e"} {
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "expires_in": 3600})
		}))
		c, _ := NewClientSecret("s3cr3t", &EntraOptions{AuthorityHost: srv.URL, TenantID: tenantID, ClientID: clientID, Transport: srv.Client().Transport})
		got, err := c.GetToken(context.Background(), vaultScope)
		srv.Close()
		if err == nil || got.Token != "" {
			t.Errorf("%q accepted", tok)
			continue
		}
		if strings.Contains(err.Error(), tok) {
			t.Errorf("the token is in the error: %q", err)
		}
		assertKind(t, err, KindAuth)
	}
}

// The tenant goes into the URL path: dot segments would climb out of it
// (https://login.microsoftonline.com/../oauth2/v2.0/token).
func TestTenantRefusesDotSegments(t *testing.T) {
	for _, tenant := range []string{".", "..", ".contoso", "contoso..com", "contoso."} {
		if _, err := NewClientSecret("s", &EntraOptions{TenantID: tenant, ClientID: clientID}); err == nil {
			t.Errorf("tenant %q accepted", tenant)
		} else {
			assertKind(t, err, KindUsage)
		}
	}
	for _, tenant := range []string{tenantID, "contoso.onmicrosoft.com", "organizations"} {
		if _, err := NewClientSecret("s", &EntraOptions{TenantID: tenant, ClientID: clientID}); err != nil {
			t.Errorf("tenant %q refused: %v", tenant, err)
		}
	}
}

// A certificate akv cannot verify does not become valid by retrying: one
// connection, and a hint about the CA.
func TestEntraCertificateErrorIsFinal(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake failures are the point
	srv.StartTLS()
	defer srv.Close()
	for _, platform := range []string{"entra", "github"} {
		conns.Store(0)
		o := &EntraOptions{AuthorityHost: srv.URL, TenantID: tenantID, ClientID: clientID, RetryDelay: time.Millisecond} // system roots only
		var err error
		if platform == "entra" {
			c, _ := NewClientSecret("s3cr3t", o)
			_, err = c.GetToken(context.Background(), vaultScope)
		} else {
			g, _ := NewGitHubActions(srv.URL+"/oidc?api-version=2.0", "req", o)
			_, err = g.GetToken(context.Background(), vaultScope)
		}
		if err == nil || conns.Load() != 1 || !strings.Contains(err.Error(), "certificate") || !strings.Contains(hintOf(err), "AKV_CA_FILE") {
			t.Errorf("%s: %d connections, err %v, hint %q", platform, conns.Load(), err, hintOf(err))
		}
	}
}

// Retry-After: 86400 is not worth sleeping the rest of the deadline for:
// akv says what Entra ID asked for at once.
func TestEntraRetryAfterPastDeadline(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "86400")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c, _ := NewClientSecret("s3cr3t", &EntraOptions{AuthorityHost: srv.URL, TenantID: tenantID, ClientID: clientID,
		Transport: srv.Client().Transport, RetryDelay: time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	_, err := c.GetToken(ctx, vaultScope)
	if err == nil || calls.Load() != 1 || !strings.Contains(err.Error(), "Retry-After") || !strings.Contains(err.Error(), "24h0m0s") {
		t.Fatalf("%d requests, err %v", calls.Load(), err)
	}
	assertKind(t, err, KindAuth)
}

// A token that has expired already (expires_on in the past, or an
// expires_in that overflows time.Duration) would be exchanged again for
// every request: refused once, with the clock to check.
func TestEntraRefusesExpiredToken(t *testing.T) {
	for body, want := range map[string]string{
		fmt.Sprintf(`{"access_token":"eyJ.x.y","expires_on":%d}`, time.Now().Add(-time.Hour).Unix()): "expired already",
		// An expires_in past a century is a malformed answer (expiry.go) before it can overflow.
		`{"access_token":"eyJ.x.y","expires_in":9223372036854775807}`: "cannot parse expires_in",
	} {
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }))
		c, _ := NewClientSecret("s3cr3t", &EntraOptions{AuthorityHost: srv.URL, TenantID: tenantID, ClientID: clientID, Transport: srv.Client().Transport})
		tok, err := c.GetToken(context.Background(), vaultScope)
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), want) || want == "expired already" && !strings.Contains(hintOf(err), "clock") {
			t.Errorf("%s: token %v, err %v", body, tok.ExpiresOn, err)
		}
	}
}
