package vault

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// Issue 14, point 1: the per-vault gate and retry policy, on a fake clock
// whose sleeps advance time at once.

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now()} }

func (f *fakeClock) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.t = f.t.Add(d)
}

func (f *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if d > 0 {
		f.advance(d)
	}
	return ctx.Err()
}

func (f *fakeClock) clock() clock { return clock{now: f.now, sleep: f.sleep} }

// scripted is a transport that answers each try with the next reply and
// notes when (on the fake clock) each try was sent.
type scripted struct {
	clk     *fakeClock
	replies []func() (*http.Response, error) // the last one repeats
	mu      sync.Mutex
	sent    []time.Time
}

func (s *scripted) Do(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	n := len(s.sent)
	s.sent = append(s.sent, s.clk.now())
	s.mu.Unlock()
	return s.replies[min(n, len(s.replies)-1)]()
}

func status(code int, header ...string) func() (*http.Response, error) {
	return func() (*http.Response, error) {
		h := http.Header{}
		for i := 0; i+1 < len(header); i += 2 {
			h.Set(header[i], header[i+1])
		}
		return &http.Response{StatusCode: code, Header: h, Body: io.NopCloser(strings.NewReader("{}"))}, nil
	}
}

func failWith(err error) func() (*http.Response, error) {
	return func() (*http.Response, error) { return nil, err }
}

// send runs one GET through a pipeline with p as its only retry policy.
func send(t *testing.T, ctx context.Context, p *retryPolicy, tr *scripted) (*http.Response, error) {
	t.Helper()
	pl := runtime.NewPipeline("akvtest", "v0", runtime.PipelineOptions{}, &policy.ClientOptions{
		Transport: tr, Retry: policy.RetryOptions{MaxRetries: -1}, PerCallPolicies: []policy.Policy{p},
		Telemetry: policy.TelemetryOptions{Disabled: true},
	})
	req, err := runtime.NewRequest(ctx, http.MethodGet, "https://demo.vault.azure.net/secrets/x")
	if err != nil {
		t.Fatal(err)
	}
	return pl.Do(req)
}

func noJitter(time.Duration) time.Duration { return 0 }

func TestRetryNeverBeforeRetryAfter(t *testing.T) {
	for _, ra := range []string{"1", "2", "7"} {
		clk := newFakeClock()
		tr := &scripted{clk: clk, replies: []func() (*http.Response, error){
			status(429, "Retry-After", ra), status(429, "Retry-After", ra), status(429, "Retry-After", ra), status(200)}}
		p := &retryPolicy{t: newThrottle("demo", 16, clk.clock(), nil), maxRetries: 4}
		resp, err := send(t, context.Background(), p, tr)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("Retry-After %s: %v, %v", ra, resp, err)
		}
		want, _ := time.ParseDuration(ra + "s")
		if len(tr.sent) != 4 {
			t.Fatalf("Retry-After %s: %d tries, want 4", ra, len(tr.sent))
		}
		for i := 1; i < len(tr.sent); i++ {
			gap := tr.sent[i].Sub(tr.sent[i-1])
			if gap < want || gap > want+jitterSpan(want) {
				t.Errorf("Retry-After %s: try %d came %s after the 429, want %s to %s", ra, i+1, gap, want, want+jitterSpan(want))
			}
		}
	}
}

func TestRetryJitterSpreads(t *testing.T) {
	gaps := map[time.Duration]bool{}
	for range 50 {
		clk := newFakeClock()
		tr := &scripted{clk: clk, replies: []func() (*http.Response, error){status(429, "Retry-After", "1"), status(200)}}
		p := &retryPolicy{t: newThrottle("demo", 16, clk.clock(), nil), maxRetries: 4}
		if _, err := send(t, context.Background(), p, tr); err != nil {
			t.Fatal(err)
		}
		gap := tr.sent[1].Sub(tr.sent[0])
		if gap < time.Second || gap > time.Second+jitterSpan(time.Second) {
			t.Fatalf("retry %s after a 429 with Retry-After 1: outside [1s, 1s+%s]", gap, jitterSpan(time.Second))
		}
		gaps[gap] = true
	}
	if len(gaps) < 10 {
		t.Errorf("50 processes would retry at only %d distinct moments: no jitter", len(gaps))
	}
}

// 429s are retried for as long as --timeout leaves room, not a fixed
// number of times; the last 429 is the answer.
func TestThrottledRetriesUntilTheTimeout(t *testing.T) {
	clk := newFakeClock()
	tr := &scripted{clk: clk, replies: []func() (*http.Response, error){status(429, "Retry-After", "1")}}
	p := &retryPolicy{t: newThrottle("demo", 16, clk.clock(), noJitter), maxRetries: 4}
	ctx, cancel := context.WithDeadline(context.Background(), clk.now().Add(20*time.Second+time.Millisecond))
	defer cancel()
	resp, err := send(t, ctx, p, tr)
	if err != nil || resp.StatusCode != 429 {
		t.Fatalf("got %v, %v; want the last 429", resp, err)
	}
	if len(tr.sent) != 21 { // at 0 s, 1 s, …, 20 s
		t.Errorf("%d tries in a 20 s timeout with Retry-After 1, want 21", len(tr.sent))
	}
}

func TestServerErrorsRetryABoundedNumberOfTimes(t *testing.T) {
	refused := x509.UnknownAuthorityError{}
	tests := []struct {
		name  string
		reply func() (*http.Response, error)
		tries int
	}{
		{"503", status(503), 4},
		{"500", status(500), 4},
		{"408", status(408), 4},
		{"network", failWith(errors.New("read: connection reset by peer")), 4},
		{"certificate refused", failWith(fmt.Errorf("tls: %w", refused)), 1},
		{"404", status(404), 1},
		{"401", status(401), 1},
	}
	for _, tt := range tests {
		clk := newFakeClock()
		tr := &scripted{clk: clk, replies: []func() (*http.Response, error){tt.reply}}
		p := &retryPolicy{t: newThrottle("demo", 16, clk.clock(), nil), maxRetries: 3}
		ctx, cancel := context.WithDeadline(context.Background(), clk.now().Add(time.Hour))
		send(t, ctx, p, tr)
		cancel()
		if len(tr.sent) != tt.tries {
			t.Errorf("%s: %d tries, want %d", tt.name, len(tr.sent), tt.tries)
		}
	}
}

// A 503 with Retry-After is retried no sooner than asked, and a 5xx
// without one backs off exponentially.
func TestServerErrorsWaitAsAsked(t *testing.T) {
	clk := newFakeClock()
	tr := &scripted{clk: clk, replies: []func() (*http.Response, error){status(503, "Retry-After", "5"), status(503), status(200)}}
	p := &retryPolicy{t: newThrottle("demo", 16, clk.clock(), nil), maxRetries: 3}
	if resp, err := send(t, context.Background(), p, tr); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v, %v", resp, err)
	}
	if gap := tr.sent[1].Sub(tr.sent[0]); gap < 5*time.Second {
		t.Errorf("retry %s after a 503 with Retry-After 5", gap)
	}
	if gap := tr.sent[2].Sub(tr.sent[1]); gap < backoff(2) || gap > backoff(2)*3/2 {
		t.Errorf("second retry after %s, want %s to %s", gap, backoff(2), backoff(2)*3/2)
	}
}

// One 429 pauses every request to the vault, not just its own retry.
func TestGatePausesTheWholeVault(t *testing.T) {
	clk := newFakeClock()
	th := newThrottle("demo", 16, clk.clock(), noJitter)
	start := clk.now()
	th.throttled(3 * time.Second) // another secret's 429
	clk.advance(time.Second)
	tr := &scripted{clk: clk, replies: []func() (*http.Response, error){status(200)}}
	if _, err := send(t, context.Background(), &retryPolicy{t: th, maxRetries: 4}, tr); err != nil {
		t.Fatal(err)
	}
	if at := tr.sent[0].Sub(start); at < 3*time.Second {
		t.Errorf("a request started %s after the vault's 429 (Retry-After 3)", at)
	}
}

// A gate that opens past the deadline fails at once, once per vault's
// wording, instead of sleeping into the timeout.
func TestGatePastTheTimeoutFailsAtOnce(t *testing.T) {
	clk := newFakeClock()
	th := newThrottle("demo", 16, clk.clock(), noJitter)
	th.throttled(24 * time.Hour)
	ctx, cancel := context.WithDeadline(context.Background(), clk.now().Add(30*time.Second))
	defer cancel()
	before := clk.now()
	err := th.enter(ctx, true)
	if KindOf(err) != KindNetwork || !strings.Contains(err.Error(), "vault demo is throttling") {
		t.Fatalf("err = %v", err)
	}
	if clk.now() != before {
		t.Error("enter slept before failing")
	}
}

func TestConcurrencyBacksOffAndRecovers(t *testing.T) {
	clk := newFakeClock()
	th := newThrottle("demo", 16, clk.clock(), noJitter)
	limit := func() int {
		th.mu.Lock()
		defer th.mu.Unlock()
		return th.limit
	}
	for _, want := range []int{8, 4, 2, 1, 1} {
		th.throttled(time.Second)
		th.throttled(time.Second) // the same burst: no second halving
		if got := limit(); got != want {
			t.Fatalf("limit %d after a burst of 429s, want %d", got, want)
		}
		clk.advance(2 * time.Second)
	}
	successes := 0
	for limit() < 16 {
		th.succeeded()
		successes++
		if successes > 1000 {
			t.Fatal("the limit never recovered")
		}
	}
	if successes != 120 { // 1+2+…+15: one more in flight per round at the current limit
		t.Errorf("recovered after %d successes, want 120", successes)
	}
	th.succeeded()
	if limit() != 16 {
		t.Errorf("limit %d grew past --concurrency", limit())
	}
}

// While the limit is lowered, a request beyond it waits for a slot.
func TestLoweredLimitHoldsRequests(t *testing.T) {
	clk := newFakeClock()
	th := newThrottle("demo", 4, clk.clock(), noJitter)
	th.throttled(time.Second) // limit 2
	clk.advance(2 * time.Second)
	ctx := context.Background()
	for range 2 {
		if err := th.enter(ctx, true); err != nil {
			t.Fatal(err)
		}
	}
	entered := make(chan error)
	go func() { entered <- th.enter(ctx, true) }()
	for waiting := 0; waiting == 0; {
		th.mu.Lock()
		waiting = len(th.waiters)
		th.mu.Unlock()
	}
	if err := th.enter(ctx, false); err != nil { // a list page takes no slot
		t.Fatal(err)
	}
	th.leave(true)
	if err := <-entered; err != nil {
		t.Fatal(err)
	}
	th.mu.Lock()
	defer th.mu.Unlock()
	if th.inFlight != 2 {
		t.Errorf("%d in flight, want 2", th.inFlight)
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 11, 25, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		header, value string
		want          time.Duration
	}{
		{"Retry-After", "3", 3 * time.Second},
		{"Retry-After", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"Retry-After", now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"Retry-After", "soon", 0},
		{"Retry-After", "-1", 0},
		{"retry-after-ms", "1500", 1500 * time.Millisecond},
		{"x-ms-retry-after-ms", "250", 250 * time.Millisecond},
		// Hostile or broken values: never a wait shorter than asked, and
		// no overflow into a wait in the past.
		{"Retry-After", "0", 0},
		{"Retry-After", "1.5", 1500 * time.Millisecond},
		{"Retry-After", "0.0001", time.Millisecond},
		{"Retry-After", "1e3", 0},
		{"Retry-After", "NaN", 0},
		{"Retry-After", "1000000000000", maxRetryAfter},
		{"Retry-After", "99999999999999999999.5", maxRetryAfter},
		{"Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT", maxRetryAfter},
		{"retry-after-ms", "18446744073710", maxRetryAfter}, // × 1e6 ns wraps to 448 µs
		{"retry-after-ms", "10000000000000", maxRetryAfter}, // wraps negative
		{"retry-after-ms", "-5", 0},
	}
	for _, tt := range tests {
		resp := &http.Response{Header: http.Header{}}
		resp.Header.Set(tt.header, tt.value)
		if got := retryAfter(resp, now); got != tt.want {
			t.Errorf("%s: %s → %s, want %s", tt.header, tt.value, got, tt.want)
		}
	}
}

// A server that asks for a wait no timeout covers, in any spelling, gets
// its 429 back as the answer at once, never a retry: the wait, plus the
// jitter, must not overflow into one in the past.
func TestHugeRetryAfterIsNoRetry(t *testing.T) {
	for _, h := range [][2]string{
		{"retry-after-ms", "18446744073710"},
		{"retry-after-ms", "10000000000000"},
		{"x-ms-retry-after-ms", "9223372036854775807"},
		{"Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT"},
		{"Retry-After", "9223372036854775807"},
	} {
		clk := newFakeClock()
		tr := &scripted{clk: clk, replies: []func() (*http.Response, error){status(429, h[0], h[1]), status(200)}}
		th := newThrottle("demo", 16, clk.clock(), func(max time.Duration) time.Duration { return max })
		ctx, cancel := context.WithDeadline(context.Background(), clk.now().Add(30*time.Second))
		resp, err := send(t, ctx, &retryPolicy{t: th, maxRetries: 4}, tr)
		cancel()
		if err != nil || resp.StatusCode != 429 || len(tr.sent) != 1 {
			t.Errorf("%s: %s: %d tries, ended with %v, %v; want the 429 after 1 try", h[0], h[1], len(tr.sent), resp, err)
		}
	}
}

// mixedVault answers at random with 429 (Retry-After 1 ms), 503 or 200,
// and notes the most requests it had in flight at once.
type mixedVault struct{ inFlight, peak atomic.Int64 }

func (v *mixedVault) Do(*http.Request) (*http.Response, error) {
	n := v.inFlight.Add(1)
	defer v.inFlight.Add(-1)
	for p := v.peak.Load(); n > p && !v.peak.CompareAndSwap(p, n); p = v.peak.Load() {
	}
	time.Sleep(time.Duration(rand.N(200)) * time.Microsecond)
	switch rand.N(10) {
	case 0, 1:
		return status(429, "retry-after-ms", "1")()
	case 2:
		return status(503)()
	}
	return status(200)()
}

// Hundreds of requests to one vault, on the real clock, with timeouts
// running out in every state (waiting at the gate, for a slot, in
// flight): never more in flight than --concurrency, and every slot and
// queue place given back. Run with -race.
func TestThrottleUnderManyRequests(t *testing.T) {
	th := newThrottle("demo", 8, realClock(), nil)
	v := &mixedVault{}
	pl := runtime.NewPipeline("akvtest", "v0", runtime.PipelineOptions{}, &policy.ClientOptions{
		Transport: v, Retry: policy.RetryOptions{MaxRetries: -1},
		PerCallPolicies: []policy.Policy{&retryPolicy{t: th, maxRetries: 2}},
		Telemetry:       policy.TelemetryOptions{Disabled: true},
	})
	var wg sync.WaitGroup
	for i := range 400 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(20+i%200)*time.Millisecond)
			defer cancel()
			req, err := runtime.NewRequest(ctx, http.MethodGet, "https://demo.vault.azure.net/secrets/x")
			if err != nil {
				t.Error(err)
				return
			}
			if resp, err := pl.Do(req); err == nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	th.mu.Lock()
	defer th.mu.Unlock()
	if th.inFlight != 0 || len(th.waiters) != 0 || th.limit < 1 {
		t.Errorf("after every request ended: %d in flight, %d waiting, limit %d", th.inFlight, len(th.waiters), th.limit)
	}
	if p := v.peak.Load(); p > 8 {
		t.Errorf("%d requests in flight at once, over --concurrency 8", p)
	}
}

// One vault is one gate however its references spell it: a 429 to
// https://demo.vault.azure.net must hold the requests of
// akv://demo/… and https://demo.vault.azure.net:443/… too.
func TestOneGatePerVaultOrigin(t *testing.T) {
	// A transport that never dials: the default one would dial the vault
	// ahead of its first request (preconnect.go).
	c, err := New(Options{Credential: &tenantCred{}, HTTPClient: &http.Client{Transport: &caeVault{}}})
	if err != nil {
		t.Fatal(err)
	}
	var first *vaultClient
	for _, s := range []string{"akv://demo/a", "https://demo.vault.azure.net/secrets/b", "https://DEMO.vault.azure.net:443/secrets/c"} {
		r, err := Parse(s, "")
		if err != nil {
			t.Fatal(err)
		}
		v, err := c.vault(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = v
		} else if v != first {
			t.Errorf("%s has a vault client (and throttle) of its own", s)
		}
	}
}
