package credential

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

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
