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
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// Attacks on the Entra ID credentials by a hostile authority host or OIDC
// issuer (adversarial review of issue 15). Each test names its attack.

// hostileCanary is part of every secret below: it must never appear in an
// error, a hint or a log line, in whatever spelling a server echoes it.
const hostileCanary = "canary7q"

// capture collects what a credential logs (--verbose).
type capture struct {
	mu    sync.Mutex
	lines []string
}

func (c *capture) logf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lines = append(c.lines, fmt.Sprintf(format, args...))
}

func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.lines, "\n")
}

// everything is all a user can see of err: message, hint and logs.
func everything(err error, logs *capture) string {
	if err == nil {
		return "(no error)\n" + logs.String()
	}
	return err.Error() + "\nhint: " + hintOf(err) + "\n" + logs.String()
}

// A server that echoes the form body it received, in every shape an
// answer can take: the client secret travels query-escaped, and a JSON
// encoder escapes it again.
func TestEntraRedactsEchoedSecretSpellings(t *testing.T) {
	const secret = `old+Sp/secret=&"<` + hostileCanary + `>%20~` // pre-2021 portal secrets held + / = and more
	jsonBody := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	tests := []struct {
		name   string
		answer func(body string) (int, string)
	}{
		{"raw 400", func(b string) (int, string) { return 400, "you sent " + b }},
		{"raw 503, retried", func(b string) (int, string) { return 503, "you sent " + b }},
		{"200 without a token", func(b string) (int, string) { return 200, `{"note":"you sent ` + b + `"}` }},
		{"JSON 400", func(b string) (int, string) { return 400, jsonBody(map[string]string{"message": "you sent " + b}) }},
		{"JSON 400, decoded secret", func(string) (int, string) { return 400, jsonBody(map[string]string{"message": "you sent " + secret}) }},
		{"AADSTS, unknown code", func(b string) (int, string) {
			return 400, jsonBody(map[string]any{"error": "invalid_client " + secret, "error_description": "AADSTS12345: you sent " + b,
				"error_codes": []int{12345}, "trace_id": secret, "correlation_id": url.QueryEscape(secret)})
		}},
		{"AADSTS, raw secret in the description", func(string) (int, string) {
			return 400, jsonBody(map[string]any{"error": "invalid_client", "error_description": "AADSTS12345: you sent " + secret, "error_codes": []int{12345}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				code, body := tt.answer(string(b))
				w.WriteHeader(code)
				io.WriteString(w, body)
			}))
			defer srv.Close()
			logs := &capture{}
			c, err := NewClientSecret(secret, &EntraOptions{AuthorityHost: srv.URL, TenantID: tenantID, ClientID: clientID,
				Transport: srv.Client().Transport, Log: logs.logf, RetryDelay: time.Millisecond, MaxAttempts: 2})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetToken(context.Background(), vaultScope)
			if err == nil {
				t.Fatal("no error")
			}
			if all := everything(err, logs); strings.Contains(all, hostileCanary) {
				t.Errorf("the client secret leaked:\n%s", all)
			}
		})
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

// A request URL with a fragment still sends the audience in the query.
func TestGitHubAudienceNotInFragment(t *testing.T) {
	f := newFakeEntra(t)
	var aud string
	f.oidc = func(r *http.Request) (int, string) {
		aud = r.URL.Query().Get("audience")
		return 200, fmt.Sprintf(`{"value":%q}`, jwt(fedClaims("repo:o/r:ref:refs/heads/main", time.Now().Add(5*time.Minute))))
	}
	g, err := NewGitHubActions(f.srv.URL+"/oidc/idtoken?api-version=2.0#frag", "req", f.opts(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.GetToken(context.Background(), vaultScope); err != nil {
		t.Fatal(err)
	}
	if aud != federatedAudience {
		t.Fatalf("audience %q", aud)
	}
}

// A certificate path that is not a certificate-sized file (a device, a
// huge file) is refused without reading it all.
func TestClientCertificateBoundedRead(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.pfx")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(64 << 20) // sparse: no disk used
	f.Close()
	_, err = NewClientCertificate(p, "", false, &EntraOptions{TenantID: tenantID, ClientID: clientID})
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("64 MiB certificate file: %v", err)
	}
	assertKind(t, err, KindUsage)
}

// A token file path with terminal controls (it is printed in errors).
func TestWorkloadTokenFileErrorInert(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tok\x1b[2J")
	w, err := NewWorkloadIdentity(p, &EntraOptions{TenantID: tenantID, ClientID: clientID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.GetToken(context.Background(), vaultScope)
	if err == nil || strings.Contains(err.Error(), "\x1b") {
		t.Fatalf("%q", err)
	}
}

// A CI job that set a client secret (or a token file) but forgot an id
// gets told which, not "not in Azure Cloud Shell" with advice about az.
func TestAutoNamesHalfConfiguredMode(t *testing.T) {
	noAz := func(string) (string, error) { return "", os.ErrNotExist }
	tests := []struct {
		env       map[string]string
		clientID  string
		want, not string
	}{
		{map[string]string{"AZURE_CLIENT_SECRET": "s"}, clientID, "AZURE_CLIENT_SECRET is set without AZURE_TENANT_ID: set AZURE_TENANT_ID too (--auth serviceprincipal)", "label the pod"},
		{map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": "/c.pem", "AZURE_TENANT_ID": tenantID}, "", "AZURE_CLIENT_CERTIFICATE_PATH is set without AZURE_CLIENT_ID", ""},
		{map[string]string{"AZURE_FEDERATED_TOKEN_FILE": "/t", "AZURE_CLIENT_ID": clientID}, clientID, "AZURE_FEDERATED_TOKEN_FILE is set without AZURE_TENANT_ID: set AZURE_TENANT_ID too (--auth workload)", ""},
		{map[string]string{"AZURESUBSCRIPTION_CLIENT_ID": clientID, "AZURESUBSCRIPTION_TENANT_ID": tenantID}, "", "--auth azurepipelines", ""},
	}
	for _, tt := range tests {
		logs := &capture{}
		_, err := Select(SelectOptions{Getenv: func(k string) string { return tt.env[k] }, ClientID: tt.clientID, LookPath: noAz,
			DMIDir: t.TempDir(), Log: logs.logf})
		if err == nil || !strings.Contains(hintOf(err), tt.want) || !strings.Contains(logs.String(), tt.want) {
			t.Errorf("%v: %v (hint %q, log %q)", tt.env, err, hintOf(err), logs)
		}
		if tt.not != "" && strings.Contains(hintOf(err), tt.not) {
			t.Errorf("%v: hint %q", tt.env, hintOf(err))
		}
	}
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
