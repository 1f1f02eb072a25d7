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

// Choice is the credential Select chose, with the reason for --verbose
// and whoami.
type Choice struct {
	Credential azcore.TokenCredential
	Name       string
	Reason     string
}

// Select picks credentials from the environment alone, never probing the
// network. --auth NAME builds that mode, or says what it lacks. In auto
// mode every mode whose variables are set is chained in modes() order;
// with none it fails at once with a message that starts with
// NotInCloudShellMessage.
func Select(o SelectOptions) (Choice, error) {
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	if o.LookPath == nil {
		o.LookPath = exec.LookPath
	}
	if o.DMIDir == "" {
		o.DMIDir = DefaultDMIDir
	}
	name := strings.ToLower(o.Mode)
	if name == "" || name == AuthAuto {
		return auto(o)
	}
	for _, m := range modes() {
		if m.name != name {
			continue
		}
		if m.lacks != nil {
			if err := m.lacks(o); err != nil {
				return Choice{}, err
			}
		}
		c, err := m.build(o, false)
		if err != nil {
			return Choice{}, err
		}
		reason := "--auth " + name
		if m.named != nil {
			reason = m.named(o)
		}
		return Choice{Credential: c, Name: name, Reason: reason}, nil
	}
	return Choice{}, &Error{Kind: KindUsage, Msg: fmt.Sprintf("unknown --auth %q", o.Mode),
		Hint: "use one of: " + strings.Join(Modes(), ", ")}
}

// auto chains every mode the environment points to. A malformed endpoint
// variable is a usage error, not a reason to skip; --verbose names a
// half-configured Entra ID mode.
func auto(o SelectOptions) (Choice, error) {
	if h := halfSet(o); h != "" && o.Log != nil {
		o.Log("credential: %s", h)
	}
	var cands []Candidate
	for _, m := range modes() {
		reason := m.detect(o)
		if reason == "" {
			continue
		}
		c, err := m.build(o, true)
		if err != nil {
			return Choice{}, err
		}
		cands = append(cands, Candidate{Name: m.name, Reason: reason, Credential: c})
	}
	if len(cands) == 0 {
		hint := entraHint(o, "")
		if hint == "" {
			hint = "no identity found: MSI_ENDPOINT, IDENTITY_ENDPOINT and AKV_IMDS_ENDPOINT are unset, this is no Azure VM, and az is not on PATH"
		}
		return Choice{}, &Error{Kind: KindAuth, Msg: NotInCloudShellMessage, Hint: hint}
	}
	names := make([]string, len(cands))
	for i, c := range cands {
		names[i] = c.Name
	}
	reason := cands[0].Reason
	if len(cands) > 1 {
		reason += "; then " + strings.Join(names[1:], ", ")
	}
	return Choice{Credential: NewChain(cands), Name: cands[0].Name, Reason: reason}, nil
}

func (o SelectOptions) identity(endpoint string) *IdentityOptions {
	return &IdentityOptions{Endpoint: endpoint, ClientID: o.ClientID, Transport: o.Transport, Now: o.Now, Log: o.Log}
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

// onAzureVM reads DMI: Azure VMs say Microsoft Corporation with Azure's
// chassis asset tag. Reading two small files is all; nothing is sent.
func onAzureVM(dir string) bool {
	vendor, err1 := os.ReadFile(filepath.Join(dir, "sys_vendor"))
	tag, err2 := os.ReadFile(filepath.Join(dir, "chassis_asset_tag"))
	return err1 == nil && err2 == nil &&
		strings.TrimSpace(string(vendor)) == "Microsoft Corporation" && strings.TrimSpace(string(tag)) == azureAssetTag
}
