// Package names holds Key Vault's rules for vault and secret names, shared
// by vault (which refuses a bad reference before sending it), akv's
// completion (which offers only such names) and the emulator (which
// refuses what Key Vault refuses). It imports nothing, so the emulator can
// use it without importing vault, whose tests import the emulator.
package names

// Vault reports whether s is a vault name: 3-24 of a-z, A-Z, 0-9 and "-".
func Vault(s string) bool { return of(s, 3, 24) }

// Secret reports whether s is a secret name: 1-127 of a-z, A-Z, 0-9 and "-".
func Secret(s string) bool { return of(s, 1, 127) }

// of reports whether s is min to max characters of a-z, A-Z, 0-9 and "-".
// (No regexp: compiling one costs start-up time on every run.)
func of(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
