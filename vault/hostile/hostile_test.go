package hostile

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The harness is test code others rely on: these tests hold it to what
// its modes promise.

func client(t *testing.T, s *Server, proxy bool) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CAPEM)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	if proxy {
		u, _ := url.Parse(s.Proxy)
		tr.Proxy = http.ProxyURL(u)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func get(t *testing.T, hc *http.Client, u, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 64<<10)
	n, _ := resp.Body.Read(buf)
	b.Write(buf[:n])
	return resp, b.String()
}

type fakeT struct {
	testing.TB
	errors []string
}

func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func TestEveryModeStartsAndSaysWhatItDoes(t *testing.T) {
	for _, name := range ModeNames() {
		s, err := Start(Options{Mode: Mode(name)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s.Close()
		if About(Mode(name)) == "" {
			t.Errorf("mode %s has no description", name)
		}
	}
	if _, err := Start(Options{Mode: "no-such-mode"}); err == nil || !strings.Contains(err.Error(), "honest") {
		t.Fatalf("unknown mode: %v", err)
	}
}

func TestHonestVaultSpeaksTheProtocol(t *testing.T) {
	s := StartT(t, Options{})
	hc := client(t, s, false)
	resp, _ := get(t, hc, s.URL+"/secrets/db-password/", "")
	if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `resource="https://vault.azure.net"`) {
		t.Fatalf("challenge: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	_, body := get(t, hc, s.URL+"/secrets/db-password/", s.Token)
	if !strings.Contains(body, s.Value("db-password")) {
		t.Fatalf("secret: %s", body)
	}
	_, body = get(t, hc, s.URL+"/secrets?api-version=x", s.Token)
	var page struct{ NextLink string }
	json.Unmarshal([]byte(body), &page)
	if !strings.HasPrefix(page.NextLink, s.URL) {
		t.Fatalf("first page: %s", body)
	}
}

func TestUnexpectedRequestsFailTheTest(t *testing.T) {
	ft := &fakeT{TB: t}
	s := StartT(ft, Options{})
	hc := client(t, s, false)
	if resp, _ := get(t, hc, s.Stranger+"/secrets/x", s.Token); resp.StatusCode != 599 {
		t.Errorf("stranger answered %d", resp.StatusCode)
	}
	get(t, hc, s.Plain+"/secrets/x", "")
	get(t, hc, s.URL+"/keys/x", s.Token)
	get(t, hc, s.URL+"/secrets/db-password/", "a forged token")
	s.Close()
	u := s.Unexpected()
	if len(u) != 4 || !strings.Contains(u[0], "stranger: GET /secrets/x (WITH A TOKEN)") || !strings.Contains(u[1], "plain-http") {
		t.Fatalf("unexpected = %q", u)
	}
	for _, l := range append(s.Log(), u...) {
		if strings.Contains(l, s.Token) {
			t.Fatalf("the log holds the token: %q", l)
		}
	}
	// StartT's cleanup reports each one.
	ft2 := &fakeT{TB: t}
	t.Run("cleanup", func(t *testing.T) {
		ft2.TB = t
		s := StartT(ft2, Options{})
		get(t, client(t, s, false), s.Stranger, "")
	})
	if len(ft2.errors) != 1 || !strings.Contains(ft2.errors[0], "a request nobody expected: stranger") {
		t.Fatalf("StartT reported %q", ft2.errors)
	}
}

func TestIdentityEndpointExpectsOnlyTheVaultAudience(t *testing.T) {
	s, err := Start(Options{Mode: ExpiredToken})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	token := func(resource string) map[string]string {
		req, _ := http.NewRequest(http.MethodPost, s.MSI, strings.NewReader(url.Values{"resource": {resource}}.Encode()))
		req.Header.Set("Metadata", "true")
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]string
		json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	tok := token("https://vault.azure.net")
	exp, _ := strconv.ParseInt(tok["expires_on"], 10, 64)
	if tok["access_token"] == "" || time.Unix(exp, 0).After(time.Now()) {
		t.Fatalf("expired-token handed out %v", tok)
	}
	token("https://management.azure.com")
	if u := s.Unexpected(); len(u) != 1 || !strings.Contains(u[0], `"https://management.azure.com"`) {
		t.Fatalf("unexpected = %q", u)
	}
	if s.TokenRequests() != 2 {
		t.Fatalf("token requests = %d", s.TokenRequests())
	}
}

func TestCertificateVariants(t *testing.T) {
	for _, c := range Certs {
		t.Run(string(c), func(t *testing.T) {
			s := StartT(t, Options{Cert: c, Names: []string{"kv.corp.internal"}})
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(s.CAPEM)
			verify := func(name string) error {
				conn, err := tls.Dial("tcp", strings.TrimPrefix(s.URL, "https://"), &tls.Config{RootCAs: pool, ServerName: name})
				if err == nil {
					conn.Close()
				}
				return err
			}
			ipErr, dnsErr := verify("127.0.0.1"), verify("kv.corp.internal")
			wantIP, wantDNS := c == CertValid, c == CertValid || c == CertNoIPSAN
			if (ipErr == nil) != wantIP || (dnsErr == nil) != wantDNS {
				t.Fatalf("IP: %v, DNS: %v; want IP ok %v, DNS ok %v", ipErr, dnsErr, wantIP, wantDNS)
			}
		})
	}
}

func TestProxyTunnelsOnlyTheNames(t *testing.T) {
	s := StartT(t, Options{Names: []string{"kv.corp.internal"}})
	_, port, _ := strings.Cut(strings.TrimPrefix(s.URL, "https://"), ":")
	_, body := get(t, client(t, s, true), "https://kv.corp.internal:"+port+"/secrets/api-key/", s.Token)
	if !strings.Contains(body, s.Value("api-key")) {
		t.Fatalf("through the proxy: %s", body)
	}
}
