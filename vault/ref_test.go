package vault

import (
	"strings"
	"testing"
)

const ver = "0123456789abcdef0123456789abcdef"

func TestParse(t *testing.T) {
	tests := []struct {
		in, def string
		want    Ref
	}{
		{"akv://myvault/db-password", "", Ref{Vault: "myvault", Name: "db-password"}},
		{"akv://myvault/db-password/" + ver, "", Ref{Vault: "myvault", Name: "db-password", Version: ver}},
		{"https://myvault.vault.azure.net/secrets/db-password", "", Ref{Vault: "myvault", Host: "myvault.vault.azure.net", Name: "db-password"}},
		{"https://MyVault.vault.azure.net/secrets/db-password/" + ver, "", Ref{Vault: "myvault", Host: "myvault.vault.azure.net", Name: "db-password", Version: ver}},
		{"https://kv.vault.azure.cn/secrets/x", "", Ref{Host: "kv.vault.azure.cn", Name: "x"}}, // "kv" is too short for a vault name
		{"https://kv.internal:8443/secrets/x", "", Ref{Host: "kv.internal:8443", Name: "x"}},
		{"@Microsoft.KeyVault(SecretUri=https://myvault.vault.azure.net/secrets/db-password/)", "", Ref{Vault: "myvault", Host: "myvault.vault.azure.net", Name: "db-password"}},
		{"@Microsoft.KeyVault(SecretUri=https://myvault.vault.azure.net/secrets/db-password/" + ver + ")", "", Ref{Vault: "myvault", Host: "myvault.vault.azure.net", Name: "db-password", Version: ver}},
		{"@Microsoft.KeyVault(VaultName=myvault;SecretName=db-password)", "", Ref{Vault: "myvault", Name: "db-password"}},
		{"@Microsoft.KeyVault(VaultName=myvault;SecretName=db-password;SecretVersion=" + ver + ")", "", Ref{Vault: "myvault", Name: "db-password", Version: ver}},
		{"db-password", "myvault", Ref{Vault: "myvault", Name: "db-password"}},
		{"db-password", "https://myvault.vault.azure.net", Ref{Vault: "myvault", Host: "myvault.vault.azure.net", Name: "db-password"}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, tt.def)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		back, err := Parse(got.String(), "")
		if err != nil || back != got {
			t.Errorf("Parse(%q.String() = %q) = %+v, %v", tt.in, got.String(), back, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, def, want string }{
		{"akv://ab/x", "", "vault names are 3-24"},
		{"akv://myvault/", "", "secret names are 1-127"},
		{"akv://myvault/a_b", "", "secret names"},
		{"akv://myvault/x/123", "", "32 hexadecimal"},
		{"akv://myvault", "", "want akv://VAULT/NAME"},
		{"akv://myvault/x/" + ver + "/y", "", "want akv://VAULT/NAME"},
		{"http://myvault.vault.azure.net/secrets/x", "", "https://"},
		{"https://myvault.vault.azure.net/keys/x", "", "secrets/NAME"},
		{"https://myvault.vault.azure.net/secrets/x?a=b", "", "no query"},
		{"@Microsoft.KeyVault(VaultName=myvault)", "", "SecretName"},
		{"@Microsoft.KeyVault(VaultName=myvault;SecretName=x", "", "closing parenthesis"},
		{"@Microsoft.KeyVault(VaultName=myvault;SecretName=x;Color=red)", "", "unknown field"},
		{"@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/x;VaultName=vvv)", "", "no other fields"},
		{"db-password", "", "no vault is set"},
		{"db password", "myvault", "secret names"},
		{"", "myvault", "empty"},
		{strings.Repeat("a", 128), "myvault", "secret names"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in, tt.def)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) err = %v, want it to mention %q", tt.in, err, tt.want)
			continue
		}
		if KindOf(err) != KindUsage {
			t.Errorf("Parse(%q): kind %q, want usage", tt.in, KindOf(err))
		}
	}
}

func TestEndpoints(t *testing.T) {
	m, err := ParseEndpointMap("demo=https://127.0.0.1:4443, other=https://kv.internal/")
	if err != nil {
		t.Fatal(err)
	}
	e := Endpoints{Suffix: "vault.azure.cn", Map: m}
	for in, want := range map[string]string{
		"akv://demo/x":                                                           "https://127.0.0.1:4443",
		"https://demo.vault.azure.net/secrets/x":                                 "https://127.0.0.1:4443",
		"@Microsoft.KeyVault(VaultName=demo;SecretName=x)":                       "https://127.0.0.1:4443",
		"@Microsoft.KeyVault(SecretUri=https://demo.vault.azure.net/secrets/x/)": "https://127.0.0.1:4443",
		"akv://other/x":                         "https://kv.internal",
		"akv://chinese/x":                       "https://chinese.vault.azure.cn",
		"https://pub.vault.azure.net/secrets/x": "https://pub.vault.azure.net",
	} {
		r, err := Parse(in, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := e.URL(r); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"demo", "demo=http://x", "x=https://y", "demo=https://"} {
		if _, err := ParseEndpointMap(bad); err == nil {
			t.Errorf("ParseEndpointMap(%q) accepted", bad)
		}
	}
}

func TestCloudSuffix(t *testing.T) {
	for _, tt := range []struct{ cloud, acc, want string }{
		{"", "", "vault.azure.net"}, {"", "PROD", "vault.azure.net"},
		{"", "AzureChinaCloud", "vault.azure.cn"}, {"", "AzureUSGovernment", "vault.usgovcloudapi.net"},
		{"usgov", "AzureChinaCloud", "vault.usgovcloudapi.net"}, {"PUBLIC", "", "vault.azure.net"},
	} {
		if got, err := CloudSuffix(tt.cloud, tt.acc); err != nil || got != tt.want {
			t.Errorf("CloudSuffix(%q, %q) = %q, %v", tt.cloud, tt.acc, got, err)
		}
	}
	if _, err := CloudSuffix("mars", ""); err == nil {
		t.Error("unknown cloud accepted")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"akv://myvault/db-password", "https://myvault.vault.azure.net/secrets/x/" + ver,
		"@Microsoft.KeyVault(VaultName=myvault;SecretName=x)", "@Microsoft.KeyVault(SecretUri=https://a.b/secrets/x/)", "db-password", "https://h:1/secrets/a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s, "myvault")
		if err != nil {
			return
		}
		back, err := Parse(r.String(), "")
		if err != nil {
			t.Fatalf("Parse(%q) = %+v, but its String %q does not parse: %v", s, r, r.String(), err)
		}
		if back != r {
			t.Fatalf("round trip of %q: %+v → %q → %+v", s, r, r.String(), back)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	refs := []string{"akv://myvault/db-password", "https://myvault.vault.azure.net/secrets/db-password/" + ver,
		"@Microsoft.KeyVault(VaultName=myvault;SecretName=db-password)", "db-password"}
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range refs {
			if _, err := Parse(r, "myvault"); err != nil {
				b.Fatal(err)
			}
		}
	}
}
