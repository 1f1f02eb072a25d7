package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/akv-cli/akv/credential"
	"github.com/akv-cli/akv/vault"
)

// globalFlags are accepted before and after the command name; each has an
// environment variable, read in loadSettings (flag wins).
func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "vault", Usage: "vault `NAME` or https:// URL for bare secret names (env AKV_VAULT)"},
		&cli.StringFlag{Name: "cloud", Usage: "`CLOUD`: public, china or usgov (env AKV_CLOUD; default from Cloud Shell's ACC_CLOUD)"},
		&cli.StringFlag{Name: "auth", Usage: "credential `MODE`: " + strings.Join(credential.Modes(), ", ") + " (env AKV_AUTH)", DefaultText: "auto"},
		&cli.StringFlag{Name: "timeout", Usage: "bound on the whole command, a Go `DURATION` (env AKV_TIMEOUT)", DefaultText: "30s"},
		&cli.StringFlag{Name: "concurrency", Usage: "parallel Key Vault requests, `N` (env AKV_CONCURRENCY)", DefaultText: "16"},
		&cli.BoolFlag{Name: "verbose", Usage: "log requests and decisions to stderr, never values (env AKV_VERBOSE)"},
		&cli.StringFlag{Name: "client-id", Usage: "user-assigned identity `ID` where the host supports it (env AZURE_CLIENT_ID)"},
	}
}

type settings struct {
	env         *Env
	vault       string
	cloud       string
	auth        string
	timeout     time.Duration
	concurrency int
	verbose     bool
	clientID    string
	deadline    time.Time // now + timeout: the whole command, reads included
}

// flagValue finds a flag set on the command or before it: urfave reads a
// flag defined on both app and command as unset on the command when it
// came before the command name.
func flagValue(c *cli.Context, name string) (string, bool) {
	for _, ctx := range c.Lineage() {
		for _, n := range ctx.LocalFlagNames() {
			if n == name {
				return fmt.Sprint(ctx.Value(name)), true
			}
		}
	}
	return "", false
}

func loadSettings(c *cli.Context, env *Env) (*settings, error) {
	get := func(flag, variable string) string {
		if v, ok := flagValue(c, flag); ok {
			return v
		}
		return env.Getenv(variable)
	}
	s := &settings{env: env, vault: get("vault", "AKV_VAULT"), cloud: get("cloud", "AKV_CLOUD"),
		auth: get("auth", "AKV_AUTH"), clientID: get("client-id", "AZURE_CLIENT_ID"), timeout: 30 * time.Second, concurrency: 16}
	if v := get("timeout", "AKV_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, usageError("use a Go duration such as 30s or 2m", "bad --timeout %q", v)
		}
		s.timeout = d
	}
	if v := get("concurrency", "AKV_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 256 {
			return nil, usageError("use a number from 1 to 256", "bad --concurrency %q", v)
		}
		s.concurrency = n
	}
	if v := get("verbose", "AKV_VERBOSE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, usageError("use true or false", "bad AKV_VERBOSE %q", v)
		}
		s.verbose = b
	}
	s.deadline = time.Now().Add(s.timeout)
	return s, nil
}

// logf writes a diagnostic line with --verbose. Callers never pass values
// or tokens; names and errors from servers are made inert.
func (s *settings) logf(format string, args ...any) {
	if s.verbose {
		fmt.Fprintf(s.env.Stderr, "akv: %s\n", inert(fmt.Sprintf(format, args...)))
	}
}

// context bounds the whole command by --timeout, counted from when the
// settings were read: reading templates and env files spends it too.
func (s *settings) context(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithDeadline(parent, s.deadline)
}

func (s *settings) credential() (credential.Choice, error) {
	suffix, err := vault.CloudSuffix(s.cloud, s.env.Getenv("ACC_CLOUD"))
	if err != nil {
		return credential.Choice{}, err
	}
	sel, err := credential.Select(credential.SelectOptions{Mode: s.auth, ClientID: s.clientID, Getenv: s.env.Getenv,
		DMIDir: s.env.Getenv("AKV_DMI_DIR"), Now: s.env.Now, Log: s.logf,
		AuthorityHost: credential.CloudAuthority(suffix), RemoteTransport: s.remoteTransport})
	if err != nil {
		return sel, err
	}
	s.logf("credential: %s (%s)", sel.Name, sel.Reason)
	return sel, nil
}

// remoteTransport is for Entra ID and the OIDC issuers: Key Vault's
// transport (proxy from the environment, system roots plus AKV_CA_FILE).
func (s *settings) remoteTransport() (http.RoundTripper, error) {
	hc, err := vault.NewHTTPClient(s.env.Getenv("AKV_CA_FILE"), 2)
	if err != nil {
		return nil, err
	}
	return hc.Transport, nil
}

// endpoints reads the cloud suffix and AKV_VAULT_ENDPOINTS.
func (s *settings) endpoints() (vault.Endpoints, error) {
	suffix, err := vault.CloudSuffix(s.cloud, s.env.Getenv("ACC_CLOUD"))
	if err != nil {
		return vault.Endpoints{}, err
	}
	m, err := vault.ParseEndpointMap(s.env.Getenv("AKV_VAULT_ENDPOINTS"))
	if err != nil {
		return vault.Endpoints{}, err
	}
	return vault.Endpoints{Suffix: suffix, Map: m}, nil
}

// newClient selects the credential and builds the vault client. It sends
// nothing: a missing identity fails here, before any Key Vault request.
// Commands get it through call.client, built once, on first use.
func (s *settings) newClient() (*vault.Client, error) {
	eps, err := s.endpoints()
	if err != nil {
		return nil, err
	}
	cred, err := s.credential()
	if err != nil {
		return nil, err
	}
	hc, err := vault.NewHTTPClient(s.env.Getenv("AKV_CA_FILE"), s.concurrency)
	if err != nil {
		return nil, err
	}
	return vault.New(vault.Options{Credential: cred.Credential, HTTPClient: hc, Endpoints: eps, CAFile: s.env.Getenv("AKV_CA_FILE") != "",
		Concurrency: s.concurrency, Log: s.logf, Progress: s.progress(), TokenScope: "https://" + eps.Suffix + "/.default"})
}

// parseRefs parses every argument before anything is sent, reporting all
// bad ones at once.
func (s *settings) parseRefs(args []string) ([]vault.Ref, error) {
	var refs []vault.Ref
	var bad []string
	var firstErr error
	for _, a := range args {
		r, err := vault.Parse(a, s.vault)
		if err != nil {
			bad = append(bad, err.Error())
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		refs = append(refs, r)
	}
	if len(bad) > 1 {
		return nil, &exitError{code: exitUsage, msg: strings.Join(bad, "\n"), hint: hintOf(firstErr)}
	}
	return refs, firstErr
}

// progress draws "fetched N/M" on a terminal's stderr for bulk fetches of
// more than 50 secrets, and clears it when the batch is over. Never with
// --verbose (the lines would interleave) or when stderr is not a terminal.
func (s *settings) progress() func(done, total int, finished bool) {
	if !s.env.StderrTTY || s.verbose {
		return nil
	}
	shown := false
	return func(done, total int, finished bool) {
		switch {
		case finished && shown:
			fmt.Fprint(s.env.Stderr, "\r\033[K")
			shown = false
		case !finished && total > 50:
			fmt.Fprintf(s.env.Stderr, "\rakv: fetched %d/%d secrets", done, total)
			shown = true
		}
	}
}
