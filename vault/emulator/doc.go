// Package emulator is a fake of Azure Key Vault's secrets API, of the
// identity endpoints that hand out its tokens, and of the little of Azure
// Resource Manager the Azure CLI's login needs, for offline use, demos and
// tests. On 127.0.0.1 it serves:
//
//   - an HTTPS Key Vault per vault name (vault.go, secrets.go): the whole
//     secrets data plane of the REST reference — get, set, update, list,
//     versions, delete, recover, purge, backup, restore — including
//     certificate-backed secrets (certs.go), its challenge, throttling and
//     error shapes; names are refused by the rule vault refuses them by
//     (vault/names);
//   - a Cloud Shell style managed-identity token endpoint (msi.go);
//   - Entra ID's token endpoint and the OIDC issuers of GitHub Actions,
//     Azure Pipelines and Kubernetes workload identity (entra.go);
//   - an HTTPS proxy (proxy.go) that answers CONNECTs for the clouds' real
//     vault host names and for management.azure.com (arm.go) itself,
//
// all with certificates from its own throwaway CA (tls.go), so unmodified
// SDKs and the Azure CLI run against it with their default settings. Env
// quotes the environment it prints as export does (templates.Shell).
//
// It must never listen on anything but loopback, never forward a request
// or open a connection off the machine, never print and never exit the
// process.
package emulator
