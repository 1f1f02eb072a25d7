package vault

import "time"

// The Key Vault request policy, in named values (as credential/retry.go
// holds the identity endpoints'). retryPolicy and the vault's throttle
// (throttle.go) apply them: a 429 waits for the vault's Retry-After while
// --timeout leaves room; a 5xx or a network error is retried at most
// MaxRetries times, backing off from retryBase to retryMax when the server
// named no wait.
const (
	defaultMaxRetries  = 4 // for 5xx and network errors
	retryBase          = 500 * time.Millisecond
	retryMax           = 8 * time.Second
	defaultConcurrency = 16 // parallel requests (Options.Concurrency)

	// verdictWait is how long a request whose deadline passed waits for
	// the word of the request that got its vault's token (or the early
	// token request), so every secret blames the same party.
	verdictWait = 2 * time.Second
)
