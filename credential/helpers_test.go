package credential

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

const testToken = "eyJ0eXAiOiJKV1QifQ.eyJzZWNyZXQiOiJ0b2tlbi1jYW5hcnkifQ.c2ln"

var vaultScope = policy.TokenRequestOptions{Scopes: []string{"https://vault.azure.net/.default"}}

// fakeMSI answers with the handlers in order; the last one repeats.
type fakeMSI struct {
	t        *testing.T
	handlers []http.HandlerFunc
	calls    atomic.Int32
	srv      *httptest.Server
}

func newFakeMSI(t *testing.T, hs ...http.HandlerFunc) *fakeMSI {
	f := &fakeMSI{t: t, handlers: hs}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(f.calls.Add(1)) - 1
		f.handlers[min(n, len(f.handlers)-1)](w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeMSI) cred(t *testing.T, now func() time.Time) *CloudShell {
	t.Helper()
	c, err := NewCloudShell(&IdentityOptions{Endpoint: f.srv.URL + "/oauth2/token", Now: now, RetryDelay: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func okToken(token string, expiresOn time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"access_token":%q,"refresh_token":"","expires_in":"3599","expires_on":"%d","not_before":"0","resource":"https://vault.azure.net","token_type":"Bearer"}`,
			token, expiresOn.Unix())
	}
}

func status(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

func assertKind(t *testing.T, err error, kind Kind) {
	t.Helper()
	var ce *Error
	if !errors.As(err, &ce) || ce.Kind != kind {
		t.Errorf("error %v: kind is not %q", err, kind)
	}
}

const (
	tenantID = "72f988bf-0000-4000-8000-00000000a4e1"
	clientID = "0bd1b0b2-0000-4000-8000-00000000c1d0"
)

// fakeEntra is an HTTPS Entra ID and OIDC issuer: each handler records
// what it was sent; a request to any other path fails the test.
type fakeEntra struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	forms    []url.Values
	platform []*http.Request
	answer   func(form url.Values) (int, string) // nil: a token
	oidc     func(r *http.Request) (int, string)
}

func newFakeEntra(t *testing.T) *fakeEntra {
	f := &fakeEntra{t: t}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeEntra) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.URL.Path == "/"+tenantID+"/oauth2/v2.0/token" && r.Method == http.MethodPost:
		r.ParseForm()
		f.forms = append(f.forms, r.PostForm)
		code, body := 200, fmt.Sprintf(`{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJhY2Nlc3M.%d.sig"}`, len(f.forms))
		if f.answer != nil {
			code, body = f.answer(r.PostForm)
		}
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	case strings.HasPrefix(r.URL.Path, "/oidc") && f.oidc != nil:
		f.platform = append(f.platform, r)
		code, body := f.oidc(r)
		w.Header().Set("x-vss-e2eid", "e2e-123")
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	default:
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusTeapot)
	}
}

func (f *fakeEntra) opts(now func() time.Time) *EntraOptions {
	return &EntraOptions{AuthorityHost: f.srv.URL + "/", TenantID: tenantID, ClientID: clientID,
		Transport: f.srv.Client().Transport, Now: now, RetryDelay: time.Millisecond}
}

func (f *fakeEntra) lastForm() url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.forms[len(f.forms)-1]
}

// jwt makes an unsigned-looking assertion with the given claims.
func jwt(claims map[string]any) string {
	p, _ := json.Marshal(claims)
	return "eyJhbGciOiJSUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(p) + ".c2ln"
}

func fedClaims(sub string, exp time.Time) map[string]any {
	return map[string]any{"iss": "https://issuer.example", "sub": sub, "aud": "api://AzureADTokenExchange", "exp": exp.Unix()}
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

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

func fast(endpoint string) *IdentityOptions {
	return &IdentityOptions{Endpoint: endpoint, RetryDelay: time.Millisecond}
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

type failing struct{ err error }

func (f failing) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, f.err
}

type fixed struct{ calls *int }

func (f fixed) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	*f.calls++
	return azcore.AccessToken{Token: testToken, ExpiresOn: time.Now().Add(time.Hour)}, nil
}
