package names

import (
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	for _, tt := range []struct {
		s             string
		vault, secret bool
	}{
		{"", false, false},
		{"a", false, true},
		{"ab", false, true},
		{"abc", true, true},
		{"My-Vault-01", true, true},
		{strings.Repeat("v", 24), true, true},
		{strings.Repeat("v", 25), false, true},
		{strings.Repeat("s", 127), false, true},
		{strings.Repeat("s", 128), false, false},
		{"db_password", false, false},
		{"db.password", false, false},
		{"dé-mo", false, false},
		{"a b", false, false},
	} {
		if got := Vault(tt.s); got != tt.vault {
			t.Errorf("Vault(%q) = %v, want %v", tt.s, got, tt.vault)
		}
		if got := Secret(tt.s); got != tt.secret {
			t.Errorf("Secret(%q) = %v, want %v", tt.s, got, tt.secret)
		}
	}
}
