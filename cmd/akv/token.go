package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/akv-cli/akv/vault"
)

func tokenCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "token",
		Usage: "print an access token from the managed identity",
		UsageText: `akv token [--resource R] [--json]

Prints the access token for resource R and a newline: the Cloud Shell
'curl … | python -c …' in one step. Treat the output as a secret. --json
also carries the fields of 'az account get-access-token' (accessToken,
expiresOn, expires_on in unix seconds, tokenType, tenant), so scripts
written for az read it unchanged.

Examples:
   curl -H "Authorization: Bearer $(akv token)" https://myvault.vault.azure.net/secrets?api-version=7.4
   akv token --resource https://management.azure.com --json`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "resource", Value: "https://vault.azure.net", Usage: "the `RESOURCE` (audience) of the token"},
			&cli.BoolFlag{Name: "json", Usage: `print {"access_token","token_type","resource","expires_on"} and az's accessToken, expiresOn, tokenType, tenant`},
		},
		Action: action(env, tokenOptionsOf, tokenRun),
	}
}

// tokenOptions are token's flags (and whoami's).
type tokenOptions struct {
	resource string
	json     bool
}

func tokenOptionsOf(c *cli.Context) (tokenOptions, error) {
	if c.Args().Present() {
		return tokenOptions{}, usageError("pass the resource with --resource", "token takes no arguments")
	}
	return tokenOptions{resource: c.String("resource"), json: c.Bool("json")}, nil
}

func tokenRun(c *call, o tokenOptions) error {
	if !strings.HasPrefix(o.resource, "https://") && !strings.HasPrefix(o.resource, "api://") {
		return usageError("for example --resource https://vault.azure.net", "bad --resource %q: want a URL", o.resource)
	}
	_, tok, err := c.token(o.resource)
	if err != nil {
		return err
	}
	if !o.json {
		_, err = fmt.Fprintln(c.env.Stdout, tok.Token)
		return err
	}
	claims, _ := vault.ParseClaims(tok.Token) // an opaque token has no tenant to show
	out, _ := json.MarshalIndent(tokenJSON{
		AccessToken: tok.Token, TokenType: "Bearer", Resource: o.resource, ExpiresOn: tok.ExpiresOn.Unix(),
		AzAccessToken: tok.Token, AzExpiresOn: tok.ExpiresOn.Local().Format(azTimeLayout), AzTokenType: "Bearer",
		Tenant: claims.Tenant,
	}, "", "  ")
	_, err = fmt.Fprintf(c.env.Stdout, "%s\n", out)
	return err
}

// azTimeLayout is how 'az account get-access-token' writes expiresOn:
// local time with microseconds.
const azTimeLayout = "2006-01-02 15:04:05.000000"

// tokenJSON is the MSI endpoint's shape plus az's: expires_on is unix
// seconds in both (a number, as az prints it).
type tokenJSON struct {
	AccessToken   string `json:"access_token"`
	TokenType     string `json:"token_type"`
	Resource      string `json:"resource"`
	ExpiresOn     int64  `json:"expires_on"`
	AzAccessToken string `json:"accessToken"`
	AzExpiresOn   string `json:"expiresOn"`
	AzTokenType   string `json:"tokenType"`
	Tenant        string `json:"tenant"`
}
