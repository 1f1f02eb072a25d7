package vault

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// checkChallenge verifies a Key Vault challenge and rewrites it in the one
// shape azsecrets parses safely: its own parser splits on spaces and
// indexes the authorization URL's path (a panic without a tenant).
func (t *vaultTransport) checkChallenge(resp *http.Response) *fault {
	params, ok := bearerParams(resp.Header.Values("WWW-Authenticate"))
	malformed := func(why string) *fault {
		return &fault{msg: fmt.Sprintf("vault %s sent a malformed challenge (%s)", t.label, why)}
	}
	if !ok {
		return malformed("no Bearer challenge")
	}
	resource, hasResource := params["resource"]
	scope, hasScope := params["scope"]
	for _, r := range []struct {
		has bool
		v   string
	}{{hasResource, resource}, {hasScope, scope}} {
		if r.has {
			if err := t.eps.checkResource(t.label, r.v); err != nil {
				return err.(*fault)
			}
		}
	}
	if params["error"] == "insufficient_claims" {
		// A claims challenge (CAE) for a token akv already holds: azcore
		// asks again for the audience it verified before. Only one that
		// carries claims is azcore's to answer; rewritten to just that, no
		// other parser sees anything this one did not verify.
		if params["claims"] == "" {
			return malformed("a claims challenge without claims")
		}
		resp.Header.Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="insufficient_claims", claims="%s"`, params["claims"]))
		return nil
	}
	if !hasResource && !hasScope {
		return malformed("no resource")
	}
	authority, err := url.Parse(params["authorization"])
	if err != nil || authority.Scheme != "https" || !validTenant(strings.ReplaceAll(authority.Host, ":", "")) || authority.User != nil {
		return malformed("authorization " + quoteServer(params["authorization"]) + " is no https URL")
	}
	tenant, _, _ := strings.Cut(strings.TrimPrefix(authority.EscapedPath(), "/"), "/")
	if !validTenant(tenant) {
		return malformed("authorization " + quoteServer(params["authorization"]) + " names no tenant")
	}
	resp.Header.Set("WWW-Authenticate", fmt.Sprintf(`Bearer authorization="https://%s/%s", resource="%s"`,
		authority.Host, tenant, t.eps.Audience()))
	return nil
}

// validTenant accepts a tenant id or a domain name: letters, digits, '-'
// and '.'.
func validTenant(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// bearerParams reads the parameters of the first Bearer challenge among
// WWW-Authenticate values (RFC 7235: the scheme, then name=value or
// name="value" pairs separated by commas, until the next scheme).
func bearerParams(values []string) (map[string]string, bool) {
	for _, v := range values {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(v), " ")
		if !strings.EqualFold(scheme, "Bearer") {
			continue
		}
		params := map[string]string{}
		for {
			rest = strings.TrimLeft(rest, " \t,")
			if rest == "" {
				break
			}
			name, after, ok := strings.Cut(rest, "=")
			name = strings.TrimSpace(name)
			if !ok || name == "" {
				return nil, false
			}
			if strings.ContainsAny(name, " \t") {
				break // the next challenge's scheme
			}
			after = strings.TrimLeft(after, " \t")
			var value string
			if strings.HasPrefix(after, `"`) {
				end := strings.IndexByte(after[1:], '"')
				if end < 0 {
					return nil, false
				}
				value, rest = after[1:1+end], after[2+end:]
			} else {
				end := strings.IndexAny(after, ", \t")
				if end < 0 {
					end = len(after)
				}
				value, rest = after[:end], after[end:]
			}
			name = strings.ToLower(name)
			if _, dup := params[name]; dup {
				return nil, false
			}
			params[name] = value
		}
		return params, true
	}
	return nil, false
}
