package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/urfave/cli/v2"
)

func tokenCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "token",
		Usage: "print an access token from the managed identity",
		UsageText: `akv token [--resource R] [--json]

Prints the access token for resource R and a newline: the Cloud Shell
'curl … | python -c …' in one step. Treat the output as a secret.

Examples:
   curl -H "Authorization: Bearer $(akv token)" https://myvault.vault.azure.net/secrets?api-version=7.4
   akv token --resource https://management.azure.com --json`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "resource", Value: "https://vault.azure.net", Usage: "the `RESOURCE` (audience) of the token"},
			&cli.BoolFlag{Name: "json", Usage: `print {"access_token","token_type","resource","expires_on"}`},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageError("pass the resource with --resource", "token takes no arguments")
			}
			s, err := loadSettings(c, env)
			if err != nil {
				return err
			}
			resource := c.String("resource")
			if !strings.HasPrefix(resource, "https://") && !strings.HasPrefix(resource, "api://") {
				return usageError("for example --resource https://vault.azure.net", "bad --resource %q: want a URL", resource)
			}
			cred, err := s.credential()
			if err != nil {
				return err
			}
			ctx, cancel := s.context(c.Context)
			defer cancel()
			tok, err := cred.Credential.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{strings.TrimSuffix(resource, "/.default") + "/.default"}})
			if err != nil {
				return err
			}
			if !c.Bool("json") {
				_, err = fmt.Fprintln(env.Stdout, tok.Token)
				return err
			}
			out, _ := json.MarshalIndent(map[string]string{
				"access_token": tok.Token,
				"token_type":   "Bearer",
				"resource":     resource,
				"expires_on":   tok.ExpiresOn.UTC().Format(time.RFC3339),
			}, "", "  ")
			_, err = fmt.Fprintf(env.Stdout, "%s\n", out)
			return err
		},
	}
}
