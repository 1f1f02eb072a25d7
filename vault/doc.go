// Package vault parses secret references and fetches secrets from Azure
// Key Vault through azsecrets: one client per vault, one token request and
// one authentication challenge per vault, bounded parallel gets, and list
// pages pipelined into gets.
//
// It never prints, never reads flags, never exits the process, and never
// puts a secret value into an error or a log line. Errors carry a typed
// Kind (ErrorKind) that cmd maps to an exit code. When several secrets of
// a batch fail, the batch's kind is the one that explains the most, in the
// order of Kinds: auth, then forbidden, then not found, then network (an
// identity that cannot get a token explains every secret it could not
// read). A credential failure is known by its Misconfigured method (usage,
// else auth), so vault never imports credential.
//
// It never sends anything to an origin that is not a vault (Trusted: under
// the cloud's Key Vault domain, or mapped in AKV_VAULT_ENDPOINTS), never
// sends a vault's requests to another origin (a nextLink, a redirect),
// never asks for a token for any audience but the cloud's Key Vault one,
// never turns TLS verification off, never reads more than 1 MiB of an
// answer, and never panics on what a server sends (trust.go, transport.go).
//
// Where things are:
//
//	ref.go         references (akv://, secret URLs, App Service) and name rules (vault/names)
//	endpoints.go   AKV_VAULT_ENDPOINTS and the clouds' vault DNS suffixes
//	trust.go       which origins may receive a token, and for which audience
//	httpclient.go  the shared HTTP transport: proxy, HTTP/2, TLS roots (AKV_CA_FILE)
//	transport.go   each vault's last check before the network: origin, redirects, body size
//	challenge.go   verifying a Key Vault authentication challenge
//	client.go      Client, Options and the per-vault azsecrets client and gate
//	token.go       the token path: one scope, the identity endpoint blamed for its failures
//	preauth.go     the token sent with a vault's first request
//	preconnect.go  dialing a vault while its token is on its way
//	retry.go       the retry policy's named values
//	throttle.go    the retry policy and each vault's 429 gate
//	fetch.go       Get: parallel gets, FetchError
//	list.go        List and GetMatching: listing pages, pipelined into gets
//	progress.go    the progress callback
//	errors.go      Error, its kinds and how azsecrets's errors are classified
//	lookup.go      telling a mistyped vault name and an unknown CA from network trouble
//	tokenclaims.go the claims of an access token, for whoami and hints
package vault
