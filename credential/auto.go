package credential

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// Auth modes accepted by Select.
const (
	AuthAuto       = "auto"
	AuthCloudShell = "cloudshell"
	AuthAppService = "appservice"
	AuthIMDS       = "imds"
	AuthAzureML    = "azureml"
	AuthAzureCLI   = "azcli"
)

// DefaultDMIDir is where Linux exposes the machine's DMI strings.
const DefaultDMIDir = "/sys/class/dmi/id"

// azureAssetTag is the chassis asset tag of every Azure VM.
const azureAssetTag = "7783-7084-3265-9085-8269-3286-77"

// SelectOptions carries what Select needs from the outside world.
type SelectOptions struct {
	Mode      string                       // AuthAuto (default) or a named credential
	ClientID  string                       // user-assigned identity (--client-id / AZURE_CLIENT_ID)
	Getenv    func(string) string          // environment lookup; nil means none set
	LookPath  func(string) (string, error) // finds az; nil means exec.LookPath
	DMIDir    string                       // DMI strings; "" means DefaultDMIDir
	Transport http.RoundTripper            // for identity endpoints; nil means default
	Now       func() time.Time             // nil means time.Now
	Log       func(string, ...any)         // diagnostics, never tokens
	// AuthorityHost is the cloud's Entra ID host (CloudAuthority);
	// AZURE_AUTHORITY_HOST overrides it. "" means the public cloud.
	AuthorityHost string
	// RemoteTransport, when set, builds the transport for Entra ID and the
	// OIDC issuers (proxy and AKV_CA_FILE honoured); called only when such
	// a credential is chosen.
	RemoteTransport func() (http.RoundTripper, error)
}

// Selected is the credential Select chose, with the reason for --verbose
// and whoami.
type Selected struct {
	Credential azcore.TokenCredential
	Name       string
	Reason     string
}

// Modes lists the --auth values.
func Modes() []string {
	return []string{AuthAuto, AuthWorkload, AuthGitHub, AuthAzurePipelines, AuthServicePrincipal,
		AuthCloudShell, AuthAppService, AuthIMDS, AuthAzureML, AuthAzureCLI}
}

// Select picks credentials from the environment alone, never probing the
// network: first the Entra ID credentials (entraModes: workload identity,
// Azure Pipelines, service principal, GitHub OIDC), then MSI_ENDPOINT+MSI_SECRET → Azure ML; MSI_ENDPOINT → Cloud Shell;
// IDENTITY_ENDPOINT+IDENTITY_HEADER → App Service; an Azure VM (DMI) or
// AKV_IMDS_ENDPOINT → IMDS; az on PATH → Azure CLI. In auto mode every
// candidate that applies is chained in that order. With none it fails at
// once with a message that starts with NotInCloudShellMessage.
func Select(o SelectOptions) (Selected, error) {
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	if o.LookPath == nil {
		o.LookPath = exec.LookPath
	}
	if o.DMIDir == "" {
		o.DMIDir = DefaultDMIDir
	}
	mode := strings.ToLower(o.Mode)
	if mode == "" {
		mode = AuthAuto
	}
	env := o.Getenv
	switch mode {
	case AuthAuto:
		cands, err := candidates(o)
		if err != nil {
			return Selected{}, err
		}
		if len(cands) == 0 {
			hint := entraHint(o, "")
			if hint == "" {
				hint = "no identity found: MSI_ENDPOINT, IDENTITY_ENDPOINT and AKV_IMDS_ENDPOINT are unset, this is no Azure VM, and az is not on PATH"
			}
			return Selected{}, &Error{Kind: KindAuth, Msg: NotInCloudShellMessage, Hint: hint}
		}
		names := make([]string, len(cands))
		for i, c := range cands {
			names[i] = c.Name
		}
		reason := cands[0].Reason
		if len(cands) > 1 {
			reason += "; then " + strings.Join(names[1:], ", ")
		}
		return Selected{Credential: NewChain(cands), Name: cands[0].Name, Reason: reason}, nil
	case AuthCloudShell:
		reason := "--auth cloudshell, MSI_ENDPOINT set"
		if env("MSI_ENDPOINT") == "" {
			reason = "--auth cloudshell, MSI_ENDPOINT unset: default endpoint"
		}
		c, err := NewCloudShell(&CloudShellOptions{Endpoint: env("MSI_ENDPOINT"), Transport: o.Transport, Now: o.Now, Log: o.Log})
		return selected(c, err, "cloudshell", reason)
	case AuthAppService:
		if env("IDENTITY_ENDPOINT") == "" || env("IDENTITY_HEADER") == "" {
			return Selected{}, &Error{Kind: KindAuth, Msg: "--auth appservice: IDENTITY_ENDPOINT and IDENTITY_HEADER are not set",
				Hint: "App Service and Functions set them when a managed identity is enabled"}
		}
		c, err := NewAppService(env("IDENTITY_HEADER"), o.identity(env("IDENTITY_ENDPOINT")))
		return selected(c, err, "appservice", "--auth appservice")
	case AuthIMDS:
		c, err := NewIMDS(o.identity(env("AKV_IMDS_ENDPOINT")))
		return selected(c, err, "imds", "--auth imds")
	case AuthAzureML:
		if env("MSI_ENDPOINT") == "" || env("MSI_SECRET") == "" {
			return Selected{}, &Error{Kind: KindAuth, Msg: "--auth azureml: MSI_ENDPOINT and MSI_SECRET are not set"}
		}
		c, err := NewAzureML(env("MSI_SECRET"), o.identity(env("MSI_ENDPOINT")))
		return selected(c, err, "azureml", "--auth azureml")
	case AuthAzureCLI:
		return Selected{Credential: NewAzureCLI(&AzureCLIOptions{Now: o.Now, Log: o.Log}), Name: "azcli", Reason: "--auth azcli"}, nil
	}
	if sel, ok, err := selectEntra(o, mode); ok {
		return sel, err
	}
	return Selected{}, &Error{Kind: KindUsage, Msg: fmt.Sprintf("unknown --auth %q", o.Mode),
		Hint: "use one of: " + strings.Join(Modes(), ", ")}
}

func (o SelectOptions) identity(endpoint string) *IdentityOptions {
	return &IdentityOptions{Endpoint: endpoint, ClientID: o.ClientID, Transport: o.Transport, Now: o.Now, Log: o.Log}
}

func selected(c azcore.TokenCredential, err error, name, reason string) (Selected, error) {
	if err != nil {
		return Selected{}, err
	}
	return Selected{Credential: c, Name: name, Reason: reason}, nil
}

// candidates lists, in order, every credential the environment points to.
// A malformed endpoint variable is a usage error, not a reason to skip.
func candidates(o SelectOptions) ([]Candidate, error) {
	env := o.Getenv
	out, err := entraCandidates(o)
	if err != nil {
		return nil, err
	}
	add := func(name, reason string, c azcore.TokenCredential, err error) error {
		if err != nil {
			return err
		}
		out = append(out, Candidate{Name: name, Reason: reason, Credential: c})
		return nil
	}
	msi, secret := env("MSI_ENDPOINT"), env("MSI_SECRET")
	switch {
	case msi != "" && secret != "":
		c, err := NewAzureML(secret, o.identity(msi))
		if err := add("azureml", "MSI_ENDPOINT and MSI_SECRET are set (Azure ML)", c, err); err != nil {
			return nil, err
		}
	case msi != "":
		c, err := NewCloudShell(&CloudShellOptions{Endpoint: msi, Transport: o.Transport, Now: o.Now, Log: o.Log})
		if err := add("cloudshell", "MSI_ENDPOINT is set (Cloud Shell)", c, err); err != nil {
			return nil, err
		}
	}
	if ep, h := env("IDENTITY_ENDPOINT"), env("IDENTITY_HEADER"); ep != "" && h != "" {
		c, err := NewAppService(h, o.identity(ep))
		if err := add("appservice", "IDENTITY_ENDPOINT and IDENTITY_HEADER are set (App Service)", c, err); err != nil {
			return nil, err
		}
	}
	if ep := env("AKV_IMDS_ENDPOINT"); ep != "" || onAzureVM(o.DMIDir) {
		reason := "AKV_IMDS_ENDPOINT is set"
		if ep == "" {
			reason = "this is an Azure VM (DMI)"
		}
		c, err := NewIMDS(o.identity(ep))
		if err := add("imds", reason, c, err); err != nil {
			return nil, err
		}
	}
	if path, err := o.LookPath("az"); err == nil {
		c := NewAzureCLI(&AzureCLIOptions{Path: path, Now: o.Now, Log: o.Log})
		out = append(out, Candidate{Name: "azcli", Reason: "az is on PATH", Credential: c})
	}
	return out, nil
}

// onAzureVM reads DMI: Azure VMs say Microsoft Corporation with Azure's
// chassis asset tag. Reading two small files is all; nothing is sent.
func onAzureVM(dir string) bool {
	vendor, err1 := os.ReadFile(filepath.Join(dir, "sys_vendor"))
	tag, err2 := os.ReadFile(filepath.Join(dir, "chassis_asset_tag"))
	return err1 == nil && err2 == nil &&
		strings.TrimSpace(string(vendor)) == "Microsoft Corporation" && strings.TrimSpace(string(tag)) == azureAssetTag
}
