package vault

import (
	"fmt"
	"strings"
)

// Endpoints maps vault names to base URLs (AKV_VAULT_ENDPOINTS) and knows
// the cloud's DNS suffix.
type Endpoints struct {
	Suffix string            // e.g. vault.azure.net
	Map    map[string]string // name → https://host[:port]
}

// ParseEndpointMap reads "name=https://host:port,other=https://…".
func ParseEndpointMap(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		name, base, err := parseEndpointEntry(pair)
		if err != nil {
			return nil, err
		}
		switch prev, dup := m[name]; {
		case !dup:
			m[name] = base
		case origin(mustParse(prev)) != origin(mustParse(base)):
			return nil, usageErr(fmt.Sprintf("AKV_VAULT_ENDPOINTS maps %s twice, to %s and %s", name, prev, base),
				"map each vault name once")
		}
	}
	return m, nil
}

// URL is the base URL requests for r go to: the mapped endpoint for its
// vault name, else its own host, else NAME.SUFFIX.
func (e Endpoints) URL(r Ref) string {
	if r.Vault != "" {
		if u, ok := e.Map[strings.ToLower(r.Vault)]; ok {
			return u
		}
	}
	if r.Host != "" {
		return "https://" + r.Host
	}
	suffix := e.Suffix
	if suffix == "" {
		suffix = cloudSuffixes["public"]
	}
	return "https://" + strings.ToLower(r.Vault) + "." + suffix
}

// Cloud DNS suffixes for vault hosts.
var cloudSuffixes = map[string]string{
	"public": "vault.azure.net",
	"china":  "vault.azure.cn",
	"usgov":  "vault.usgovcloudapi.net",
}

// CloudSuffix returns the vault DNS suffix for --cloud (public, china,
// usgov) or, when that is empty, for Cloud Shell's ACC_CLOUD.
func CloudSuffix(cloud, accCloud string) (string, error) {
	if cloud == "" {
		switch accCloud {
		case "AzureChinaCloud":
			cloud = "china"
		case "AzureUSGovernment":
			cloud = "usgov"
		default:
			cloud = "public"
		}
	}
	s, ok := cloudSuffixes[strings.ToLower(cloud)]
	if !ok {
		return "", usageErr(fmt.Sprintf("unknown cloud %q", cloud), "use --cloud public, china or usgov")
	}
	return s, nil
}
