package credential

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// Auth modes of the credentials that end in Entra ID.
const (
	AuthWorkload         = "workload"
	AuthGitHub           = "github"
	AuthAzurePipelines   = "azurepipelines"
	AuthServicePrincipal = "serviceprincipal"
)

// entraMode is one Entra ID credential: which variables it needs, why it
// applies, and how to build it. Select and the auto chain both read this
// table.
type entraMode struct {
	mode   string
	name   string // Candidate name, as whoami prints it
	needs  func(o SelectOptions) []string
	reason string // why it applies; serviceprincipal names the secret or the certificate
	// own are variables only this mode reads: one of them set means the
	// environment meant this mode, even when others it needs are missing.
	own   []string
	build func(o SelectOptions, e *EntraOptions) (azcore.TokenCredential, error)
}

// entraModes in auto order. A platform token minted for Entra ID comes
// first: the projected token file exists only for this exchange, and the
// Azure Pipelines variables name one Azure service connection. A client
// secret or certificate put in the environment by hand comes next. GitHub
// OIDC comes last of these: its request variables appear whenever a job
// grants id-token: write, for npm provenance or sigstore as much as for
// Azure. All of them come before the managed identities, which are
// properties of the host (an AKS node or a GitHub-hosted runner is an
// Azure VM whose IMDS identity is not the job's).
func entraModes() []entraMode {
	return []entraMode{
		{mode: AuthWorkload, name: "workload",
			needs: func(o SelectOptions) []string {
				return missing(o, "AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLIENT_ID", "AZURE_TENANT_ID")
			},
			reason: "AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID are set (Kubernetes workload identity)",
			own:    []string{"AZURE_FEDERATED_TOKEN_FILE"},
			build: func(o SelectOptions, e *EntraOptions) (azcore.TokenCredential, error) {
				return NewWorkloadIdentity(o.Getenv("AZURE_FEDERATED_TOKEN_FILE"), e)
			}},
		{mode: AuthAzurePipelines, name: "azurepipelines",
			needs: func(o SelectOptions) []string {
				return missing(o, "SYSTEM_OIDCREQUESTURI", "SYSTEM_ACCESSTOKEN", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
					"AZURESUBSCRIPTION_CLIENT_ID", "AZURESUBSCRIPTION_TENANT_ID")
			},
			reason: "SYSTEM_OIDCREQUESTURI, SYSTEM_ACCESSTOKEN and AZURESUBSCRIPTION_* are set (Azure Pipelines service connection)",
			own:    []string{"AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", "AZURESUBSCRIPTION_CLIENT_ID"},
			build: func(o SelectOptions, e *EntraOptions) (azcore.TokenCredential, error) {
				e.ClientID, e.TenantID = o.Getenv("AZURESUBSCRIPTION_CLIENT_ID"), o.Getenv("AZURESUBSCRIPTION_TENANT_ID")
				return NewAzurePipelines(o.Getenv("SYSTEM_OIDCREQUESTURI"), o.Getenv("SYSTEM_ACCESSTOKEN"),
					o.Getenv("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"), e)
			}},
		{mode: AuthServicePrincipal, name: "serviceprincipal",
			needs: func(o SelectOptions) []string {
				m := missing(o, "AZURE_CLIENT_ID", "AZURE_TENANT_ID")
				if o.Getenv("AZURE_CLIENT_SECRET") == "" && o.Getenv("AZURE_CLIENT_CERTIFICATE_PATH") == "" {
					m = append(m, "AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH")
				}
				return m
			},
			reason: "AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET are set (service principal)",
			own:    []string{"AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH"},
			build: func(o SelectOptions, e *EntraOptions) (azcore.TokenCredential, error) {
				if s := o.Getenv("AZURE_CLIENT_SECRET"); s != "" {
					return NewClientSecret(s, e)
				}
				send, _ := strconv.ParseBool(o.Getenv("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"))
				return NewClientCertificate(o.Getenv("AZURE_CLIENT_CERTIFICATE_PATH"), o.Getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD"), send, e)
			}},
		{mode: AuthGitHub, name: "github",
			needs: func(o SelectOptions) []string {
				return missing(o, "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "AZURE_CLIENT_ID", "AZURE_TENANT_ID")
			},
			reason: "ACTIONS_ID_TOKEN_REQUEST_URL, AZURE_CLIENT_ID and AZURE_TENANT_ID are set (GitHub Actions OIDC)",
			// ACTIONS_ID_TOKEN_REQUEST_URL alone means id-token: write, not Azure.
			build: func(o SelectOptions, e *EntraOptions) (azcore.TokenCredential, error) {
				return NewGitHubActions(o.Getenv("ACTIONS_ID_TOKEN_REQUEST_URL"), o.Getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN"), e)
			}},
	}
}

func (m entraMode) why(o SelectOptions) string {
	if m.mode == AuthServicePrincipal && o.Getenv("AZURE_CLIENT_SECRET") == "" {
		return strings.Replace(m.reason, "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", 1)
	}
	return m.reason
}

// missing lists the variables of names that are unset; AZURE_CLIENT_ID
// may also come from --client-id.
func missing(o SelectOptions, names ...string) []string {
	var out []string
	for _, n := range names {
		v := o.Getenv(n)
		if n == "AZURE_CLIENT_ID" && o.ClientID != "" {
			v = o.ClientID
		}
		if v == "" {
			out = append(out, n)
		}
	}
	return out
}

// entraOptions is what every Entra ID credential shares: the authority
// (AZURE_AUTHORITY_HOST over the cloud's), the ids and the transport.
func (o SelectOptions) entraOptions() (*EntraOptions, error) {
	e := &EntraOptions{AuthorityHost: o.AuthorityHost, TenantID: o.Getenv("AZURE_TENANT_ID"), ClientID: o.ClientID,
		Now: o.Now, Log: o.Log}
	if h := o.Getenv("AZURE_AUTHORITY_HOST"); h != "" {
		e.AuthorityHost = h
	}
	if o.RemoteTransport != nil {
		rt, err := o.RemoteTransport()
		if err != nil {
			return nil, err
		}
		e.Transport = rt
	}
	return e, nil
}

// halfSet says which mode the environment half-configures, and what it
// lacks: "" when none.
func halfSet(o SelectOptions) string {
	for _, m := range entraModes() {
		miss := m.needs(o)
		if len(miss) == 0 {
			continue
		}
		for _, v := range m.own {
			if o.Getenv(v) != "" {
				return fmt.Sprintf("%s is set without %s: set %s too (--auth %s)", v, strings.Join(miss, ", "), strings.Join(miss, " and "), m.mode)
			}
		}
	}
	return ""
}

// entraCandidates lists, in auto order, the Entra ID credentials whose
// variables are all set; --verbose names a half-configured one.
func entraCandidates(o SelectOptions) ([]Candidate, error) {
	if h := halfSet(o); h != "" && o.Log != nil {
		o.Log("credential: %s", h)
	}
	var out []Candidate
	for _, m := range entraModes() {
		if len(m.needs(o)) > 0 {
			continue
		}
		e, err := o.entraOptions()
		if err != nil {
			return nil, err
		}
		c, err := m.build(o, e)
		if err != nil {
			return nil, err
		}
		out = append(out, Candidate{Name: m.name, Reason: m.why(o), Credential: c})
	}
	return out, nil
}

// selectEntra builds the named Entra ID mode, or says which variables are
// missing. ok is false for a mode that is not one of these.
func selectEntra(o SelectOptions, mode string) (sel Selected, ok bool, err error) {
	for _, m := range entraModes() {
		if m.mode != mode {
			continue
		}
		if miss := m.needs(o); len(miss) > 0 {
			return Selected{}, true, &Error{Kind: KindAuth, Msg: "--auth " + mode + ": " + strings.Join(miss, ", ") + " not set",
				Hint: entraHint(o, mode)}
		}
		e, err := o.entraOptions()
		if err != nil {
			return Selected{}, true, err
		}
		c, err := m.build(o, e)
		if err != nil {
			return Selected{}, true, err
		}
		return Selected{Credential: c, Name: m.name, Reason: "--auth " + mode + ": " + m.why(o)}, true, nil
	}
	return Selected{}, false, nil
}

// entraHint says what a half-configured CI job lacks; "" when nothing
// points at one.
func entraHint(o SelectOptions, mode string) string {
	env := o.Getenv
	if h := halfSet(o); h != "" && mode == "" {
		return h
	}
	github := env("GITHUB_ACTIONS") == "true" || mode == AuthGitHub
	switch {
	case github && env("ACTIONS_ID_TOKEN_REQUEST_URL") == "":
		return "this GitHub Actions job cannot request an OIDC token: grant it permissions: id-token: write"
	case github && len(missing(o, "AZURE_CLIENT_ID", "AZURE_TENANT_ID")) > 0:
		return "set AZURE_CLIENT_ID and AZURE_TENANT_ID to the application with the federated credential (the akv action's client-id and tenant-id inputs)"
	case mode == AuthAzurePipelines || env("TF_BUILD") == "True":
		if env("SYSTEM_ACCESSTOKEN") == "" {
			return "map the job's token into the step: env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)"
		}
		return "run akv in an AzureCLI@2 task with a workload identity federation service connection; it exports AZURESUBSCRIPTION_*"
	case mode == AuthWorkload || env("AZURE_FEDERATED_TOKEN_FILE") != "" || env("KUBERNETES_SERVICE_HOST") != "" && mode == "":
		return `label the pod azure.workload.identity/use: "true" and give it a service account annotated azure.workload.identity/client-id`
	case mode == AuthServicePrincipal:
		return "set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH"
	}
	return ""
}
