package main

import (
	"context"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/urfave/cli/v2"

	"github.com/akv-cli/akv/credential"
	"github.com/akv-cli/akv/vault"
)

// The lifecycle of every command that talks to an identity or a vault,
// in gh's NewCmdX/xRun shape: the command's constructor declares its
// flags and an options struct; action reads the flags into the options
// and validates them (no settings, no environment yet), then reads the
// settings, which starts the --timeout clock, and hands the run function
// a call. The run function validates what needs the settings, makes one
// call into vault or templates through the call, and writes the output.
// No command opens its own context or client.

// action builds a command's Action from its two halves. options reads
// and checks the flags and arguments; run does the work. The call's
// context is cancelled when run returns.
func action[O any](env *Env, options func(*cli.Context) (O, error), run func(*call, O) error) cli.ActionFunc {
	return func(c *cli.Context) error {
		opts, err := options(c)
		if err != nil {
			return err
		}
		s, err := loadSettings(c, env)
		if err != nil {
			return err
		}
		cl, cancel := s.begin(c.Context)
		defer cancel()
		return run(cl, opts)
	}
}

// call is one run of a command: its settings, the context that ends at
// the settings' deadline, and the vault client, built on first use so
// that a command with nothing to fetch needs no identity.
type call struct {
	*settings
	ctx context.Context

	vc    *vault.Client
	vcErr error
	built bool
}

// begin starts a call on settings already read. It is the one place a
// command's context comes from (action's, and completion's own 2 s
// listing).
func (s *settings) begin(parent context.Context) (*call, context.CancelFunc) {
	ctx, cancel := s.context(parent)
	return &call{settings: s, ctx: ctx}, cancel
}

// client is the vault client, built on first use: credential selection
// sends nothing, so a missing identity fails here, before any request.
func (c *call) client() (*vault.Client, error) {
	if !c.built {
		c.vc, c.vcErr = c.newClient()
		c.built = true
	}
	return c.vc, c.vcErr
}

// fetch parses the references (all bad ones reported at once, before
// anything is sent) and fetches them in one parallel batch.
func (c *call) fetch(refTexts []string) ([]vault.Secret, error) {
	refs, err := c.parseRefs(refTexts)
	if err != nil {
		return nil, err
	}
	return c.get(refs)
}

// get fetches parsed references in one parallel batch.
func (c *call) get(refs []vault.Ref) ([]vault.Secret, error) {
	client, err := c.client()
	if err != nil {
		return nil, err
	}
	return client.Get(c.ctx, refs)
}

// list lists the vault of --vault / AKV_VAULT.
func (c *call) list(filter vault.Filter) ([]vault.Item, error) {
	v, err := c.vaultRef()
	if err != nil {
		return nil, err
	}
	client, err := c.client()
	if err != nil {
		return nil, err
	}
	return client.List(c.ctx, v, filter)
}

// token selects the credential and asks it for a token for resource.
func (c *call) token(resource string) (credential.Choice, azcore.AccessToken, error) {
	sel, err := c.credential()
	if err != nil {
		return sel, azcore.AccessToken{}, err
	}
	tok, err := sel.Credential.GetToken(c.ctx, policy.TokenRequestOptions{Scopes: []string{strings.TrimSuffix(resource, "/.default") + "/.default"}})
	return sel, tok, err
}
