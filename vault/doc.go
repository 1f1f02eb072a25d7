// Package vault parses secret references and fetches secrets from Azure
// Key Vault through azsecrets: one client per vault, one token request and
// one authentication challenge per vault, bounded parallel gets, and list
// pages pipelined into gets.
//
// It never prints, never reads flags, never exits the process, and never
// puts a secret value into an error or a log line. Errors carry a kind
// (ErrorKind) that cmd maps to an exit code.
//
// It never sends anything to an origin that is not a vault (Trusted: under
// the cloud's Key Vault domain, or mapped in AKV_VAULT_ENDPOINTS), never
// sends a vault's requests to another origin (a nextLink, a redirect),
// never asks for a token for any audience but the cloud's Key Vault one,
// never turns TLS verification off, never reads more than 1 MiB of an
// answer, and never panics on what a server sends (trust.go, transport.go).
package vault
