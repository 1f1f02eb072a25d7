package credential

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

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

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestWorkloadIdentityRereadsRotatedFile(t *testing.T) {
	f := newFakeEntra(t)
	clk := &clock{t: time.Now()}
	dir := t.TempDir()
	// The kubelet's layout: token → ..data/token, ..data → a timestamped dir.
	rotate := func(gen int) string {
		d := filepath.Join(dir, fmt.Sprintf("..gen%d", gen))
		os.Mkdir(d, 0o755)
		tok := jwt(fedClaims(fmt.Sprintf("system:serviceaccount:default:gen%d", gen), clk.now().Add(time.Hour)))
		os.WriteFile(filepath.Join(d, "token"), []byte(tok+"\n"), 0o644)
		os.Remove(filepath.Join(dir, "..data.tmp"))
		os.Symlink(filepath.Base(d), filepath.Join(dir, "..data.tmp"))
		os.Rename(filepath.Join(dir, "..data.tmp"), filepath.Join(dir, "..data"))
		return tok
	}
	first := rotate(1)
	os.Symlink("..data/token", filepath.Join(dir, "token"))
	w, err := NewWorkloadIdentity(filepath.Join(dir, "token"), f.opts(clk.now))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.GetToken(context.Background(), vaultScope); err != nil {
		t.Fatal(err)
	}
	form := f.lastForm()
	if form.Get("client_assertion") != first || form.Get("client_assertion_type") != jwtBearer ||
		form.Get("grant_type") != "client_credentials" || form.Get("client_id") != clientID ||
		form.Get("scope") != "https://vault.azure.net/.default" || form.Has("client_secret") {
		t.Fatalf("form %v", form)
	}
	second := rotate(2)
	clk.add(2 * time.Hour) // the access token expired: the next call exchanges again
	if _, err := w.GetToken(context.Background(), vaultScope); err != nil {
		t.Fatal(err)
	}
	if got := f.lastForm().Get("client_assertion"); got != second {
		t.Fatalf("second exchange sent the old assertion (file not re-read)")
	}
	if len(f.forms) != 2 {
		t.Fatalf("%d exchanges, want 2", len(f.forms))
	}
}

func TestGitHubFreshTokenPerExchange(t *testing.T) {
	f := newFakeEntra(t)
	clk := &clock{t: time.Now()}
	n := 0
	f.oidc = func(r *http.Request) (int, string) {
		n++
		if r.Method != http.MethodGet || r.URL.Query().Get("api-version") != "2.0" ||
			r.URL.Query().Get("audience") != "api://AzureADTokenExchange" || r.Header.Get("Authorization") != "bearer req-token" {
			t.Errorf("GitHub request %s %s %v", r.Method, r.URL, r.Header)
		}
		return 200, fmt.Sprintf(`{"value":%q}`, jwt(fedClaims(fmt.Sprintf("repo:o/r:ref:refs/heads/main#%d", n), clk.now().Add(5*time.Minute))))
	}
	g, err := NewGitHubActions(f.srv.URL+"/oidc/idtoken?api-version=2.0", "req-token", f.opts(clk.now))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		if _, err := g.GetToken(context.Background(), vaultScope); err != nil {
			t.Fatal(err)
		}
		if sub := peekClaims(f.lastForm().Get("client_assertion")).Sub; sub != fmt.Sprintf("repo:o/r:ref:refs/heads/main#%d", i) {
			t.Fatalf("exchange %d sent %s", i, sub)
		}
		clk.add(2 * time.Hour)
	}
	// An answer without a token, and a 403: clear errors, exit 3 kinds.
	f.oidc = func(*http.Request) (int, string) { return 200, `{"value":""}` }
	clk.add(2 * time.Hour)
	if _, err := g.GetToken(context.Background(), vaultScope); err == nil || !strings.Contains(err.Error(), "sent no token") {
		t.Fatalf("empty value: %v", err)
	}
	f.oidc = func(*http.Request) (int, string) { return 403, `{"message":"denied"}` }
	clk.add(time.Minute) // a final refusal is remembered for 30 s (no request storms)
	_, err = g.GetToken(context.Background(), vaultScope)
	if err == nil || !strings.Contains(hintOf(err), "id-token: write") {
		t.Fatalf("403: %v (hint %q)", err, hintOf(err))
	}
	assertKind(t, err, KindAuth)
}

func TestAzurePipelinesRequest(t *testing.T) {
	f := newFakeEntra(t)
	f.oidc = func(r *http.Request) (int, string) {
		if r.Method != http.MethodPost || r.URL.RawQuery != "api-version=7.1&serviceConnectionId=sc-id" ||
			r.Header.Get("Authorization") != "Bearer sys-token" || r.Header.Get("X-TFS-FedAuthRedirect") != "Suppress" || r.ContentLength > 0 {
			t.Errorf("pipelines request %s %s %v", r.Method, r.URL, r.Header)
		}
		return 200, fmt.Sprintf(`{"oidcToken":%q}`, jwt(fedClaims("sc://org/proj/conn", time.Now().Add(time.Hour))))
	}
	a, err := NewAzurePipelines(f.srv.URL+"/oidc/hubs/build/plans/p/jobs/j/oidctoken", "sys-token", "sc-id", f.opts(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetToken(context.Background(), vaultScope); err != nil {
		t.Fatal(err)
	}
	if peekClaims(f.lastForm().Get("client_assertion")).Sub != "sc://org/proj/conn" {
		t.Fatal("assertion not sent")
	}
	// A redirect to a sign-in page is not followed; the debugging headers
	// are named.
	f.oidc = func(*http.Request) (int, string) { return 401, "" }
	a2, _ := NewAzurePipelines(f.srv.URL+"/oidc/x", "sys-token", "sc-id", f.opts(nil))
	_, err = a2.GetToken(context.Background(), vaultScope)
	if err == nil || !strings.Contains(err.Error(), "x-vss-e2eid: e2e-123") || !strings.Contains(hintOf(err), "SYSTEM_ACCESSTOKEN") {
		t.Fatalf("401: %v (hint %q)", err, hintOf(err))
	}
}

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

// testCert makes an RSA key and a self-signed certificate for it.
func testCert(t *testing.T) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "akv-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return key, cert
}

func TestClientCertificateAssertion(t *testing.T) {
	key, cert := testCert(t)
	dir := t.TempDir()
	pemFile := filepath.Join(dir, "sp.pem")
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	os.WriteFile(pemFile, append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})...), 0o600)
	const password = "pfx-pass-canary"
	pfx, err := pkcs12.Modern.Encode(key, cert, nil, password)
	if err != nil {
		t.Fatal(err)
	}
	pfxFile := filepath.Join(dir, "sp.pfx")
	os.WriteFile(pfxFile, pfx, 0o600)

	for _, tc := range []struct{ name, path, password string }{{"pem", pemFile, ""}, {"pfx", pfxFile, password}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeEntra(t)
			c, err := NewClientCertificate(tc.path, tc.password, true, f.opts(nil))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.GetToken(context.Background(), vaultScope); err != nil {
				t.Fatal(err)
			}
			a := f.lastForm().Get("client_assertion")
			parts := strings.Split(a, ".")
			var head struct {
				Alg, Typ, X5t string
				X5c           []string
			}
			h, _ := base64.RawURLEncoding.DecodeString(parts[0])
			json.Unmarshal(h, &head)
			thumb := sha1.Sum(cert.Raw)
			if head.Alg != "RS256" || head.Typ != "JWT" || head.X5t != base64.RawURLEncoding.EncodeToString(thumb[:]) || len(head.X5c) != 1 {
				t.Errorf("header %s", h)
			}
			var cl map[string]any
			p, _ := base64.RawURLEncoding.DecodeString(parts[1])
			json.Unmarshal(p, &cl)
			now := float64(time.Now().Unix())
			if cl["aud"] != f.srv.URL+"/"+tenantID+"/oauth2/v2.0/token" || cl["iss"] != clientID || cl["sub"] != clientID ||
				cl["jti"] == "" || cl["exp"].(float64)-cl["nbf"].(float64) > 600 || cl["iat"].(float64) > now+1 {
				t.Errorf("claims %s", p)
			}
			sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
			sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
			if err := rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum[:], sig); err != nil {
				t.Errorf("signature: %v", err)
			}
		})
	}
	// A wrong PFX password: exit 2, the password never printed.
	_, err = NewClientCertificate(pfxFile, "wrong-"+password, false, &EntraOptions{TenantID: tenantID, ClientID: clientID})
	if err == nil || strings.Contains(err.Error(), password) || !strings.Contains(hintOf(err), "AZURE_CLIENT_CERTIFICATE_PASSWORD") {
		t.Fatalf("wrong password: %v", err)
	}
	assertKind(t, err, KindUsage)
	// A file with no key: exit 2.
	certOnly := filepath.Join(dir, "cert.pem")
	os.WriteFile(certOnly, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600)
	if _, err := NewClientCertificate(certOnly, "", false, &EntraOptions{TenantID: tenantID, ClientID: clientID}); err == nil || !strings.Contains(err.Error(), "no private key") {
		t.Fatalf("no key: %v", err)
	}
}

func TestAutoOrderWithEntra(t *testing.T) {
	f := newFakeEntra(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte(jwt(fedClaims("s", time.Now().Add(time.Hour)))), 0o600)
	base := map[string]string{"AZURE_TENANT_ID": tenantID, "AZURE_AUTHORITY_HOST": f.srv.URL + "/"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	gh := []string{"ACTIONS_ID_TOKEN_REQUEST_URL", f.srv.URL + "/oidc?api-version=2.0", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "t"}
	tests := []struct {
		env  map[string]string
		want string
	}{
		{with(append(gh, "AZURE_CLIENT_SECRET", "s", "AZURE_FEDERATED_TOKEN_FILE", tokenFile, "MSI_ENDPOINT", "http://127.0.0.1:1/t")...), "workload,serviceprincipal,github,cloudshell"},
		{with(append(gh, "AZURE_CLIENT_SECRET", "s")...), "serviceprincipal,github"},
		{with(gh...), "github"},
		{with("SYSTEM_OIDCREQUESTURI", f.srv.URL+"/oidc", "SYSTEM_ACCESSTOKEN", "x", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", "sc",
			"AZURESUBSCRIPTION_CLIENT_ID", clientID, "AZURESUBSCRIPTION_TENANT_ID", tenantID), "azurepipelines"},
	}
	noAz := func(string) (string, error) { return "", os.ErrNotExist }
	for _, tt := range tests {
		s, err := Select(SelectOptions{Getenv: func(k string) string { return tt.env[k] }, ClientID: clientID, LookPath: noAz, DMIDir: t.TempDir()})
		if err != nil {
			t.Fatalf("%v: %v", tt.env, err)
		}
		var names []string
		for _, c := range s.Credential.(*Chain).candidates {
			names = append(names, c.Name)
		}
		if got := strings.Join(names, ","); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
	// A GitHub job that forgot id-token: write is told so.
	_, err := Select(SelectOptions{Getenv: func(k string) string {
		return map[string]string{"GITHUB_ACTIONS": "true", "AZURE_TENANT_ID": tenantID}[k]
	},
		ClientID: clientID, LookPath: noAz, DMIDir: t.TempDir()})
	if err == nil || !strings.HasPrefix(err.Error(), "not in Azure Cloud Shell") || !strings.Contains(hintOf(err), "id-token: write") {
		t.Fatalf("no id-token: %v (hint %q)", err, hintOf(err))
	}
	// Named modes say what is missing.
	_, err = Select(SelectOptions{Mode: "workload", Getenv: func(string) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), "AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, AZURE_TENANT_ID not set") {
		t.Fatalf("workload: %v", err)
	}
	assertKind(t, err, KindAuth)
	// AZURE_AUTHORITY_HOST over plain http is a configuration error.
	_, err = Select(SelectOptions{Mode: "serviceprincipal", ClientID: clientID, Getenv: func(k string) string {
		return map[string]string{"AZURE_TENANT_ID": tenantID, "AZURE_CLIENT_SECRET": "s", "AZURE_AUTHORITY_HOST": "http://x"}[k]
	}})
	assertKind(t, err, KindUsage)
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
