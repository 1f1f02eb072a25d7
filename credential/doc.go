// Package credential holds akv's azcore.TokenCredential implementations,
// starting with the Azure Cloud Shell managed-identity endpoint.
//
// Every credential here caches tokens per resource, lets one request per
// resource be in flight at a time, retries transient failures and turns
// failures into errors that say what to do next. It never prints, never
// reads flags, never exits the process, and never puts a token into an
// error, a log line or a panic.
package credential
