package vault

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// staticCred hands out one token: these tests are about the vault side.
type staticCred struct{}

func (staticCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "eyJ0eXAiOiJKV1QifQ.eyJ0aWQiOiJ0In0.sig", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// faultyVault is a Key Vault fake whose first `faults` secret reads break
// in the given way; later ones succeed.
func faultyVault(t *testing.T, faults int32, fault func(w http.ResponseWriter)) (*Client, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/t", resource="https://vault.azure.net"`)
			w.WriteHeader(401)
			return
		}
		if n.Add(1) <= faults {
			fault(w)
			return
		}
		name := strings.Trim(strings.TrimPrefix(r.URL.Path, "/secrets/"), "/")
		fmt.Fprintf(w, `{"value":"value-of-%s","id":"https://x.vault.azure.net/secrets/%s/0123456789abcdef0123456789abcdef","attributes":{"enabled":true}}`, name, name)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Options{Credential: staticCred{}, HTTPClient: srv.Client(),
		Endpoints: Endpoints{Map: map[string]string{"demo": srv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	return c, &n
}

func resetMidBody(w http.ResponseWriter) {
	w.Header().Set("Content-Length", "500")
	w.WriteHeader(200)
	w.Write([]byte(`{"value":"partial`))
	w.(http.Flusher).Flush()
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func truncatedJSON(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"value":"trunc`))
}

func TestFaultsRecoverOrFailCleanly(t *testing.T) {
	tests := []struct {
		name   string
		faults int32
		fault  func(http.ResponseWriter)
		ok     bool
	}{
		{"reset mid-body, then recovery", 2, resetMidBody, true},
		{"503 storm, then recovery", 2, func(w http.ResponseWriter) { w.WriteHeader(503) }, true},
		{"429 with Retry-After seconds", 1, func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
		}, true},
		{"429 with Retry-After HTTP date", 1, func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", time.Now().Add(time.Second).UTC().Format(http.TimeFormat))
			w.WriteHeader(429)
		}, true},
		{"truncated JSON", 1, truncatedJSON, false},
		{"reset forever", 1000, resetMidBody, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := faultyVault(t, tt.faults, tt.fault)
			r, _ := Parse("akv://demo/x", "")
			limit := 20 * time.Second
			if tt.faults > 100 {
				limit = 3 * time.Second // fails either way: by retries or by the deadline
			}
			ctx, cancel := context.WithTimeout(context.Background(), limit)
			defer cancel()
			got, err := c.Get(ctx, []Ref{r})
			if tt.ok {
				if err != nil || got[0].Value != "value-of-x" {
					t.Fatalf("Get = %q, %v; want recovery", got[0].Value, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Get = %q; want a clean failure", got[0].Value)
			}
			if got[0].Value != "" {
				t.Fatalf("a failed secret carries a partial value %q", got[0].Value)
			}
			if k := KindOf(err); k != KindNetwork && k != KindInternal {
				t.Errorf("kind %q", k)
			}
		})
	}
}

// Issue 14: a throttled vault is retried for as long as the timeout
// allows, not a fixed four times (azcore's count, which this storm of
// seven 429s outlasts).
func TestThrottleStormOutlastsFixedRetryCount(t *testing.T) {
	c, n := faultyVault(t, 7, func(w http.ResponseWriter) {
		w.Header().Set("retry-after-ms", "20")
		w.WriteHeader(429)
	})
	r, _ := Parse("akv://demo/x", "")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got, err := c.Get(ctx, []Ref{r})
	if err != nil || got[0].Value != "value-of-x" {
		t.Fatalf("Get = %q, %v; want the value after 7 throttled tries", got[0].Value, err)
	}
	if tries := n.Load(); tries != 8 {
		t.Errorf("%d tries, want 8", tries)
	}
}

// A Retry-After past --timeout fails at once, naming the vault, instead
// of waiting out the timeout.
func TestRetryAfterPastTheTimeoutFailsNamingTheVault(t *testing.T) {
	c, _ := faultyVault(t, 1000, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "86400")
		w.WriteHeader(429)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := c.Get(ctx, refs(t, "x", "y", "z"))
	if KindOf(err) != KindNetwork || !strings.Contains(err.Error(), "vault demo is throttling") {
		t.Fatalf("err = %v (kind %q), want the vault named as throttling", err, KindOf(err))
	}
	if ctx.Err() != nil {
		t.Error("the timeout ran out: akv waited for a Retry-After past it")
	}
}
