package credential

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestIMDSRetriesWhileStarting(t *testing.T) {
	var got *http.Request
	f := newFakeMSI(t, status(410, "starting"), status(404, "no identity yet"), status(429, "slow down"),
		func(w http.ResponseWriter, r *http.Request) {
			got = r
			okToken(testToken, time.Now().Add(time.Hour))(w, r)
		})
	c, err := NewIMDS(fast(f.srv.URL + "/metadata/identity/oauth2/token"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetToken(context.Background(), vaultScope); err != nil {
		t.Fatal(err)
	}
	if f.calls.Load() != 4 || got.Header.Get("Metadata") != "true" || got.URL.Query().Get("api-version") != "2018-02-01" {
		t.Errorf("calls %d, request %s %v", f.calls.Load(), got.URL, got.Header)
	}
	// Several identities and none named: 400, not retried.
	f2 := newFakeMSI(t, status(400, `{"error":"invalid_request","error_description":"Multiple user assigned identities exist"}`))
	c2, _ := NewIMDS(fast(f2.srv.URL))
	_, err = c2.GetToken(context.Background(), vaultScope)
	if err == nil || f2.calls.Load() != 1 || !strings.Contains(hintOf(err), "--client-id") {
		t.Errorf("400: err %v (hint %q) after %d calls", err, hintOf(err), f2.calls.Load())
	}
}

func TestIMDSDefaultAddressIsNeverDialedInTests(t *testing.T) {
	c, err := NewIMDS(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.endpoint != DefaultIMDSEndpoint {
		t.Fatalf("endpoint %s", c.endpoint)
	}
	// No GetToken here: tests never send a packet to 169.254.169.254.
}
