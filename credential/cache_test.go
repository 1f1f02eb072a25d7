package credential

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRefreshTimeShortLivedTokens(t *testing.T) {
	now := time.Unix(0, 0)
	if got := refreshTime(now, now.Add(4*time.Minute)); !got.Equal(now.Add(2 * time.Minute)) {
		t.Errorf("4-minute token refreshes at %v, want half-life", got.Sub(now))
	}
	if got := refreshTime(now, now.Add(time.Hour)); !got.Equal(now.Add(55 * time.Minute)) {
		t.Errorf("1-hour token refreshes at %v, want 55m", got.Sub(now))
	}
}

func BenchmarkCachedGetToken(b *testing.B) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		json.NewEncoder(w).Encode(map[string]string{"access_token": testToken, "expires_in": "3600"})
	}))
	defer srv.Close()
	c, _ := NewCloudShell(&IdentityOptions{Endpoint: srv.URL})
	ctx := context.Background()
	if _, err := c.GetToken(ctx, vaultScope); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetToken(ctx, vaultScope); err != nil {
			b.Fatal(err)
		}
	}
	if calls.Load() != 1 {
		b.Fatalf("calls = %d, want 1", calls.Load())
	}
}

// A claims challenge (CAE) means the vault revoked the cached token: the
// next request with claims fetches a fresh one, and later callers get it.
func TestClaimsChallengeRenewsCachedToken(t *testing.T) {
	exp := time.Now().Add(time.Hour)
	f := newFakeMSI(t, okToken("revoked", exp), okToken("fresh", exp))
	c := f.cred(t, nil)
	get := func(claims string) string {
		t.Helper()
		o := vaultScope
		o.Claims = claims
		tok, err := c.GetToken(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		return tok.Token
	}
	get("")
	if tok := get(`{"access_token":{"nbf":{"essential":true,"value":"1"}}}`); tok != "fresh" {
		t.Fatalf("token after a claims challenge = %q, want a fresh one", tok)
	}
	if tok := get(""); tok != "fresh" || f.calls.Load() != 2 {
		t.Fatalf("token after renewal = %q (%d calls), want the fresh one cached", tok, f.calls.Load())
	}
}

// Issue 11, point 9: a token that is expired on arrival is asked for once
// more, then refused; and however many callers want a token, the verdict
// costs those two requests only.
func TestExpiredTokenRejectedAfterOneRetry(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	f := newFakeMSI(t, okToken(testToken, now.Add(-time.Hour)))
	c := f.cred(t, clock)
	var wg sync.WaitGroup
	errs := make([]error, 60)
	for i := range errs {
		wg.Go(func() { _, errs[i] = c.GetToken(context.Background(), vaultScope) })
	}
	wg.Wait()
	for _, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "identity endpoint returned an expired token") {
			t.Fatalf("err = %v, want an expired-token refusal", err)
		}
		assertKind(t, err, KindAuth)
		if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "eyJ") {
			t.Fatalf("error shows the token: %v", err)
		}
	}
	if n := f.calls.Load(); n != 2 {
		t.Fatalf("60 callers cost %d token requests, want 2 (one retry)", n)
	}
}

// An expired token followed by a good one is fine: the retry is the cure.
func TestExpiredTokenThenGoodOne(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	f := newFakeMSI(t, okToken("stale", now.Add(-time.Second)), okToken(testToken, now.Add(time.Hour)))
	tok, err := f.cred(t, func() time.Time { return now }).GetToken(context.Background(), vaultScope)
	if err != nil || tok.Token != testToken || f.calls.Load() != 2 {
		t.Fatalf("token %q, err %v after %d calls", tok.Token, err, f.calls.Load())
	}
}

// A final refusal is remembered for a while: 60 callers behind a refusing
// endpoint cost one request, not 60.
func TestFinalRefusalIsNotRepeatedPerCaller(t *testing.T) {
	f := newFakeMSI(t, status(400, `{"error":{"code":"AudienceNotSupported","message":"nope"}}`))
	c := f.cred(t, nil)
	for range 60 {
		if _, err := c.GetToken(context.Background(), vaultScope); err == nil {
			t.Fatal("a refusal gave a token")
		}
	}
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("60 callers cost %d requests, want 1", n)
	}
}

// Issue 11 point 9: a token no HTTP header can carry (a line break, a
// control, a space) is the identity endpoint's malformed answer, exit 3,
// asked for once more like an expired one; never a vault that "cannot be
// reached" because the Authorization header was refused, and never shown.
func TestMalformedTokenRefused(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for _, bad := range []string{testToken + "\r\nX-Evil: 1", testToken + "\x1b[2J", "spaced token-canary", testToken + "\u00e9"} {
		body, _ := json.Marshal(map[string]string{"access_token": bad, "expires_on": fmt.Sprint(now.Add(time.Hour).Unix()), "token_type": "Bearer"})
		f := newFakeMSI(t, status(200, string(body)))
		c := f.cred(t, func() time.Time { return now })
		for range 5 {
			_, err := c.GetToken(context.Background(), vaultScope)
			if err == nil || !strings.Contains(err.Error(), "the identity endpoint returned a malformed token") {
				t.Fatalf("token %q: err = %v, want a malformed-token refusal", bad, err)
			}
			assertKind(t, err, KindAuth)
			if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "eyJ") || strings.Contains(err.Error(), "token-canary") {
				t.Fatalf("error shows the token: %v", err)
			}
		}
		if n := f.calls.Load(); n != 2 {
			t.Fatalf("token %q: 5 callers cost %d token requests, want 2", bad, n)
		}
	}
}
