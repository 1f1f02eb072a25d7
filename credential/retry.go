package credential

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// retryPolicy bounds how an identity request is retried. The context bounds
// it too: no sleep outlasts the caller's deadline.
type retryPolicy struct {
	MaxAttempts int           // total attempts, including the first
	BaseDelay   time.Duration // doubled per attempt, with jitter
	MaxDelay    time.Duration
}

func defaultRetryPolicy() retryPolicy {
	// 0.5 + 1 + 2 + 4 s of backoff: five attempts fit well inside the
	// default 30 s --timeout.
	return retryPolicy{MaxAttempts: 5, BaseDelay: 500 * time.Millisecond, MaxDelay: 8 * time.Second}
}

// retryableStatus lists the statuses worth another try (protocol.md).
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
