package credential

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// Auth modes accepted by Select.
const (
	AuthAuto       = "auto"
	AuthCloudShell = "cloudshell"
)

// SelectOptions carries what Select needs from the outside world.
type SelectOptions struct {
	Mode      string               // AuthAuto (default) or a named credential
	Getenv    func(string) string  // environment lookup; nil means none set
	Transport http.RoundTripper    // for identity endpoints; nil means default
	Now       func() time.Time     // nil means time.Now
	Log       func(string, ...any) // diagnostics, never tokens
}

// Selected is the credential Select chose, with the reason for --verbose
// and whoami.
type Selected struct {
	Credential azcore.TokenCredential
	Name       string
	Reason     string
}

// Select picks a credential from the environment alone, without probing
// the network. With no candidate it fails at once with a message that
// starts with NotInCloudShellMessage.
func Select(o SelectOptions) (Selected, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	mode := strings.ToLower(o.Mode)
	if mode == "" {
		mode = AuthAuto
	}
	endpoint := getenv("MSI_ENDPOINT")
	switch mode {
	case AuthCloudShell:
		reason := "--auth cloudshell, MSI_ENDPOINT set"
		if endpoint == "" {
			reason = "--auth cloudshell, MSI_ENDPOINT unset: default endpoint"
		}
		return cloudShell(o, endpoint, reason)
	case AuthAuto:
		if endpoint != "" {
			return cloudShell(o, endpoint, "MSI_ENDPOINT is set")
		}
		return Selected{}, &Error{Kind: KindAuth, Msg: NotInCloudShellMessage, Err: nil,
			Hint: "in Cloud Shell MSI_ENDPOINT is set for you; elsewhere try `az login` and --auth azcli"}
	default:
		return Selected{}, &Error{Kind: KindUsage,
			Msg:  fmt.Sprintf("unknown --auth %q", o.Mode),
			Hint: "use one of: auto, cloudshell"}
	}
}

func cloudShell(o SelectOptions, endpoint, reason string) (Selected, error) {
	c, err := NewCloudShell(&CloudShellOptions{Endpoint: endpoint, Transport: o.Transport, Now: o.Now, Log: o.Log})
	if err != nil {
		return Selected{}, err
	}
	return Selected{Credential: c, Name: "cloudshell", Reason: reason}, nil
}
