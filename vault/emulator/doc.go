// Package emulator is a fake of Azure Key Vault's secrets API and of the
// identity endpoints that hand out its tokens, for offline use, demos and
// tests. On 127.0.0.1 it serves an HTTPS Key Vault per vault name (the
// whole secrets data plane of the REST reference, with its own CA), a
// Cloud Shell style managed-identity token endpoint, and an HTTPS proxy
// that answers for the clouds' real vault host names and for as much of
// Azure Resource Manager as the Azure CLI's login needs, so unmodified
// SDKs and the Azure CLI run against it with their default settings.
//
// It must never listen on anything but loopback, never forward a request
// or open a connection off the machine, never print and never exit the
// process.
package emulator
