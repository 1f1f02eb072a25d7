// Package credential holds akv's azcore.TokenCredential implementations:
// the managed-identity endpoints (Cloud Shell, App Service, IMDS, Azure
// ML), the Azure CLI, and the credentials that end in Entra ID (workload
// identity, GitHub Actions and Azure Pipelines OIDC, client secrets and
// certificates). Select picks one, or chains several, from the
// environment alone (modes.go holds the table).
//
// Every credential here caches tokens per resource, lets one request per
// resource be in flight at a time, retries transient failures and turns
// failures into errors that name the credential and say what to do next.
// It never prints, never reads flags, never exits the process, and never
// puts a token, a secret or an assertion into an error, a log line or a
// panic.
//
// What the code relies on from the endpoints:
//
//   - One resource per request: scope "https://vault.azure.net/.default"
//     is resource "https://vault.azure.net"; several scopes are an error.
//   - Cloud Shell: POST $MSI_ENDPOINT, "Metadata: true", form body
//     resource=…; it has no user-assigned identity. MSI_SECRET beside
//     MSI_ENDPOINT means Azure ML, a GET with a "secret" header.
//   - expires_on comes as Unix seconds (number or string), as
//     "11/25/2026 18:05:53 +00:00", in App Service's 12-hour clock, as
//     "2026-11-25 18:05:53" (UTC) or RFC 3339; without it, expires_in
//     counts from the response. Only the Azure CLI's expiresOn is local
//     time. An expiry akv cannot read is an error, never "no expiry".
//   - The endpoints cache tokens themselves and may hand back the same
//     token with the same expiry: the cache keeps it and waits at least
//     30 s before asking again, refreshing 5 minutes before expiry or at
//     half the lifetime when that is sooner.
//   - 408, 429, 500, 502, 503 and 504 are worth another try, honouring
//     Retry-After; IMDS also answers 404 and 410 while it starts (for up
//     to 70 s). IMDS is never probed: auto mode uses it only on an Azure
//     VM (DMI strings) or when AKV_IMDS_ENDPOINT is set.
//   - Identity endpoints are never reached through a proxy (HTTP_PROXY
//     would see a request to 169.254.169.254); Entra ID and the OIDC
//     issuers are remote, so HTTPS_PROXY applies to them. No redirect is
//     followed with a credential.
package credential
