package vault

import (
	"strings"
	"testing"
)

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
		{"https://\u212Aeyvault.vault.azure.net", false}, // a Kelvin sign, "k" to strings.ToLower: sent as xn--eyvault-…
		{"https://\u212Av.corp.internal:8443", false},
		{"https://MYVAULT.VAULT.AZURE.NET.", false}, // a trailing dot is another name to TLS
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

// Issue 11 points 3 and 9: AKV_VAULT_ENDPOINTS maps a name to an origin,
// nothing more: a path, query or fragment would be sent on every request
// (or silently dropped), a user name or password is never printed back,
// and a name mapped twice to different origins is ambiguous.
func TestParseEndpointMapRefusals(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"demo=https://u:hunter2@127.0.0.1:4443", `AKV_VAULT_ENDPOINTS: entry "demo=https://***@127.0.0.1:4443" holds a user name or password`},
		{"demo=https://hunter2@kv.internal", "holds a user name or password"},
		{"demo=https://kv.internal/path", `AKV_VAULT_ENDPOINTS: entry "demo=https://kv.internal/path" has a path, query or fragment`},
		{"demo=https://kv.internal?x=1", "has a path, query or fragment"},
		{"demo=https://kv.internal/?", "has a path, query or fragment"},
		{"demo=https://kv.internal#f", "has a path, query or fragment"},
		{"demo=https://kv.internal//", "has a path, query or fragment"},
		{"demo=https://:4443", "has no host"},
		{"demo=https://kv.internal:99999", "has port 99999, which is not 1-65535"},
		{"demo=https://kv.internal:0", "has port 0"},
		{"demo=https://kv.internal,DEMO=https://kv2.internal", `AKV_VAULT_ENDPOINTS maps demo twice`},
	} {
		_, err := ParseEndpointMap(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) || KindOf(err) != KindUsage {
			t.Errorf("ParseEndpointMap(%q) = %v, want a usage error with %q", tt.in, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error()+hintOf(err), "hunter2") {
			t.Errorf("ParseEndpointMap(%q) prints the password: %v", tt.in, err)
		}
	}
	m, err := ParseEndpointMap("demo=https://KV.internal:4443/, demo=https://kv.internal:4443, other=https://[::1]:8443")
	if err != nil {
		t.Fatal(err)
	}
	if m["demo"] != "https://KV.internal:4443" || m["other"] != "https://[::1]:8443" {
		t.Fatalf("map = %q", m)
	}
}
