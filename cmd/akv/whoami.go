package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/akv-cli/akv/credential"
	"github.com/akv-cli/akv/vault"
)

func whoamiCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "whoami",
		Usage: "show which identity akv uses, never the token",
		UsageText: `akv whoami [--resource R] [--json]

Which credential was chosen and why, and what its token says about it:
tenant, object id, name, audience and expiry.

Examples:
   akv whoami
   akv whoami --auth azcli --json`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "resource", Value: "https://vault.azure.net", Usage: "the `RESOURCE` to ask a token for"},
			&cli.BoolFlag{Name: "json", Usage: "print a JSON object"},
		},
		Action: action(env, func(c *cli.Context) (tokenOptions, error) {
			return tokenOptions{resource: c.String("resource"), json: c.Bool("json")}, nil
		}, whoamiRun),
	}
}

func whoamiRun(c *call, o tokenOptions) error {
	sel, tok, err := c.token(o.resource)
	if err != nil {
		return err
	}
	name, reason := sel.Name, sel.Reason
	if ch, ok := sel.Credential.(*credential.Chain); ok {
		chosen := ch.Chosen()
		name, reason = chosen.Name, chosen.Reason
	}
	claims, _ := vault.ParseClaims(tok.Token) // an opaque token still has a credential and an expiry
	identity := claims.UniqueName
	if identity == "" {
		identity = claims.UPN
	}
	if identity == "" {
		identity = claims.AppID
	}
	info := whoami{Credential: name, Reason: reason, Tenant: claims.Tenant, ObjectID: claims.ObjectID,
		Identity: identity, Audience: claims.Audience, Expires: tok.ExpiresOn.UTC().Format(time.RFC3339)}
	var b bytes.Buffer
	if o.json {
		out, _ := json.MarshalIndent(info, "", "  ")
		b.Write(append(inertJSON(out), '\n'))
	} else {
		w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		// The claims are the identity endpoint's text: inert.
		fmt.Fprintf(w, "credential:\t%s (%s)\n", info.Credential, info.Reason)
		fmt.Fprintf(w, "tenant:\t%s\n", inert(orDash(info.Tenant)))
		fmt.Fprintf(w, "object id:\t%s\n", inert(orDash(info.ObjectID)))
		fmt.Fprintf(w, "identity:\t%s\n", inert(orDash(info.Identity)))
		fmt.Fprintf(w, "audience:\t%s\n", inert(orDash(info.Audience)))
		fmt.Fprintf(w, "expires:\t%s (in %s)\n", info.Expires, tok.ExpiresOn.Sub(c.env.Now()).Round(time.Second))
		w.Flush()
	}
	_, err = c.env.Stdout.Write(b.Bytes())
	return err
}

type whoami struct {
	Credential string `json:"credential"`
	Reason     string `json:"reason"`
	Tenant     string `json:"tenant"`
	ObjectID   string `json:"objectId"`
	Identity   string `json:"identity"`
	Audience   string `json:"audience"`
	Expires    string `json:"expires"`
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
