package vault

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/akv-cli/akv/vault/hostile"
)

// panicOnce panics on the early token request TokenScope starts on a
// goroutine of its own (the one not made for a request: its context has
// no tokenOutcome), and hands out the token to the others.
type panicOnce struct {
	token string
	calls atomic.Int32
}

func (p *panicOnce) GetToken(ctx context.Context, _ policy.TokenRequestOptions) (azcore.AccessToken, error) {
	p.calls.Add(1)
	if ctx.Value(tokenOutcomeKey{}) == nil {
		panic("a bug in a credential")
	}
	return azcore.AccessToken{Token: p.token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// Issue 11 point 5: a panic in the early token request fails no more than
// that request; the process lives (nothing above that goroutine could
// recover it).
func TestPanicInTheEarlyTokenRequestIsContained(t *testing.T) {
	s := hostile.StartT(t, hostile.Options{})
	cred := &panicOnce{token: s.Token}
	h := hostileVault(t, s, "", cred)
	got, err := h.get(t, "db-password")
	if err != nil || got[0].Value != s.Value("db-password") {
		t.Fatalf("got %+v, %v", got, err)
	}
	if cred.calls.Load() < 2 {
		t.Fatalf("%d token requests: the early one did not run", cred.calls.Load())
	}
}
