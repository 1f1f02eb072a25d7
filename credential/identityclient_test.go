package credential

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

func TestIdentityEndpointsBypassProxy(t *testing.T) {
	c := newIdentityHTTPClient(nil)
	if c.Transport.(*http.Transport).Proxy != nil {
		t.Fatal("identity requests would go through HTTP_PROXY")
	}
}

// Issue 11, point 3: an identity endpoint's redirect is never followed, so
// X-IDENTITY-HEADER, MSI_SECRET and the request itself never reach the
// host it points to.
func TestIdentityEndpointsNeverFollowRedirects(t *testing.T) {
	var elsewhere atomic.Int32
	var leaked sync.Map
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		for _, h := range []string{"X-Identity-Header", "Secret", "Metadata"} {
			if v := r.Header.Get(h); v != "" {
				leaked.Store(h, v)
			}
		}
		okToken(testToken, time.Now().Add(time.Hour))(w, r)
	}))
	t.Cleanup(target.Close)

	build := map[string]func(endpoint string) (azcore.TokenCredential, error){
		"cloudshell": func(ep string) (azcore.TokenCredential, error) {
			return NewCloudShell(&IdentityOptions{Endpoint: ep, RetryDelay: time.Millisecond})
		},
		"appservice": func(ep string) (azcore.TokenCredential, error) {
			return NewAppService("hdr-canary-5e1f", fast(ep))
		},
		"imds": func(ep string) (azcore.TokenCredential, error) {
			return NewIMDS(fast(ep))
		},
		"azureml": func(ep string) (azcore.TokenCredential, error) {
			return NewAzureML("ml-canary-77aa", fast(ep))
		},
	}
	for name, newCred := range build {
		for _, code := range []int{301, 302, 303, 307, 308} {
			t.Run(fmt.Sprintf("%s/%d", name, code), func(t *testing.T) {
				f := newFakeMSI(t, func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, target.URL+"/steal", code)
				})
				c, err := newCred(f.srv.URL + "/token")
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.GetToken(context.Background(), vaultScope)
				if err == nil {
					t.Fatal("a redirect gave a token")
				}
				assertKind(t, err, KindAuth)
				if !strings.Contains(err.Error(), "redirect") {
					t.Errorf("error %q does not say the endpoint redirected", err)
				}
				for _, canary := range []string{"hdr-canary-5e1f", "ml-canary-77aa", target.URL} {
					if strings.Contains(err.Error()+hintOf(err), canary) {
						t.Errorf("error %q shows %q", err, canary)
					}
				}
				if n := f.calls.Load(); n != 1 {
					t.Errorf("endpoint asked %d times; a redirect is final", n)
				}
			})
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the redirect target received %d requests", n)
	}
	leaked.Range(func(k, v any) bool {
		t.Errorf("the redirect target received header %s", k)
		return true
	})
}

// Issue 11, point 9: a malformed endpoint variable is a usage error at
// once, and a user name or password in it is never printed.
func TestMalformedEndpointsNeverPrintUserinfo(t *testing.T) {
	cases := []struct{ endpoint, why string }{
		{"http://127.0.0.1:99999/oauth2/token", "port"},
		{"http://127.0.0.1:0/oauth2/token", "port"},
		{"http://user:pw-canary-31c9@127.0.0.1:50342/oauth2/token", "user name or password"},
		{"http://pw-canary-31c9@127.0.0.1:50342/oauth2/token", "user name or password"},
		{"https://u:pw-canary-31c9@[::1", "URL"},
		{"ftp://127.0.0.1/token", "http"},
		{"file:///etc/passwd", "http"},
		{"unix:///run/msi.sock", "http"},
		{"http://:50342/token", "host"},
		{"http:/oauth2/token", "host"},
	}
	vars := map[string]func(string) error{
		"MSI_ENDPOINT": func(ep string) error {
			_, err := NewCloudShell(&IdentityOptions{Endpoint: ep})
			return err
		},
		"IDENTITY_ENDPOINT": func(ep string) error { _, err := NewAppService("h", &IdentityOptions{Endpoint: ep}); return err },
		"AKV_IMDS_ENDPOINT": func(ep string) error { _, err := NewIMDS(&IdentityOptions{Endpoint: ep}); return err },
	}
	for variable, build := range vars {
		for _, tc := range cases {
			err := build(tc.endpoint)
			if err == nil {
				t.Errorf("%s=%s accepted", variable, tc.endpoint)
				continue
			}
			assertKind(t, err, KindUsage)
			msg := err.Error() + "\n" + hintOf(err)
			if !strings.Contains(msg, variable) || !strings.Contains(msg, tc.why) {
				t.Errorf("%s=%s: %q does not name the variable and %q", variable, tc.endpoint, msg, tc.why)
			}
			if strings.Contains(msg, "pw-canary-31c9") || strings.Contains(msg, "user:") {
				t.Errorf("%s=%s: the error shows the credentials: %q", variable, tc.endpoint, msg)
			}
		}
	}
	// Through Select (auto mode) too: no candidate is skipped past it.
	_, err := Select(SelectOptions{Getenv: func(k string) string {
		return map[string]string{"IDENTITY_ENDPOINT": "http://u:pw-canary-31c9@127.0.0.1:1/", "IDENTITY_HEADER": "h"}[k]
	}, LookPath: func(string) (string, error) { return "/usr/bin/az", nil }})
	assertKind(t, err, KindUsage)
	if err != nil && strings.Contains(err.Error(), "pw-canary-31c9") {
		t.Errorf("Select shows the credentials: %v", err)
	}
}

func TestWellFormedEndpointsAccepted(t *testing.T) {
	for _, ep := range []string{DefaultCloudShellEndpoint, DefaultIMDSEndpoint, "https://127.0.0.1:8443/msi/token?api-version=2019-08-01",
		"http://[::1]:50342/oauth2/token", "http://localhost/oauth2/token", "HTTP://LOCALHOST:50342/oauth2/token"} {
		if err := checkEndpoint("MSI_ENDPOINT", ep, ""); err != nil {
			t.Errorf("%s refused: %v", ep, err)
		}
	}
}

// Issue 11 point 5: a panic while fetching a token (a bug) is an internal
// error for the fetch and every caller waiting behind it, at once; the
// chain does not take it for a missing identity and move on.
func TestPanicWhileFetchingIsAnInternalError(t *testing.T) {
	release := make(chan struct{})
	c := newTokenCache(nil, func(context.Context, string) (azcore.AccessToken, error) {
		<-release
		panic("a bug holding " + testToken)
	})
	errs := make([]error, 10)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { _, errs[i] = c.get(context.Background(), "https://vault.azure.net", false) })
	}
	time.Sleep(10 * time.Millisecond) // the callers line up behind the first
	close(release)
	wg.Wait()
	for _, err := range errs {
		assertKind(t, err, KindInternal)
		if err == nil || strings.Contains(err.Error(), testToken) {
			t.Fatalf("err = %v", err)
		}
	}
	chain := NewChain([]Candidate{{Name: "broken", Credential: credFunc(func() error { _, err := c.get(context.Background(), "r", false); return err })},
		{Name: "next", Credential: credFunc(func() error { t.Error("the chain moved on past a bug"); return nil })}})
	if _, err := chain.GetToken(context.Background(), vaultScope); err == nil {
		t.Fatal("no error")
	} else {
		assertKind(t, err, KindInternal)
	}
}

type credFunc func() error

func (f credFunc) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "t", ExpiresOn: time.Now().Add(time.Hour)}, f()
}
