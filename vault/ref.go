package vault

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/akv-cli/akv/vault/names"
)

// Ref names one secret, optionally one version of it.
type Ref struct {
	Vault   string // vault name; empty when Host is a host outside the known clouds
	Host    string // host[:port] when the reference named one, else empty
	Name    string
	Version string // 32 hex digits, or empty for the latest
}

func validVaultName(s string) bool  { return names.Vault(s) }
func validSecretName(s string) bool { return names.Secret(s) }

func validVersion(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// String is the canonical form: akv://vault/name[/version], or the Key
// Vault URL when the reference named a host of its own.
func (r Ref) String() string {
	var b strings.Builder
	if r.Host != "" {
		b.WriteString("https://" + r.Host + "/secrets/" + r.Name)
	} else {
		b.WriteString("akv://" + r.Vault + "/" + r.Name)
	}
	if r.Version != "" {
		b.WriteString("/" + r.Version)
	}
	return b.String()
}

// VaultLabel names the vault for messages.
func (r Ref) VaultLabel() string {
	if r.Vault != "" {
		return r.Vault
	}
	return r.Host
}

// IsReference reports whether s is a reference that `run` resolves in an
// environment value or a reference env file: akv://…,
// @Microsoft.KeyVault(…), or an https secret URL whose host is a vault of
// the selected cloud or whose origin is a vault mapped in the endpoint map.
// Any other URL that happens to contain /secrets/ (a link, a webhook) is
// text: it is passed on as it is and never contacted.
func (e Endpoints) IsReference(s string) bool {
	if strings.HasPrefix(s, "akv://") || strings.HasPrefix(s, "@Microsoft.KeyVault(") {
		return true
	}
	if len(s) < len("https://") || !strings.EqualFold(s[:len("https://")], "https://") || !strings.Contains(s, "/secrets/") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	host := originHost(u)
	suffix := e.Suffix
	if suffix == "" {
		suffix = cloudSuffixes["public"]
	}
	if name, ok := strings.CutSuffix(host, "."+suffix); ok && validVaultName(name) {
		return true
	}
	for _, base := range e.Map {
		if m, err := url.Parse(base); err == nil && originHost(m) == host {
			return true
		}
	}
	return false
}

// originHost is u's host, lower case, without the https default port.
func originHost(u *url.URL) string {
	h := strings.ToLower(u.Host)
	if hh, ok := strings.CutSuffix(h, ":443"); ok {
		return hh
	}
	return h
}

func badRef(ref, rule string) error {
	return &Error{Kind: KindUsage, Msg: hideUserInfo(fmt.Sprintf("bad reference %q: %s", ref, rule)),
		Hint: "references look like akv://VAULT/NAME[/VERSION], https://VAULT.vault.azure.net/secrets/NAME[/VERSION], @Microsoft.KeyVault(SecretUri=…) or NAME with --vault"}
}

// hideUserInfo masks what sits between each "://" in s and the last "@"
// after it (before the next "://"): the user name and password someone
// typed into a URL, which a message must never echo. It is deliberately
// wider than a URL parser's user info: a password holding "/" or "?"
// fools the parser, not this.
func hideUserInfo(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+3])
		s = s[i+3:]
		end := len(s)
		if j := strings.Index(s, "://"); j >= 0 {
			end = j
		}
		if at := strings.LastIndex(s[:end], "@"); at >= 0 {
			b.WriteString("***")
			s = s[at:]
		}
	}
}

// Parse reads one reference. defaultVault (from --vault or AKV_VAULT, a
// name or an https URL) is used for bare names.
func Parse(s, defaultVault string) (Ref, error) {
	switch {
	case strings.HasPrefix(s, "akv://"):
		parts := strings.Split(strings.TrimPrefix(s, "akv://"), "/")
		if len(parts) < 2 || len(parts) > 3 {
			return Ref{}, badRef(s, "want akv://VAULT/NAME or akv://VAULT/NAME/VERSION")
		}
		r := Ref{Vault: parts[0], Name: parts[1]}
		if len(parts) == 3 {
			r.Version = parts[2]
		}
		return r, r.check(s)
	case strings.HasPrefix(s, "@Microsoft.KeyVault("):
		return parseAppService(s)
	case strings.Contains(s, "://"):
		return parseURL(s, s)
	}
	if s == "" {
		return Ref{}, badRef(s, "empty reference")
	}
	if !validSecretName(s) {
		return Ref{}, badRef(s, "secret names are 1-127 characters of a-z, A-Z, 0-9 and -")
	}
	if defaultVault == "" {
		return Ref{}, &Error{Kind: KindUsage, Msg: fmt.Sprintf("%q is a bare secret name but no vault is set", s),
			Hint: "pass --vault NAME, set AKV_VAULT, or use akv://VAULT/" + s}
	}
	v, err := ParseVault(defaultVault)
	if err != nil {
		return Ref{}, err
	}
	v.Name = s
	return v, nil
}

// ParseVault reads a vault given as a name or an https:// URL; the Ref it
// returns has no Name.
func ParseVault(v string) (Ref, error) {
	if strings.Contains(v, "://") {
		u, err := url.Parse(v)
		if err != nil || u.Scheme != "https" || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
			return Ref{}, usageErr(hideUserInfo(fmt.Sprintf("bad vault %q: want a vault name or https://HOST", v)), "")
		}
		if u.User != nil {
			return Ref{}, usageErr(hideUserInfo(fmt.Sprintf("bad vault %q: a vault URL holds no user name or password", v)), "want a vault name or https://HOST")
		}
		return hostRef(u.Host), nil
	}
	if !validVaultName(v) {
		return Ref{}, usageErr(fmt.Sprintf("bad vault name %q: vault names are 3-24 characters of a-z, A-Z, 0-9 and -", v), "")
	}
	return Ref{Vault: v}, nil
}

// hostRef derives the vault name from a host in a known cloud.
func hostRef(host string) Ref {
	r := Ref{Host: strings.ToLower(host)}
	h := r.Host
	if hh, _, err := net.SplitHostPort(h); err == nil {
		h = hh
	}
	for _, suffix := range cloudSuffixes {
		if name, ok := strings.CutSuffix(h, "."+suffix); ok && validVaultName(name) {
			r.Vault = name
		}
	}
	return r
}

func parseURL(s, orig string) (Ref, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return Ref{}, badRef(orig, "Key Vault URLs start with https://")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return Ref{}, badRef(orig, "a secret URL has no query, fragment or user info")
	}
	parts := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")
	if len(parts) > 0 && parts[len(parts)-1] == "" && len(parts) > 2 {
		parts = parts[:len(parts)-1] // App Service writes .../secrets/name/
	}
	if len(parts) < 2 || len(parts) > 3 || parts[0] != "secrets" {
		return Ref{}, badRef(orig, "want https://VAULT.vault.azure.net/secrets/NAME[/VERSION]")
	}
	r := hostRef(u.Host)
	r.Name = parts[1]
	if len(parts) == 3 {
		r.Version = parts[2]
	}
	return r, r.check(orig)
}

// parseAppService reads both App Service forms:
// @Microsoft.KeyVault(SecretUri=…) and
// @Microsoft.KeyVault(VaultName=v;SecretName=n[;SecretVersion=x]).
func parseAppService(s string) (Ref, error) {
	body, ok := strings.CutSuffix(strings.TrimPrefix(s, "@Microsoft.KeyVault("), ")")
	if !ok {
		return Ref{}, badRef(s, "missing closing parenthesis")
	}
	fields := map[string]string{}
	for _, kv := range strings.Split(body, ";") {
		if strings.TrimSpace(kv) == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return Ref{}, badRef(s, fmt.Sprintf("%q is not KEY=VALUE", kv))
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if _, dup := fields[k]; dup {
			return Ref{}, badRef(s, fmt.Sprintf("%s given twice", k))
		}
		fields[k] = strings.TrimSpace(v)
	}
	if uri, ok := fields["secreturi"]; ok {
		if len(fields) != 1 {
			return Ref{}, badRef(s, "SecretUri takes no other fields")
		}
		return parseURL(uri, s)
	}
	vault, name := fields["vaultname"], fields["secretname"]
	if vault == "" || name == "" {
		return Ref{}, badRef(s, "want SecretUri=… or VaultName=…;SecretName=…[;SecretVersion=…]")
	}
	for k := range fields {
		if k != "vaultname" && k != "secretname" && k != "secretversion" {
			return Ref{}, badRef(s, fmt.Sprintf("unknown field %q", k))
		}
	}
	r := Ref{Vault: vault, Name: name, Version: fields["secretversion"]}
	return r, r.check(s)
}

func (r Ref) check(orig string) error {
	if r.Host == "" && !validVaultName(r.Vault) {
		return badRef(orig, "vault names are 3-24 characters of a-z, A-Z, 0-9 and -")
	}
	if !validSecretName(r.Name) {
		return badRef(orig, "secret names are 1-127 characters of a-z, A-Z, 0-9 and -")
	}
	if r.Version != "" && !validVersion(r.Version) {
		return badRef(orig, "a version is 32 hexadecimal digits")
	}
	return nil
}
