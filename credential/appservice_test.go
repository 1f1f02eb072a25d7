package credential

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func TestAppServiceRequest(t *testing.T) {
	var got *http.Request
	f := newFakeMSI(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		okToken(testToken, time.Now().Add(time.Hour))(w, r)
	})
	o := fast(f.srv.URL + "/msi/token")
	o.ClientID = "11111111-2222-3333-4444-555555555555"
	c, err := NewAppService("hdr-secret", o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetToken(context.Background(), vaultScope); err != nil {
		t.Fatal(err)
	}
	q := got.URL.Query()
	if got.Method != "GET" || q.Get("resource") != "https://vault.azure.net" || q.Get("api-version") != "2019-08-01" ||
		q.Get("client_id") != o.ClientID || got.Header.Get("X-IDENTITY-HEADER") != "hdr-secret" {
		t.Errorf("request = %s %s headers %v", got.Method, got.URL, got.Header)
	}
}

// Issue 12: a malformed IDENTITY_ENDPOINT is App Service's, so the advice
// names no Cloud Shell URL (it did: "such as http://localhost:50342/…").
func TestAppServiceEndpointHintIsAppServices(t *testing.T) {
	_, err := Select(SelectOptions{Getenv: func(k string) string {
		return map[string]string{"IDENTITY_ENDPOINT": "notaurl", "IDENTITY_HEADER": "h"}[k]
	}, LookPath: func(string) (string, error) { return "", os.ErrNotExist }})
	assertKind(t, err, KindUsage)
	if h := hintOf(err); !strings.Contains(h, "IDENTITY_ENDPOINT") || strings.Contains(h, DefaultCloudShellEndpoint) || strings.Contains(h, "50342") {
		t.Errorf("hint %q", h)
	}
	_, err = NewCloudShell(&IdentityOptions{Endpoint: "notaurl"})
	if h := hintOf(err); !strings.Contains(h, DefaultCloudShellEndpoint) {
		t.Errorf("Cloud Shell's hint %q does not show its endpoint", h)
	}
}
