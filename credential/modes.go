package credential

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// Auth modes accepted by Select.
const (
	AuthAuto             = "auto"
	AuthWorkload         = "workload"
	AuthAzurePipelines   = "azurepipelines"
	AuthServicePrincipal = "serviceprincipal"
	AuthGitHub           = "github"
	AuthAzureML          = "azureml"
	AuthCloudShell       = "cloudshell"
	AuthAppService       = "appservice"
	AuthIMDS             = "imds"
	AuthAzureCLI         = "azcli"
)

// mode is one --auth value: when the environment points at it, what
// --auth NAME needs, and how to build it. Select, the auto chain and
// Modes all read modes().
type mode struct {
	name string // the --auth value, and the name whoami prints
	// detect says why the auto chain uses this credential, "" when the
	// environment does not point at it.
	detect func(o SelectOptions) string
	// lacks says why --auth NAME cannot work here; nil when it can.
	lacks func(o SelectOptions) error
	// named is the reason --verbose and whoami give for --auth NAME.
	named func(o SelectOptions) string
	// build makes the credential; auto says the chain asks, not --auth.
	build func(o SelectOptions, auto bool) (azcore.TokenCredential, error)

	// needs lists the unset variables an Entra ID mode needs; own are
	// those only it reads: one of them set means the environment meant
	// this mode, even when others are missing. Both nil for the rest.
	needs func(o SelectOptions) []string
	own   []string
}

// modes in auto order. A platform token minted for Entra ID comes
// first: the projected token file exists only for this exchange, and the
// Azure Pipelines variables name one Azure service connection. A client
// secret or certificate put in the environment by hand comes next. GitHub
// OIDC comes last of these: its request variables appear whenever a job
// grants id-token: write, for npm provenance or sigstore as much as for
// Azure. All of them come before the managed identities, which are
// properties of the host (an AKS node or a GitHub-hosted runner is an
// Azure VM whose IMDS identity is not the job's). Of those, MSI_SECRET
// beside MSI_ENDPOINT means Azure ML rather than Cloud Shell; the Azure
// CLI comes last.
func modes() []mode {
	return []mode{
		entraMode(AuthWorkload,
			"AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID are set (Kubernetes workload identity)",
			[]string{"AZURE_FEDERATED_TOKEN_FILE"},
			func(o SelectOptions) []string {
				return missing(o, "AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLIENT_ID", "AZURE_TENANT_ID")
			},
			func(o SelectOptions, e *EntraOptions) (azcore.TokenCredential, error) {
				return NewWorkloadIdentity(o.Getenv("AZURE_FEDERATED_TOKEN_FILE"), e)
			}),
		entraMode(AuthAzurePipelines,
			"SYSTEM_OIDCREQUESTURI, SYSTEM_ACCESSTOKEN and AZURESUBSCRIPTION_* are set (Azure Pipelines service connection)",
			[]string{"AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", "AZURESUBSCRIPTION_CLIENT_ID"},
			func(o SelectOptions) []string {
				return missing(o, "SYSTEM_OIDCREQUESTURI", "SYSTEM_ACCESSTOKEN", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
					"AZURESUBSCRIPTION_CLIENT_ID", "AZURESUBSCRIPTION_TENANT_ID")
			},
			func(o SelectOptions, e *EntraOptions) (azcore.TokenCredential, error) {
				e.ClientID, e.TenantID = o.Getenv("AZURESUBSCRIPTION_CLIENT_ID"), o.Getenv("AZURESUBSCRIPTION_TENANT_ID")
				return NewAzurePipelines(o.Getenv("SYSTEM_OIDCREQUESTURI"), o.Getenv("SYSTEM_ACCESSTOKEN"),
					o.Getenv("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"), e)
			}),
		entraMode(AuthServicePrincipal,
			"AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET are set (service principal)",
			[]string{"AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH"},
			func(o SelectOptions) []string {
				m := missing(o, "AZURE_CLIENT_ID", "AZURE_TENANT_ID")
				if o.Getenv("AZURE_CLIENT_SECRET") == "" && o.Getenv("AZURE_CLIENT_CERTIFICATE_PATH") == "" {
					m = append(m, "AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH")
				}
				return m
			},
			func(o SelectOptions, e *EntraOptions) (azcore.TokenCredential, error) {
				if s := o.Getenv("AZURE_CLIENT_SECRET"); s != "" {
					return NewClientSecret(s, e)
				}
				send, _ := strconv.ParseBool(o.Getenv("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"))
				return NewClientCertificate(o.Getenv("AZURE_CLIENT_CERTIFICATE_PATH"), o.Getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD"), send, e)
			}),
		// ACTIONS_ID_TOKEN_REQUEST_URL alone means id-token: write, not
		// Azure: GitHub owns no variable.
		entraMode(AuthGitHub,
			"ACTIONS_ID_TOKEN_REQUEST_URL, AZURE_CLIENT_ID and AZURE_TENANT_ID are set (GitHub Actions OIDC)",
			nil,
			func(o SelectOptions) []string {
				return missing(o, "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "AZURE_CLIENT_ID", "AZURE_TENANT_ID")
			},
			func(o SelectOptions, e *EntraOptions) (azcore.TokenCredential, error) {
				return NewGitHubActions(o.Getenv("ACTIONS_ID_TOKEN_REQUEST_URL"), o.Getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN"), e)
			}),
		{name: AuthAzureML,
			detect: func(o SelectOptions) string {
				return when(o.Getenv("MSI_ENDPOINT") != "" && o.Getenv("MSI_SECRET") != "", "MSI_ENDPOINT and MSI_SECRET are set (Azure ML)")
			},
			lacks: func(o SelectOptions) error {
				if o.Getenv("MSI_ENDPOINT") == "" || o.Getenv("MSI_SECRET") == "" {
					return &Error{Kind: KindAuth, Msg: "--auth azureml: MSI_ENDPOINT and MSI_SECRET are not set"}
				}
				return nil
			},
			build: func(o SelectOptions, _ bool) (azcore.TokenCredential, error) {
				return NewAzureML(o.Getenv("MSI_SECRET"), o.identity(o.Getenv("MSI_ENDPOINT")))
			}},
		{name: AuthCloudShell,
			detect: func(o SelectOptions) string {
				return when(o.Getenv("MSI_ENDPOINT") != "" && o.Getenv("MSI_SECRET") == "", "MSI_ENDPOINT is set (Cloud Shell)")
			},
			named: func(o SelectOptions) string {
				if o.Getenv("MSI_ENDPOINT") == "" {
					return "--auth cloudshell, MSI_ENDPOINT unset: default endpoint"
				}
				return "--auth cloudshell, MSI_ENDPOINT set"
			},
			build: func(o SelectOptions, _ bool) (azcore.TokenCredential, error) {
				return NewCloudShell(o.identity(o.Getenv("MSI_ENDPOINT")))
			}},
		{name: AuthAppService,
			detect: func(o SelectOptions) string {
				return when(o.Getenv("IDENTITY_ENDPOINT") != "" && o.Getenv("IDENTITY_HEADER") != "",
					"IDENTITY_ENDPOINT and IDENTITY_HEADER are set (App Service)")
			},
			lacks: func(o SelectOptions) error {
				if o.Getenv("IDENTITY_ENDPOINT") == "" || o.Getenv("IDENTITY_HEADER") == "" {
					return &Error{Kind: KindAuth, Msg: "--auth appservice: IDENTITY_ENDPOINT and IDENTITY_HEADER are not set",
						Hint: "App Service and Functions set them when a managed identity is enabled"}
				}
				return nil
			},
			build: func(o SelectOptions, _ bool) (azcore.TokenCredential, error) {
				return NewAppService(o.Getenv("IDENTITY_HEADER"), o.identity(o.Getenv("IDENTITY_ENDPOINT")))
			}},
		{name: AuthIMDS,
			detect: func(o SelectOptions) string {
				switch {
				case o.Getenv("AKV_IMDS_ENDPOINT") != "":
					return "AKV_IMDS_ENDPOINT is set"
				case onAzureVM(o.DMIDir):
					return "this is an Azure VM (DMI)"
				}
				return ""
			},
			build: func(o SelectOptions, _ bool) (azcore.TokenCredential, error) {
				return NewIMDS(o.identity(o.Getenv("AKV_IMDS_ENDPOINT")))
			}},
		{name: AuthAzureCLI,
			detect: func(o SelectOptions) string {
				_, err := o.LookPath("az")
				return when(err == nil, "az is on PATH")
			},
			// --auth azcli runs "az" as PATH has it when the token is asked for.
			build: func(o SelectOptions, auto bool) (azcore.TokenCredential, error) {
				path := ""
				if auto {
					path, _ = o.LookPath("az")
				}
				return NewAzureCLI(&AzureCLIOptions{Path: path, Now: o.Now, Log: o.Log}), nil
			}},
	}
}

// Modes lists the --auth values: auto, then the modes in auto order.
func Modes() []string {
	out := []string{AuthAuto}
	for _, m := range modes() {
		out = append(out, m.name)
	}
	return out
}

func when(ok bool, reason string) string {
	if ok {
		return reason
	}
	return ""
}

// entraMode is a credential that ends in Entra ID: it applies when every
// variable it needs is set, and --auth NAME says which are missing.
// reason names the client secret; a certificate's mode says so instead.
func entraMode(name, reason string, own []string, needs func(SelectOptions) []string,
	build func(o SelectOptions, e *EntraOptions) (azcore.TokenCredential, error)) mode {
	why := func(o SelectOptions) string {
		if name == AuthServicePrincipal && o.Getenv("AZURE_CLIENT_SECRET") == "" {
			return strings.Replace(reason, "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", 1)
		}
		return reason
	}
	return mode{name: name, needs: needs, own: own,
		detect: func(o SelectOptions) string { return when(len(needs(o)) == 0, why(o)) },
		lacks: func(o SelectOptions) error {
			if miss := needs(o); len(miss) > 0 {
				return &Error{Kind: KindAuth, Msg: "--auth " + name + ": " + strings.Join(miss, ", ") + " not set", Hint: entraHint(o, name)}
			}
			return nil
		},
		named: func(o SelectOptions) string { return "--auth " + name + ": " + why(o) },
		build: func(o SelectOptions, _ bool) (azcore.TokenCredential, error) {
			e, err := o.entraOptions()
			if err != nil {
				return nil, err
			}
			return build(o, e)
		}}
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

// halfSet says which mode the environment half-configures, and what it
// lacks: "" when none.
func halfSet(o SelectOptions) string {
	for _, m := range modes() {
		if m.needs == nil {
			continue
		}
		miss := m.needs(o)
		if len(miss) == 0 {
			continue
		}
		for _, v := range m.own {
			if o.Getenv(v) != "" {
				return fmt.Sprintf("%s is set without %s: set %s too (--auth %s)", v, strings.Join(miss, ", "), strings.Join(miss, " and "), m.name)
			}
		}
	}
	return ""
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
