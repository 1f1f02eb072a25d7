package emulator

import (
	"net/http"
	"sync"
	"time"
)

// clients remembers, per client connection, what the counters alone cannot
// tell: whether a request with a token skipped the challenge (the
// connection was never challenged), and whether a throttled request came
// back before its Retry-After had passed, measured on the emulator's own
// clock: from the moment the 429 was written to the retry's arrival.
type clients struct {
	mu         sync.Mutex
	challenged map[string]bool      // remote address → a challenge was sent on it
	notBefore  map[string]time.Time // remote address + request line → when a retry may arrive

	preauthorized int64
	retries       int64         // requests that repeated a throttled one
	earliest      time.Duration // least (arrival − notBefore) over retries
}

func retryKey(r *http.Request) string {
	return r.RemoteAddr + " " + r.Method + " " + r.URL.RequestURI()
}

// arrived notes a request as it arrives: a retry of a throttled one
// when the same connection asked for the same thing after a 429.
func (c *clients) arrived(r *http.Request, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := retryKey(r)
	nb, ok := c.notBefore[key]
	if !ok {
		return
	}
	delete(c.notBefore, key)
	if early := at.Sub(nb); c.retries == 0 || early < c.earliest {
		c.earliest = early
	}
	c.retries++
}

// throttled notes a 429 written at `at` that asked for retryAfter.
func (c *clients) throttled(r *http.Request, at time.Time, retryAfter time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.notBefore == nil {
		c.notBefore = map[string]time.Time{}
	}
	c.notBefore[retryKey(r)] = at.Add(retryAfter)
}

// challenge notes a challenge sent on r's connection.
func (c *clients) challenge(r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.challenged == nil {
		c.challenged = map[string]bool{}
	}
	c.challenged[r.RemoteAddr] = true
}

// authorized counts a request whose token was good: pre-authorized when
// its connection never received a challenge.
func (c *clients) authorized(r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.challenged[r.RemoteAddr] {
		c.preauthorized++
	}
}

// fill adds these counts to s.
func (c *clients) fill(s *Stats) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.Preauthorized = c.preauthorized
	s.Retries = c.retries
	if c.retries > 0 {
		us := c.earliest.Microseconds()
		s.EarliestRetryUs = &us
	}
}
