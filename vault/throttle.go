package vault

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Throttling is shared, not fought (issue 14). Every request to a vault
// passes that vault's throttle: a 429 closes the vault's gate until its
// Retry-After plus a jitter has passed, so no request of this process
// reaches the vault before the server allowed it; retries of a 429 go on
// while the --timeout leaves room for the wait, and the number of
// requests in flight halves with each burst of 429s and grows back one
// by one as requests succeed. 5xx and network errors are retried a
// bounded number of times. This replaces azcore's retry policy, whose
// fixed four retries gave up on a throttled vault long before --timeout
// and retried every process of a fleet in the same second.

// clock is time for the throttle; tests pass a fake one.
type clock struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

func realClock() clock { return clock{now: time.Now, sleep: sleepCtx} }

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// throttle is one vault's gate and in-flight limit.
type throttle struct {
	label    string               // the vault, for errors
	log      func(string, ...any) // --verbose; nil is quiet
	clk      clock
	jitter   func(max time.Duration) time.Duration // uniform in [0, max]
	maxLimit int

	mu       sync.Mutex
	openAt   time.Time     // no request to the vault starts before this
	spread   time.Duration // this burst's jitter, the same for each of its 429s
	limit    int           // requests allowed in flight now, 1…maxLimit
	inFlight int
	streak   int             // successes since limit last changed
	waiters  []chan struct{} // requests waiting for a slot, oldest first
}

func newThrottle(label string, limit int, clk clock, jitter func(time.Duration) time.Duration) *throttle {
	if jitter == nil {
		jitter = func(max time.Duration) time.Duration { return rand.N(max + 1) }
	}
	return &throttle{label: label, clk: clk, jitter: jitter, maxLimit: max(1, limit), limit: max(1, limit)}
}

// pastDeadline is the error of a request that would wait at the gate
// past --timeout: the same words for every secret, so said once.
func (t *throttle) pastDeadline(openAt time.Time) error {
	return &Error{Kind: KindNetwork,
		Msg:  fmt.Sprintf("vault %s is throttling and asked to wait until %s UTC, past --timeout", t.label, openAt.UTC().Format(time.TimeOnly)),
		Hint: "try again later, raise --timeout, or lower --concurrency"}
}

// jitterSpan is the most a burst's gate is held past Retry-After: a
// quarter of it, at least 50 ms. Enough that processes sharing a vault
// come back spread over the next window, not all at its first instant.
func jitterSpan(retryAfter time.Duration) time.Duration {
	return max(retryAfter/4, 50*time.Millisecond)
}

// enter waits until the gate is open and, when slot is set, for one of
// the in-flight slots.
func (t *throttle) enter(ctx context.Context, slot bool) error {
	for {
		t.mu.Lock()
		if wait := t.openAt.Sub(t.clk.now()); wait > 0 {
			openAt := t.openAt
			t.mu.Unlock()
			if !fits(ctx, openAt) {
				return t.pastDeadline(openAt)
			}
			if err := t.clk.sleep(ctx, wait); err != nil {
				return err
			}
			continue // a later 429 may have moved the gate
		}
		if !slot {
			t.mu.Unlock()
			return nil
		}
		if t.inFlight < t.limit {
			t.inFlight++
			t.mu.Unlock()
			return nil
		}
		ch := make(chan struct{})
		t.waiters = append(t.waiters, ch)
		t.mu.Unlock()
		select {
		case <-ch: // handed a slot by leave
		case <-ctx.Done():
			t.mu.Lock()
			if t.dropWaiter(ch) {
				t.mu.Unlock()
				return ctx.Err()
			}
			t.mu.Unlock()
			t.leave(true) // the slot came as the context ended: pass it on
			return ctx.Err()
		}
		t.mu.Lock()
		closed := t.openAt.After(t.clk.now())
		t.mu.Unlock()
		if !closed {
			return nil
		}
		t.leave(true) // the gate closed while this request waited: wait again
	}
}

// dropWaiter removes ch from the queue; false when it was already handed
// a slot. Called with mu held.
func (t *throttle) dropWaiter(ch chan struct{}) bool {
	for i, w := range t.waiters {
		if w == ch {
			t.waiters = append(t.waiters[:i], t.waiters[i+1:]...)
			return true
		}
	}
	return false
}

// leave gives back a slot taken by enter(ctx, true).
func (t *throttle) leave(slot bool) {
	if !slot {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inFlight--
	t.wake()
}

// wake hands free slots to waiting requests. Called with mu held.
func (t *throttle) wake() {
	for t.inFlight < t.limit && len(t.waiters) > 0 {
		t.inFlight++
		close(t.waiters[0])
		t.waiters = t.waiters[1:]
	}
}

// throttled records a 429 (or a 5xx with Retry-After) answered now and
// returns when the gate opens again: never before now+retryAfter. The
// first 429 of a burst halves the in-flight limit and draws the burst's
// jitter; later ones of the same burst push the gate out by the same
// jitter past their own Retry-After.
func (t *throttle) throttled(retryAfter time.Duration) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clk.now()
	burst := !t.openAt.After(now) // the gate was open: a new burst
	if burst {
		t.spread = t.jitter(jitterSpan(retryAfter))
		t.limit = max(1, t.limit/2)
		t.streak = 0
	}
	if at := now.Add(retryAfter + t.spread); at.After(t.openAt) {
		t.openAt = at
	}
	if burst && t.log != nil {
		t.log("vault %s is throttling: its requests wait %s (Retry-After %s), then at most %d at a time",
			t.label, t.openAt.Sub(now).Round(time.Millisecond), retryAfter, t.limit)
	}
	return t.openAt
}

// succeeded counts an answer that was not throttling: after as many
// successes in a row as the limit allows, one more request may fly.
func (t *throttle) succeeded() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.limit >= t.maxLimit {
		return
	}
	t.streak++
	if t.streak >= t.limit {
		t.limit++
		t.streak = 0
		t.wake()
	}
}

// noSlotKey marks a request that takes no in-flight slot: list pages,
// one at a time per vault, which the gets they feed must not stall.
type noSlotKey struct{}

func withoutSlot(ctx context.Context) context.Context {
	return context.WithValue(ctx, noSlotKey{}, true)
}

// retryPolicy is the azcore policy that sends every request of one vault
// through its throttle, in place of azcore's retry policy.
type retryPolicy struct {
	t          *throttle
	maxRetries int // 5xx and network errors, per request
}

func (p *retryPolicy) Do(req *policy.Request) (*http.Response, error) {
	ctx := req.Raw().Context()
	slot := ctx.Value(noSlotKey{}) == nil
	failures, throttles := 0, 0
	for {
		if err := p.t.enter(ctx, slot); err != nil {
			return nil, err
		}
		if err := req.RewindBody(); err != nil {
			p.t.leave(slot)
			return nil, err
		}
		resp, err := req.Clone(ctx).Next()
		p.t.leave(slot)
		if ctx.Err() != nil {
			return resp, err // canceled or out of time: the caller's error, not a retry
		}
		now := p.t.clk.now()
		ra := retryAfter(resp, now)
		var sleep time.Duration // besides the gate, which enter waits for
		var retryAt time.Time
		switch {
		case err == nil && resp.StatusCode == http.StatusTooManyRequests:
			throttles++
			if ra <= 0 {
				ra = backoff(throttles) // a 429 without Retry-After: back off on our own
			}
			retryAt = p.t.throttled(ra)
		case retryable(resp, err):
			failures++
			if failures > p.maxRetries {
				return resp, err
			}
			sleep = backoff(failures) + p.t.jitter(backoff(failures)/2)
			retryAt = now.Add(sleep)
			if ra > 0 { // nothing retries sooner than the server asked
				if gate := p.t.throttled(ra); gate.After(retryAt) {
					retryAt = gate
				}
			}
		default:
			p.t.succeeded()
			return resp, err
		}
		if !fits(ctx, retryAt) {
			return resp, err // the wait outlasts --timeout: the 429 or 5xx is the answer
		}
		if resp != nil {
			drain(resp)
		}
		if err := p.t.clk.sleep(ctx, sleep); err != nil {
			return nil, err
		}
	}
}

// backoff is the exponential delay before retry n (from 1) when the
// server named none: 0.5 s doubling to 8 s.
func backoff(n int) time.Duration {
	d := retryBase << min(n-1, 8)
	return min(d, retryMax)
}

// fits reports whether ctx's deadline leaves time to start a request at.
func fits(ctx context.Context, at time.Time) bool {
	deadline, ok := ctx.Deadline()
	return !ok || at.Before(deadline)
}

// retryable reports whether a failed try may be repeated: 408 and 5xx
// statuses, and transport errors other than a refused certificate or an
// error azcore or the credential marked final.
func retryable(resp *http.Response, err error) bool {
	if err != nil {
		var final interface{ NonRetriable() }
		var unknownCA x509.UnknownAuthorityError
		var invalid x509.CertificateInvalidError
		var hostname x509.HostnameError
		var verify *tls.CertificateVerificationError
		switch {
		case errors.As(err, &final), errors.As(err, &unknownCA), errors.As(err, &invalid),
			errors.As(err, &hostname), errors.As(err, &verify):
			return false
		}
		return true
	}
	switch resp.StatusCode {
	case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// maxRetryAfter is the longest wait a server's answer is taken to ask
// for (12 days): any longer is as good as forever against --timeout, and
// the bound keeps every sum with it (plus jitter, from now) far from
// overflowing into a wait in the past.
const maxRetryAfter = 1 << 20 * time.Second

// retryAfter reads how long the server asked to wait: retry-after-ms,
// x-ms-retry-after-ms, or Retry-After in seconds (a fraction rounded up
// to the millisecond, though RFC 9110 allows only digits) or as an HTTP
// date. Zero when it named no wait; at most maxRetryAfter.
func retryAfter(resp *http.Response, now time.Time) time.Duration {
	if resp == nil {
		return 0
	}
	for _, h := range []string{"retry-after-ms", "x-ms-retry-after-ms"} {
		if ms, err := strconv.ParseInt(resp.Header.Get(h), 10, 64); err == nil && ms > 0 {
			return time.Duration(min(ms, maxRetryAfter.Milliseconds())) * time.Millisecond
		}
	}
	v := resp.Header.Get("Retry-After")
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs > 0 {
		return time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	}
	if whole, frac, ok := strings.Cut(v, "."); ok && digits(whole) && digits(frac) {
		if secs, err := strconv.ParseFloat(v, 64); err == nil && secs > 0 {
			return min(time.Duration(math.Ceil(min(secs, maxRetryAfter.Seconds())*1000))*time.Millisecond, maxRetryAfter)
		}
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(0, t.Sub(now)), maxRetryAfter)
	}
	return 0
}

// digits reports whether s is one or more ASCII digits.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// drain reads what is left of a body that will not be used, so the
// connection can be reused.
func drain(resp *http.Response) {
	if resp.Body != nil {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
}
