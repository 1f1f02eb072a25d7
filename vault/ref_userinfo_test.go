package vault

import (
	"strings"
	"testing"
)

// TestParseNeverPrintsUserInfo: a password typed into a reference's URL
// (https://user:PASSWORD@…, akv://user:PASSWORD@…, inside
// @Microsoft.KeyVault(SecretUri=…), or a --vault URL) is refused, and the
// refusal never echoes it (issue 13 review: vault.Parse's exit-2 error
// printed it).
func TestParseNeverPrintsUserInfo(t *testing.T) {
	const pw = "hunter2canary"
	refs := []string{
		"https://user:" + pw + "@myvault.vault.azure.net/secrets/x",
		"https://" + pw + "@myvault.vault.azure.net/secrets/x",
		"https://user:" + pw + "@myvault.vault.azure.net",
		"https://user:a/" + pw + "@myvault.vault.azure.net/secrets/x",
		"https://user:" + pw + "@@myvault.vault.azure.net/secrets/x/",
		"HTTPS://user:" + pw + "@myvault.vault.azure.net/secrets/x",
		"http://user:" + pw + "@myvault.vault.azure.net/secrets/x",
		"akv://user:" + pw + "@myvault/x",
		"@Microsoft.KeyVault(SecretUri=https://user:" + pw + "@myvault.vault.azure.net/secrets/x/)",
		"@Microsoft.KeyVault(SecretUri=https://user:" + pw + "@myvault.vault.azure.net/secrets/x/;VaultName=v)",
		"@Microsoft.KeyVault(SecretUri=https://user:" + pw + "@myvault.vault.azure.net/secrets/x/",
		"@Microsoft.KeyVault(https://user:" + pw + "@myvault.vault.azure.net/secrets/x/)",
	}
	for _, ref := range refs {
		_, err := Parse(ref, "")
		if err == nil {
			t.Errorf("Parse(%d): accepted a reference with a password", len(ref))
			continue
		}
		if msg := err.Error() + errHint(err); strings.Contains(msg, pw) {
			t.Errorf("Parse: the error shows the password: %s", strings.ReplaceAll(msg, pw, "<PASSWORD>"))
		}
	}
	for _, v := range []string{
		"https://user:" + pw + "@myvault.vault.azure.net/path",
		"https://user:" + pw + "@myvault.vault.azure.net?q",
		"http://user:" + pw + "@myvault.vault.azure.net",
	} {
		_, err := ParseVault(v)
		if err == nil {
			t.Errorf("ParseVault(%d): accepted", len(v))
			continue
		}
		if msg := err.Error() + errHint(err); strings.Contains(msg, pw) {
			t.Errorf("ParseVault: the error shows the password: %s", strings.ReplaceAll(msg, pw, "<PASSWORD>"))
		}
	}
}

// TestParseVaultRefusesUserInfo: a --vault URL with a user name or password
// is refused like a reference with one, not silently stripped.
func TestParseVaultRefusesUserInfo(t *testing.T) {
	if _, err := ParseVault("https://user:pw@myvault.vault.azure.net"); err == nil {
		t.Error("ParseVault accepted https://user:pw@myvault.vault.azure.net")
	}
	if _, err := Parse("x", "https://user:pw@myvault.vault.azure.net/"); err == nil {
		t.Error("Parse accepted a bare name with --vault https://user:pw@…")
	}
}

func errHint(err error) string {
	if e, ok := err.(*Error); ok {
		return e.Hint
	}
	return ""
}
