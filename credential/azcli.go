package credential

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// AzureCLIOptions configures NewAzureCLI. A nil *AzureCLIOptions is the
// same as the zero value.
type AzureCLIOptions struct {
	// Path is the az program; empty means "az" on PATH.
	Path string
	// Timeout bounds one az call; zero means 30s.
	Timeout time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Log receives diagnostics (never tokens); nil discards them.
	Log func(format string, args ...any)
}

// AzureCLI gets tokens from a logged-in Azure CLI: az account
// get-access-token --resource R -o json, run without a shell.
type AzureCLI struct {
	path    string
	timeout time.Duration
	now     func() time.Time
	log     func(string, ...any)
	cached
}

var _ azcore.TokenCredential = (*AzureCLI)(nil)

// NewAzureCLI returns an Azure CLI credential.
func NewAzureCLI(opts *AzureCLIOptions) *AzureCLI {
	var o AzureCLIOptions
	if opts != nil {
		o = *opts
	}
	if o.Path == "" {
		o.Path = "az"
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	c := &AzureCLI{path: o.Path, timeout: o.Timeout, now: o.Now, log: o.Log}
	c.cached = newCached("AzureCLI", o.Now, c.fetch)
	return c
}

type cliToken struct {
	AccessToken string     `json:"accessToken"`
	ExpiresOn   string     `json:"expiresOn"`
	ExpiresOnTS flexString `json:"expires_on"`
}

func (c *AzureCLI) fetch(ctx context.Context, resource string) (azcore.AccessToken, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	c.log("AzureCLI: running %s account get-access-token --resource %s", c.path, resource)
	cmd := exec.CommandContext(ctx, c.path, "account", "get-access-token", "--resource", resource, "-o", "json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second // a grandchild holding the pipes must not outlive the timeout
	err := cmd.Run()
	fail := func(msg, hint string, err error) error {
		return &Error{Credential: "AzureCLI", Kind: KindAuth, Msg: "AzureCLI: " + msg, Hint: hint, Err: err}
	}
	switch {
	case errors.Is(err, exec.ErrNotFound):
		return azcore.AccessToken{}, fail("az is not installed", "install the Azure CLI, or use a managed identity", nil)
	case ctx.Err() != nil:
		return azcore.AccessToken{}, fail(fmt.Sprintf("az did not answer within %s", c.timeout), "", ctx.Err())
	case err != nil:
		summary := snippet([]byte(firstLine(strings.TrimSpace(stderr.String()))))
		hint := ""
		if strings.Contains(stderr.String(), "az login") {
			hint = "run `az login`"
		}
		return azcore.AccessToken{}, fail("az account get-access-token failed: "+summary, hint, nil)
	}
	var t cliToken
	if err := json.Unmarshal(stdout.Bytes(), &t); err != nil || t.AccessToken == "" {
		return azcore.AccessToken{}, fail("az printed no token", "", nil)
	}
	var exp time.Time
	if t.ExpiresOnTS != "" {
		exp, err = ParseExpiry(string(t.ExpiresOnTS), "", c.now())
	} else {
		exp, err = parseCLILocalTime(t.ExpiresOn)
	}
	if err != nil {
		return azcore.AccessToken{}, fail("cannot read the token's expiry", "", err)
	}
	return azcore.AccessToken{Token: t.AccessToken, ExpiresOn: exp}, nil
}

// parseCLILocalTime reads the CLI's expiresOn: the machine's local time,
// with microseconds ("2026-11-25 18:05:53.123456").
func parseCLILocalTime(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02 15:04:05.999999", s, time.Local)
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot parse expiresOn %q", s)
	}
	return t.UTC(), nil
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}
