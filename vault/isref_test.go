package vault

import "testing"

// Issue 11 point 11: run resolves only references. An https URL is one
// only when its host is a vault of the selected cloud or its origin is a
// vault mapped in AKV_VAULT_ENDPOINTS; any other URL is text.
func TestEndpointsIsReference(t *testing.T) {
	public := Endpoints{Suffix: "vault.azure.net", Map: map[string]string{"emu": "https://127.0.0.1:8443", "corp": "https://kv.corp.internal"}}
	china := Endpoints{Suffix: "vault.azure.cn"}
	for _, tc := range []struct {
		eps  Endpoints
		s    string
		want bool
	}{
		{public, "akv://myvault/db-password", true},
		{public, "akv://bad", true}, // a malformed reference is an error, not text
		{public, "@Microsoft.KeyVault(VaultName=v;SecretName=n)", true},
		{public, "@Microsoft.KeyVault(SecretUri=https://example.com/secrets/x)", true},
		{public, "https://myvault.vault.azure.net/secrets/db-password", true},
		{public, "https://MyVault.Vault.Azure.Net/secrets/db-password/", true},
		{public, "HTTPS://myvault.vault.azure.net/secrets/x", true},
		{public, "https://myvault.vault.azure.net:443/secrets/x", true},
		{public, "https://myvault.vault.azure.net/secrets/", true}, // broken, but aimed at a vault
		{Endpoints{}, "https://myvault.vault.azure.net/secrets/x", true},
		{public, "https://127.0.0.1:8443/secrets/x", true},
		{public, "https://kv.corp.internal/secrets/x", true},
		{public, "https://kv.corp.internal:443/secrets/x", true},

		{public, "https://example.com/org/secrets/readme", false},
		{public, "https://localhost:1/secrets/x", false},
		{public, "https://127.0.0.1:8444/secrets/x", false},
		{public, "https://127.0.0.1/secrets/x", false},
		{public, "https://kv.corp.internal:8443/secrets/x", false},
		{public, "https://myvault.vault.azure.net.evil.example/secrets/x", false},
		{public, "https://evil.example/secrets/x?h=myvault.vault.azure.net", false},
		{public, "https://myvault.vault.azure.net:8443/secrets/x", false},
		{public, "https://myvault.vault.azure.cn/secrets/x", false},
		{public, "https://x.vault.azure.net/secrets/y", false}, // not a vault name
		{public, "https://myvault.vault.azure.net/keys/x", false},
		{public, "http://myvault.vault.azure.net/secrets/x", false},
		{public, "see https://myvault.vault.azure.net/secrets/x", false},
		{public, "db-password", false},
		{public, "", false},
		{china, "https://myvault.vault.azure.cn/secrets/x", true},
		{china, "https://myvault.vault.azure.net/secrets/x", false},
	} {
		if got := tc.eps.IsReference(tc.s); got != tc.want {
			t.Errorf("%+v IsReference(%q) = %v, want %v", tc.eps, tc.s, got, tc.want)
		}
	}
}
