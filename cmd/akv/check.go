package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/akv-cli/akv/vault"
)

func checkCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "check",
		Usage: "resolve a selection and report each secret's status, never a value",
		UsageText: `akv check [REF | NAME=REF]... [--prefix P] [--tag k=v]... [--all] [--env-file F]... [--json]

The dry run of export, render and run: fetches everything, prints name,
version, updated and status (ok or the reason), and exits as they would.

Examples:
   akv check --vault myvault db-password api-key
   akv check --env-file refs.env --json`,
		Flags: append(selectionFlags(), &cli.BoolFlag{Name: "json", Usage: "print a JSON array"}),
		Action: func(c *cli.Context) error {
			s, err := loadSettings(c, env)
			if err != nil {
				return err
			}
			sel, err := parseSelection(c, s, false)
			if err != nil {
				return err
			}
			client, err := s.client()
			if err != nil {
				return err
			}
			ctx, cancel := s.context(c.Context)
			defer cancel()
			rs, fetchErr := sel.resolve(ctx, s, client, false)
			var rows []checkRow
			for _, r := range rs {
				if r.secret == nil {
					continue // literals from env files
				}
				row := checkRow{Name: r.secret.Ref.Name, Ref: r.secret.Ref.String(), Version: r.secret.Version,
					Updated: rfc3339(r.secret.Updated), Status: "ok"}
				if r.secret.Err != nil {
					row.Status = vault.KindOf(r.secret.Err)
					if ve, ok := r.secret.Err.(*vault.Error); ok {
						row.Status = ve.Msg
					}
				}
				rows = append(rows, row)
			}
			if rows != nil || fetchErr == nil {
				if err := writeCheck(env, rows, c.Bool("json")); err != nil {
					return err
				}
			}
			return fetchErr
		},
	}
}

type checkRow struct {
	Name    string `json:"name"`
	Ref     string `json:"ref"`
	Version string `json:"version"`
	Updated string `json:"updated"`
	Status  string `json:"status"`
}

func writeCheck(env *Env, rows []checkRow, asJSON bool) error {
	var b bytes.Buffer
	if asJSON {
		if rows == nil {
			rows = []checkRow{}
		}
		out, err := json.MarshalIndent(rows, "", "  ")
		if err != nil {
			return err
		}
		b.Write(out)
		b.WriteByte('\n')
	} else {
		w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tVERSION\tUPDATED\tSTATUS")
		for _, r := range rows {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", inert(r.Name), inert(r.Version), r.Updated, inert(r.Status))
		}
		w.Flush()
	}
	_, err := env.Stdout.Write(b.Bytes())
	return err
}
