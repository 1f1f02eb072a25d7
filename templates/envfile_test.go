package templates

import (
	"strings"
	"testing"
)

func TestParseEnvFile(t *testing.T) {
	in := `# a reference env file
export DB_PASSWORD=akv://myvault/db-password
PLAIN = value with spaces   # trailing comment
SINGLE='it''s' # not dotenv: see below
`
	if _, err := ParseEnvFile("f", in); err == nil {
		t.Fatal("adjacent quotes accepted")
	}
	in = "# comment\n\n" +
		"export DB_PASSWORD=akv://myvault/db-password\n" +
		"PLAIN = value with spaces   # trailing comment\n" +
		"HASH=a#b\n" +
		"SINGLE='literal $HOME \\n # kept'\n" +
		"DOUBLE=\"tab\\there \\\"q\\\" \\\\ \\$x\"\n" +
		"MULTI='line1\nline2'\n" +
		"MULTI2=\"a\nb\" # after\n" +
		"EMPTY=\n" +
		"APP=@Microsoft.KeyVault(VaultName=v;SecretName=n)\n" +
		"CRLF=x\r\n"
	want := []EnvEntry{
		{"DB_PASSWORD", "akv://myvault/db-password", 3},
		{"PLAIN", "value with spaces", 4},
		{"HASH", "a#b", 5},
		{"SINGLE", `literal $HOME \n # kept`, 6},
		{"DOUBLE", "tab\there \"q\" \\ $x", 7},
		{"MULTI", "line1\nline2", 8},
		{"MULTI2", "a\nb", 10},
		{"EMPTY", "", 12},
		{"APP", "@Microsoft.KeyVault(VaultName=v;SecretName=n)", 13},
		{"CRLF", "x", 14},
	}
	got, err := ParseEnvFile("f.env", in)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d entries %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestParseEnvFileErrors(t *testing.T) {
	for in, want := range map[string]string{
		"NOEQUALS\n":       "f.env:1: missing '='",
		"A=1\n9X=2\n":      `f.env:2: "9X" is not a valid variable name`,
		"A='open\n":        "unterminated single quote for A",
		"A=\"open\n":       "unterminated double quote for A",
		"A='x' trailing\n": "unexpected text after the value of A",
		"A-B=1\n":          "not a valid variable name",
	} {
		_, err := ParseEnvFile("f.env", in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseEnvFile(%q) err = %v, want %q", in, err, want)
		}
		if e, ok := err.(*Error); !ok || e.Kind != KindUsage {
			t.Errorf("ParseEnvFile(%q): not a usage error", in)
		}
	}
}
