package vault

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Where tokens may go, in one place (issue 11, points 3 and 4):
//
//   - Trusted says which origins are vaults: an https origin whose host is
//     a vault under the selected cloud's Key Vault domain
//     (NAME.vault.azure.net), or an origin the user mapped in
//     AKV_VAULT_ENDPOINTS. The client sends nothing to any other origin.
//   - Audience is the one resource akv asks tokens for; a challenge naming
//     anything else is refused before a token is requested, on every host.
//   - Each vault's requests go only to its own origin (vaultTransport).

// suffix is the cloud's vault DNS suffix, public when unset.
func (e Endpoints) suffix() string {
	if e.Suffix == "" {
		return cloudSuffixes["public"]
	}
	return strings.ToLower(e.Suffix)
}

// Audience is the cloud's Key Vault token audience, e.g.
// https://vault.azure.net: the only resource akv asks tokens for.
func (e Endpoints) Audience() string { return "https://" + e.suffix() }

// Trusted reports whether the origin of rawURL may receive a Key Vault
// token: https, and either a host under the cloud's Key Vault domain or
// an origin mapped in AKV_VAULT_ENDPOINTS.
func (e Endpoints) Trusted(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return false
	}
	if o := origin(u); o != "" {
		for _, m := range e.Map {
			if mu, err := url.Parse(m); err == nil && origin(mu) == o {
				return true
			}
		}
	}
	return e.underSuffix(u.Hostname())
}

// underSuffix reports whether host is NAME.SUFFIX for a valid vault NAME.
func (e Endpoints) underSuffix(host string) bool {
	if !ascii(host) {
		return false
	}
	name, ok := strings.CutSuffix(strings.ToLower(host), "."+e.suffix())
	return ok && validVaultName(name)
}

// origin is scheme://host:port, lower case, with the default port spelled
// out, so https://H and https://H:443 are one origin. A host that is not
// ASCII has none, so it is no vault's: strings.ToLower folds the Kelvin
// sign (U+212A) to "k", but Go's HTTP client sends such a host as
// punycode (xn--…), another name than the one it was matched to.
func origin(u *url.URL) string {
	if u == nil || u.Host == "" || !ascii(u.Host) {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[scheme]
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// parseEndpointEntry reads one AKV_VAULT_ENDPOINTS entry, NAME=ORIGIN,
// into the lower-case name and https://HOST[:PORT]. An origin is all it
// may be: a path, query or fragment would ride along on every request, a
// user name or password is never sent (nor printed back), a port is
// 1-65535.
func parseEndpointEntry(pair string) (name, base string, err error) {
	refuse := func(shown, why string) (string, string, error) {
		return "", "", usageErr(fmt.Sprintf("AKV_VAULT_ENDPOINTS: entry %q %s", shown, why),
			"want name=https://host[:port], comma-separated")
	}
	name, raw, ok := strings.Cut(pair, "=")
	if i := strings.Index(raw, "://"); i >= 0 {
		if at := strings.LastIndex(strings.SplitN(raw[i+3:], "/", 2)[0], "@"); at >= 0 {
			return refuse(name+"="+raw[:i+3]+"***"+raw[i+3+at:], "holds a user name or password, which akv never sends")
		}
	}
	u, perr := url.Parse(raw)
	switch {
	case !ok || !validVaultName(name):
		return refuse(pair, "does not start with a vault name and =")
	case perr != nil || u.Scheme != "https" || u.Opaque != "":
		return refuse(pair, "is not an https URL")
	case u.Hostname() == "":
		return refuse(pair, "has no host")
	case u.Port() != "" && !validPort(u.Port()):
		return refuse(pair, fmt.Sprintf("has port %s, which is not 1-65535", u.Port()))
	case u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.HasSuffix(raw, "#"):
		return refuse(pair, "has a path, query or fragment: map the vault's origin, https://host[:port]")
	}
	return strings.ToLower(name), strings.TrimSuffix(raw, "/"), nil
}

// ascii reports whether s has only ASCII bytes.
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// mustParse parses a URL that was parsed before.
func mustParse(s string) *url.URL {
	u, _ := url.Parse(s)
	return u
}

// untrusted is the refusal of a reference whose host may not receive a
// token: nothing is sent there.
func (e Endpoints) untrusted(label, base string) error {
	hint := "map a private endpoint with AKV_VAULT_ENDPOINTS=NAME=" + base + " and use akv://NAME/SECRET"
	if u, err := url.Parse(base); err == nil {
		for cloud, s := range cloudSuffixes {
			if strings.HasSuffix(strings.ToLower(u.Hostname()), "."+s) && s != e.suffix() {
				hint = fmt.Sprintf("that is a vault of the %s cloud: pass --cloud %s (or set AKV_CLOUD)", cloud, cloud)
			}
		}
	}
	return &Error{Kind: KindUsage, Op: "vault " + label,
		Msg:  fmt.Sprintf("%s is not a Key Vault host of this cloud (*.%s) nor mapped in AKV_VAULT_ENDPOINTS: akv sends it nothing", base, e.suffix()),
		Hint: hint}
}

// checkResource refuses a challenge resource that is not the cloud's Key
// Vault audience ("https://vault.azure.net", with or without "/" or
// "/.default").
func (e Endpoints) checkResource(label, resource string) error {
	r := strings.TrimSuffix(strings.TrimSuffix(resource, "/.default"), "/")
	if strings.EqualFold(r, e.Audience()) {
		return nil
	}
	hint := "a Key Vault's challenge names " + e.Audience() + "; check that the endpoint is a Key Vault (AKV_VAULT_ENDPOINTS)"
	for cloud, s := range cloudSuffixes {
		if strings.EqualFold(r, "https://"+s) {
			hint = fmt.Sprintf("that is the %s cloud's Key Vault audience: pass --cloud %s (or set AKV_CLOUD)", cloud, cloud)
		}
	}
	return &fault{msg: fmt.Sprintf("vault %s asked for a token for %s, not the Key Vault audience %s: akv asked for none",
		label, quoteServer(resource), e.Audience()), hint: hint}
}

// quoteServer delimits text from a server in an error message, cut when
// long. It escapes nothing: cmd escapes every byte it prints (the one
// rule, in cmd/akv/inert.go), so the message keeps the text as sent.
func quoteServer(s string) string {
	const max = 160
	if len(s) > max {
		return `"` + s[:max] + `"…`
	}
	return `"` + s + `"`
}
