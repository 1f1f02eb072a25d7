package credential

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Candidate is one credential the auto mode may use, with why it applies.
type Candidate struct {
	Name       string
	Reason     string
	Credential azcore.TokenCredential
}

// Chain tries its candidates in order until one gives a token, then keeps
// using that one. When all fail, its error lists each one's reason.
type Chain struct {
	candidates []Candidate

	mu     sync.Mutex
	chosen int // -1 until one has worked
}

var _ azcore.TokenCredential = (*Chain)(nil)

// NewChain returns a chain of candidates (at least one).
func NewChain(candidates []Candidate) *Chain {
	return &Chain{candidates: candidates, chosen: -1}
}

// Chosen names the candidate that gave a token, or the first one before
// any did.
func (c *Chain) Chosen() Candidate {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.chosen >= 0 {
		return c.candidates[c.chosen]
	}
	return c.candidates[0]
}

// GetToken implements azcore.TokenCredential.
func (c *Chain) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	chosen := c.chosen
	c.mu.Unlock()
	if chosen >= 0 {
		return c.candidates[chosen].Credential.GetToken(ctx, opts)
	}
	var reasons []string
	var last error
	for i, cand := range c.candidates {
		tok, err := cand.Credential.GetToken(ctx, opts)
		if err == nil {
			c.mu.Lock()
			c.chosen = i
			c.mu.Unlock()
			return tok, nil
		}
		var ce *Error
		if errors.As(err, &ce) && (ce.Kind == KindUsage || ce.Kind == KindInternal) {
			return tok, err // a configuration mistake, or a bug, is not a reason to move on
		}
		if ctx.Err() != nil {
			return tok, err
		}
		var final interface{ stopsChain() bool }
		if errors.As(err, &final) && final.stopsChain() {
			return tok, err // Entra ID refused a configured identity: that is the answer
		}
		reasons = append(reasons, named(cand.Name, err))
		last = err
	}
	msg := "no identity gave a token:\n  " + strings.Join(reasons, "\n  ")
	if c.has(AuthCloudShell) {
		msg = "not in Azure Cloud Shell, or its identity endpoint is down: " + msg
	}
	return azcore.AccessToken{}, &Error{Kind: KindAuth, Msg: msg,
		Hint: hintOf(last)} // the message lists every cause; no Err to print twice
}

func (c *Chain) has(name string) bool {
	for _, cand := range c.candidates {
		if cand.Name == name {
			return true
		}
	}
	return false
}

// named puts the candidate's name before its error, unless the error
// names its credential already: one name per credential in a message.
func named(name string, err error) string {
	var ce *Error
	if errors.As(err, &ce) && ce.Credential != "" && strings.HasPrefix(err.Error(), ce.Credential+": ") {
		return err.Error()
	}
	return name + ": " + err.Error()
}

func hintOf(err error) string {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Hint
	}
	return ""
}
