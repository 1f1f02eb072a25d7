package credential

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// retryPolicy bounds how a token request is retried, for the identity
// endpoints and Entra ID alike. The context bounds it too: no sleep
// outlasts the caller's deadline.
type retryPolicy struct {
	MaxAttempts int           // total attempts, including the first
	BaseDelay   time.Duration // doubled per attempt, with jitter
	MaxDelay    time.Duration
}

// newRetryPolicy is the default policy — 0.5 + 1 + 2 + 4 s of backoff:
// five attempts fit well inside the default 30 s --timeout — with the
// options' first delay and attempts where they are set (tests make the
// backoff fast; the cap stays near 8 s, so a Retry-After still counts).
func newRetryPolicy(delay time.Duration, attempts int) retryPolicy {
	rp := retryPolicy{MaxAttempts: 5, BaseDelay: 500 * time.Millisecond, MaxDelay: 8 * time.Second}
	if delay > 0 {
		rp.BaseDelay = delay
		rp.MaxDelay = max(rp.MaxDelay/rp.BaseDelay, 1) * delay
	}
	if attempts > 0 {
		rp.MaxAttempts = attempts
	}
	return rp
}

// retryableStatus lists the statuses worth another try: request timeout,
// throttling and the server errors a gateway or a restarting endpoint
// answers. Anything else is the endpoint's answer.
func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// delay is the wait before attempt n+1 (n counts from 1).
func (p retryPolicy) delay(n int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, p.MaxDelay*4)
	}
	d := p.BaseDelay << (n - 1)
	if d > p.MaxDelay || d <= 0 {
		d = p.MaxDelay
	}
	// Full jitter in [d/2, d): concurrent processes don't retry in lockstep.
	return d/2 + rand.N(d/2+1)
}

// run calls try (n counts from 1) until it returns nil or a final *Error,
// the attempts are spent, or ctx ends. try's other errors are transient;
// its duration is the server's Retry-After. run returns nil, the final
// error, or spent's error for the last transient one (ctx's error in
// front when ctx ended the retries). past, when not nil, builds the final
// error for a Retry-After that ends after ctx's deadline: sleeping until
// then would only postpone the same failure.
func (p retryPolicy) run(ctx context.Context, logf func(string, ...any), name string,
	past func(retryAfter time.Duration, err error) error, spent func(last error) error,
	try func(n int) (time.Duration, error)) error {
	var last error
	for n := 1; ; n++ {
		retryAfter, err := try(n)
		if err == nil {
			return nil
		}
		var fe *Error
		if errors.As(err, &fe) {
			return fe
		}
		last = err
		if ctx.Err() != nil || n >= p.MaxAttempts {
			break
		}
		if past != nil && pastDeadline(ctx, retryAfter) {
			return past(retryAfter, err)
		}
		d := p.delay(n, retryAfter)
		logf("%s: attempt %d failed (%v); retrying in %s", name, n, err, d.Round(time.Millisecond))
		if sleep(ctx, d) != nil {
			break
		}
	}
	if ctx.Err() != nil && !errors.Is(last, ctx.Err()) {
		last = fmt.Errorf("%w (last error: %v)", ctx.Err(), last)
	}
	return spent(last)
}

// got is a retried request's result: the token, logged (never its
// value), or the error.
func got(logf func(string, ...any), name, resource string, tok azcore.AccessToken, err error) (azcore.AccessToken, error) {
	if err != nil {
		return azcore.AccessToken{}, err
	}
	logf("%s: got a token for %s, expires %s", name, resource, tok.ExpiresOn.Format(time.RFC3339))
	return tok, nil
}

// pastDeadline reports a Retry-After that ends after ctx does.
func pastDeadline(ctx context.Context, retryAfter time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && retryAfter > 0 && retryAfter > time.Until(dl)
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
