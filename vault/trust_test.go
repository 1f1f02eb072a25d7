package vault

import "testing"

// Issue 11 points 3 and 4: the one rule for where tokens may go.
func TestTrusted(t *testing.T) {
	e := Endpoints{Suffix: "vault.azure.net", Map: map[string]string{"myv": "https://kv.corp.internal:8443", "emu": "https://127.0.0.1:4443"}}
	tests := []struct {
		url  string
		want bool
	}{
		{"https://myvault.vault.azure.net", true},
		{"https://MyVault.Vault.Azure.Net:443/secrets/x", true},
		{"https://kv.corp.internal:8443", true},
		{"https://KV.corp.internal:8443/secrets/x", true},
		{"https://127.0.0.1:4443/secrets/x", true},
		{"https://kv.corp.internal", false},       // another port: another origin
		{"https://127.0.0.1:4444", false},         // loopback is not trusted as such
		{"http://myvault.vault.azure.net", false}, // never plain HTTP
		{"https://vault.azure.net", false},        // no vault name
		{"https://evilvault.azure.net", false},
		{"https://myvault.vault.azure.net.evil.example", false},
		{"https://x_y.vault.azure.net", false}, // not a vault name
		{"https://myvault.vault.azure.cn", false},
		{"https://evil.example/secrets/x", false},
		{"https://user@myvault.vault.azure.net", false},
	}
	for _, tt := range tests {
		if got := e.Trusted(tt.url); got != tt.want {
			t.Errorf("Trusted(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
	if a := (Endpoints{}).Audience(); a != "https://vault.azure.net" {
		t.Errorf("default audience %q", a)
	}
	if a := (Endpoints{Suffix: "vault.azure.cn"}).Audience(); a != "https://vault.azure.cn" {
		t.Errorf("china audience %q", a)
	}
}

func TestBearerParams(t *testing.T) {
	tests := []struct {
		header []string
		want   map[string]string
	}{
		{[]string{`Bearer authorization="https://login.microsoftonline.com/t", resource="https://vault.azure.net"`},
			map[string]string{"authorization": "https://login.microsoftonline.com/t", "resource": "https://vault.azure.net"}},
		{[]string{`Bearer authorization="https://a/t",resource="https://vault.azure.net"`},
			map[string]string{"authorization": "https://a/t", "resource": "https://vault.azure.net"}},
		{[]string{`PoP nonce="x"`, `bearer scope=https://vault.azure.net/.default, authorization="https://a/t" , PoP nonce="y"`},
			map[string]string{"scope": "https://vault.azure.net/.default", "authorization": "https://a/t"}},
		{[]string{`Bearer resource="a", resource="b"`}, nil}, // two resources: which one would azsecrets read?
		{[]string{`Bearer resource="unterminated`}, nil},
		{[]string{`Basic realm="x"`}, nil},
	}
	for _, tt := range tests {
		got, ok := bearerParams(tt.header)
		if ok != (tt.want != nil) || len(got) != len(tt.want) {
			t.Errorf("%q: %v, %v; want %v", tt.header, got, ok, tt.want)
			continue
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("%q: %s = %q, want %q", tt.header, k, got[k], v)
			}
		}
	}
}
