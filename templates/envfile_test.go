package templates

import (
	"reflect"
	"strings"
	"testing"
)

// envFileCases is the reference env file grammar, one case per rule: what
// ParseEnvFile returns for a file, or the error it gives (err is a part of
// the message; every error is a usage error and returns no entries).
// FuzzParseEnvFile starts from these inputs.
var envFileCases = []struct {
	name string
	in   string
	want []EnvEntry
	err  string
}{
	// What a line may hold.
	{name: "NAME=value", in: "A=1\n", want: []EnvEntry{{"A", "1", 1}}},
	{name: "export prefix", in: "export DB_PASSWORD=akv://myvault/db-password\n",
		want: []EnvEntry{{"DB_PASSWORD", "akv://myvault/db-password", 1}}},
	{name: "blanks around = and a trailing comment", in: "PLAIN = value with spaces   # trailing comment\n",
		want: []EnvEntry{{"PLAIN", "value with spaces", 1}}},
	{name: "# without a blank before it is the value's", in: "HASH=a#b\n", want: []EnvEntry{{"HASH", "a#b", 1}}},
	{name: "single quotes are literal", in: "SINGLE='literal $HOME \\n # kept'\n",
		want: []EnvEntry{{"SINGLE", `literal $HOME \n # kept`, 1}}},
	{name: "double quotes take \\t \\\" \\\\ \\$", in: "DOUBLE=\"tab\\there \\\"q\\\" \\\\ \\$x\"\n",
		want: []EnvEntry{{"DOUBLE", "tab\there \"q\" \\ $x", 1}}},
	{name: "empty value", in: "EMPTY=\n", want: []EnvEntry{{"EMPTY", "", 1}}},
	{name: "an App Service reference is a plain value", in: "APP=@Microsoft.KeyVault(VaultName=v;SecretName=n)\n",
		want: []EnvEntry{{"APP", "@Microsoft.KeyVault(VaultName=v;SecretName=n)", 1}}},
	{name: "CRLF line ends", in: "CRLF=x\r\n", want: []EnvEntry{{"CRLF", "x", 1}}},

	// A whole file: entries keep their order, and each its first line,
	// counting comments, blank lines and the lines of multi-line values.
	{name: "whole file", in: "# comment\n\n" +
		"export DB_PASSWORD=akv://myvault/db-password\n" +
		"PLAIN = value with spaces   # trailing comment\n" +
		"HASH=a#b\n" +
		"SINGLE='literal $HOME \\n # kept'\n" +
		"DOUBLE=\"tab\\there \\\"q\\\" \\\\ \\$x\"\n" +
		"MULTI='line1\nline2'\n" +
		"MULTI2=\"a\nb\" # after\n" +
		"EMPTY=\n" +
		"APP=@Microsoft.KeyVault(VaultName=v;SecretName=n)\n" +
		"CRLF=x\r\n",
		want: []EnvEntry{
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
		}},

	// What is refused, and the line the error names.
	{name: "adjacent quotes are not dotenv", in: "# a reference env file\n" +
		"export DB_PASSWORD=akv://myvault/db-password\n" +
		"PLAIN = value with spaces   # trailing comment\n" +
		"SINGLE='it''s' # not dotenv: see below\n",
		err: "f.env:4: unexpected text after the value of SINGLE"},
	{name: "no =", in: "NOEQUALS\n", err: "f.env:1: missing '='"},
	{name: "a name that starts with a digit", in: "A=1\n9X=2\n", err: `f.env:2: "9X" is not a valid variable name`},
	{name: "a name with a dash", in: "A-B=1\n", err: `f.env:1: "A-B" is not a valid variable name`},
	{name: "unterminated single quote", in: "A='open\n", err: "unterminated single quote for A"},
	{name: "unterminated double quote", in: "A=\"open\n", err: "unterminated double quote for A"},
	{name: "text after a quoted value", in: "A='x' trailing\n", err: "f.env:1: unexpected text after the value of A"},
}

func TestParseEnvFile(t *testing.T) {
	for _, tc := range envFileCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseEnvFile("f.env", tc.in)
			if tc.err != "" {
				e, isErr := err.(*Error)
				switch {
				case err == nil || !strings.Contains(err.Error(), tc.err):
					t.Fatalf("ParseEnvFile(%q) err = %v, want %q", tc.in, err, tc.err)
				case !isErr || e.Kind != KindUsage:
					t.Errorf("ParseEnvFile(%q): %v is not a usage error", tc.in, err)
				case got != nil:
					t.Errorf("ParseEnvFile(%q) returned %+v with its error", tc.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseEnvFile(%q): %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseEnvFile(%q) =\n  %+v\nwant\n  %+v", tc.in, got, tc.want)
			}
		})
	}
}
