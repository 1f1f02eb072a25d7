package credential

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

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
