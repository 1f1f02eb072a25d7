package credential

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

func TestCloudShellRequestShape(t *testing.T) {
	var got *http.Request
	var body string
	f := newFakeMSI(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, body = r, string(b)
		okToken(testToken, time.Now().Add(time.Hour))(w, r)
	})
	tok, err := f.cred(t, nil).GetToken(context.Background(), vaultScope)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Token != testToken {
		t.Error("wrong token returned")
	}
	if got.Method != http.MethodPost || got.URL.Path != "/oauth2/token" {
		t.Errorf("request = %s %s, want POST /oauth2/token", got.Method, got.URL.Path)
	}
	if got.Header.Get("Metadata") != "true" {
		t.Error("Metadata: true header missing")
	}
	if ct := got.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type = %q", ct)
	}
	if body != "resource=https%3A%2F%2Fvault.azure.net" {
		t.Errorf("body = %q", body)
	}
}

func TestCloudShellRefusesSeveralScopes(t *testing.T) {
	f := newFakeMSI(t, okToken(testToken, time.Now().Add(time.Hour)))
	_, err := f.cred(t, nil).GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"a/.default", "b/.default"}})
	if err == nil || f.calls.Load() != 0 {
		t.Fatalf("err = %v, calls = %d; want an error and no request", err, f.calls.Load())
	}
}

func TestCloudShellCoalescesColdCallers(t *testing.T) {
	release := make(chan struct{})
	f := newFakeMSI(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		okToken(testToken, time.Now().Add(time.Hour))(w, r)
	})
	c := f.cred(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 {
		wg.Go(func() {
			tok, err := c.GetToken(context.Background(), vaultScope)
			if err == nil && tok.Token != testToken {
				err = errors.New("wrong token")
			}
			errs <- err
		})
	}
	time.Sleep(50 * time.Millisecond) // let them all pile up on the one request
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("endpoint saw %d requests, want 1", n)
	}
}

func TestCloudShellRefresh(t *testing.T) {
	var now atomic.Pointer[time.Time]
	set := func(t time.Time) { now.Store(&t) }
	clock := func() time.Time { return *now.Load() }
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	set(start)

	exp := start.Add(time.Hour)
	f := newFakeMSI(t, okToken("t1", exp), okToken("t1", exp), okToken("t2", start.Add(2*time.Hour)))
	c := f.cred(t, clock)
	get := func() string {
		t.Helper()
		tok, err := c.GetToken(context.Background(), vaultScope)
		if err != nil {
			t.Fatal(err)
		}
		return tok.Token
	}
	get()
	set(start.Add(50 * time.Minute)) // 10 minutes left: cached
	get()
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("calls = %d after a cached get, want 1", n)
	}
	set(start.Add(56 * time.Minute)) // 4 minutes left: refresh; endpoint repeats its token
	get()
	if n := f.calls.Load(); n != 2 {
		t.Fatalf("calls = %d, want a refresh", n)
	}
	set(start.Add(56*time.Minute + 10*time.Second)) // same token came back: no storm
	get()
	get()
	if n := f.calls.Load(); n != 2 {
		t.Fatalf("calls = %d within 30 s of a refresh, want 2", n)
	}
	set(start.Add(57 * time.Minute)) // 30 s later: try again, get a new token
	if tok := get(); tok != "t2" {
		t.Fatalf("token after refresh = %q, want t2", tok)
	}
}

func TestCloudShellRetries(t *testing.T) {
	for _, code := range []int{408, 429, 500, 502, 503, 504} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			f := newFakeMSI(t, status(code, "busy"), status(code, "busy"), okToken(testToken, time.Now().Add(time.Hour)))
			if _, err := f.cred(t, nil).GetToken(context.Background(), vaultScope); err != nil {
				t.Fatal(err)
			}
			if n := f.calls.Load(); n != 3 {
				t.Fatalf("calls = %d, want 3", n)
			}
		})
	}
}

func TestCloudShellHonoursRetryAfter(t *testing.T) {
	for name, header := range map[string]func() string{
		"seconds":   func() string { return "1" },
		"http date": func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) },
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeMSI(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", header())
				w.WriteHeader(429)
			}, okToken(testToken, time.Now().Add(time.Hour)))
			start := time.Now()
			if _, err := f.cred(t, nil).GetToken(context.Background(), vaultScope); err != nil {
				t.Fatal(err)
			}
			// The 1 ms base delay would retry at once; only Retry-After makes it wait.
			if waited := time.Since(start); waited < 500*time.Millisecond {
				t.Fatalf("retried after %v, Retry-After was ignored", waited)
			}
		})
	}
}

func TestCloudShellNoRetryOn400(t *testing.T) {
	f := newFakeMSI(t, status(400, `{"error":{"code":"AudienceNotSupported","message":"Audience https://x is not a supported MSI token audience."}}`))
	_, err := f.cred(t, nil).GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://x/.default"}})
	if err == nil {
		t.Fatal("want an error")
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("calls = %d, want no retry", n)
	}
	if !strings.Contains(err.Error(), `"https://x"`) || !strings.Contains(err.Error(), "AudienceNotSupported") {
		t.Errorf("error does not name the resource and code: %v", err)
	}
	assertKind(t, err, KindAuth)
}

func TestCloudShellErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"html", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html><body>Proxy login required</body></html>")
		}, "Proxy login required"},
		{"truncated json", status(200, `{"access_token":"`+testToken), "invalid JSON"},
		{"no access_token", status(200, `{"expires_on":"1795633553"}`), "no access_token"},
		{"bad expiry", status(200, `{"access_token":"`+testToken+`","expires_on":"someday"}`), "cannot parse expires_on"},
		{"403 with token echo", status(403, `{"error":{"code":"Nope","message":"bad `+testToken+`"}}`), "Nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeMSI(t, tt.handler)
			_, err := f.cred(t, nil).GetToken(context.Background(), vaultScope)
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "eyJ0eXAi") {
				t.Error("error text contains the token")
			}
			assertKind(t, err, KindAuth)
		})
	}
}

func TestCloudShellUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	endpoint := srv.URL + "/oauth2/token"
	srv.Close() // nothing listens there now
	var logs []string
	c, err := NewCloudShell(&IdentityOptions{Endpoint: endpoint, RetryDelay: time.Millisecond, MaxAttempts: 4,
		Log: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetToken(context.Background(), vaultScope)
	if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), endpoint) {
		t.Fatalf("err = %v, want connection refused naming the endpoint", err)
	}
	assertKind(t, err, KindAuth)
	var attempts int
	for _, l := range logs {
		if strings.Contains(l, "requesting a token") {
			attempts++
		}
	}
	if attempts != 4 {
		t.Errorf("attempts = %d, want 4", attempts)
	}
}

func TestCloudShellTimeoutBoundsRetries(t *testing.T) {
	f := newFakeMSI(t, status(503, "down"))
	c, _ := NewCloudShell(&IdentityOptions{Endpoint: f.srv.URL, RetryDelay: 200 * time.Millisecond, MaxAttempts: 100})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := c.GetToken(ctx, vaultScope)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
}

func TestMalformedEndpointIsUsageError(t *testing.T) {
	for _, ep := range []string{"localhost:50342", "ftp://x/y", "http://", "::"} {
		_, err := NewCloudShell(&IdentityOptions{Endpoint: ep})
		if err == nil || !strings.Contains(err.Error(), "MSI_ENDPOINT") {
			t.Errorf("NewCloudShell(%q) err = %v, want one naming MSI_ENDPOINT", ep, err)
		}
		assertKind(t, err, KindUsage)
	}
}
