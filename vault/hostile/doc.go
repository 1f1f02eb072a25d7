// Package hostile is a Key Vault, a managed-identity endpoint and their
// neighbours on loopback that attack their client: one mode per attack
// (a nextLink to another origin, redirects, a challenge for a foreign
// audience, malformed ids, duplicate names, control characters, huge,
// truncated and dripping bodies, throttling, expired tokens) and one
// certificate variant per TLS mistake.
//
// Like gh's httpmock, a request the mode did not expect is an error: the
// server records it, answers 599, and Unexpected reports it; StartT fails
// the test with it. Two listeners exist only to be never contacted: the
// "stranger", an HTTPS origin that a hostile nextLink or redirect points
// to, and a plain-HTTP port on the vault's own host.
//
// Only tests import this package (vault's Go tests and cmd/akv's
// testscripts through the `hostile` command). It never imports vault: the
// vault package's own tests use it.
package hostile
