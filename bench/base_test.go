package main

import "testing"

// The emulator serves demo and myvault: AKV_VAULT_ENDPOINTS has two
// entries, in either order, and the bench's stats come from demo's.
func TestEmulatorBaseIsDemos(t *testing.T) {
	for _, v := range []string{
		"demo=https://127.0.0.1:33629,myvault=https://127.0.0.1:43075",
		"myvault=https://127.0.0.1:43075, demo=https://127.0.0.1:33629",
		"demo=https://127.0.0.1:33629",
	} {
		e := &emulator{vars: map[string]string{"AKV_VAULT_ENDPOINTS": v}}
		if got := e.base(); got != "https://127.0.0.1:33629" {
			t.Errorf("AKV_VAULT_ENDPOINTS=%s: base %q, want demo's https://127.0.0.1:33629", v, got)
		}
	}
}
