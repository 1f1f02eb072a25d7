package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/akv-cli/akv/vault"
)

func checkCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "check",
		Usage: "resolve a selection and report each secret's status, never a value",
		UsageText: `akv check [REF | NAME=REF]... [--prefix P] [--tag k=v]... [--all] [--env-file F]... [--expiring D] [--json]

The dry run of export, render and run: fetches everything, prints name,
version, updated and status (ok or the reason), and exits as they would.
For a certificate-backed secret it also shows when the leaf expires;
with --expiring D it exits 8 when a selected certificate expires within D.

Examples:
   akv check --vault myvault db-password api-key
   akv check --env-file refs.env --json
   akv check --vault myvault --prefix tls- --expiring 30d   # cron: exit 8 means renew`,
		Flags: append(selectionFlags(), &cli.BoolFlag{Name: "json", Usage: "print a JSON array"},
			&cli.StringFlag{Name: "expiring", Usage: "exit 8 when a selected certificate expires within `D` (30d, 2w, 72h)"}),
		Action: action(env, checkOptionsOf, checkRun),
	}
}

// checkOptions are check's selection and flags.
type checkOptions struct {
	sel      selectionOptions
	json     bool
	expiring string
}

func checkOptionsOf(c *cli.Context) (checkOptions, error) {
	return checkOptions{sel: selectionOptionsOf(c), json: c.Bool("json"), expiring: c.String("expiring")}, nil
}

func checkRun(c *call, o checkOptions) error {
	sel, err := parseSelection(c, o.sel, false)
	if err != nil {
		return err
	}
	certs, err := newCertCheck(o.expiring, c.env.Now())
	if err != nil {
		return err
	}
	vs, fetchErr := sel.resolve(c, false)
	var rows []checkRow
	for _, v := range vs {
		if v.secret == nil {
			continue // literals from env files
		}
		row := checkRow{Name: v.secret.Ref.Name, Ref: v.secret.Ref.String(), Version: v.secret.Version,
			Updated: rfc3339(v.secret.Updated), Status: "ok"}
		if v.secret.Err != nil {
			row.Status = vault.KindOf(v.secret.Err).String()
			if ve, ok := v.secret.Err.(*vault.Error); ok {
				row.Status = ve.Msg
			}
		} else {
			certs.add(&row, v.secret)
		}
		rows = append(rows, row)
	}
	if rows != nil || fetchErr == nil {
		if err := writeCheck(c.env, rows, o.json); err != nil {
			return err
		}
	}
	if fetchErr != nil {
		return fetchErr
	}
	return certs.err(func(line string) { fmt.Fprintln(c.env.Stderr, line) })
}

type checkRow struct {
	Name    string `json:"name"`
	Ref     string `json:"ref"`
	Version string `json:"version"`
	Updated string `json:"updated"`
	Status  string `json:"status"`
	// Certificate-backed secrets only (check_cert.go).
	Expires   string `json:"expires,omitempty"`
	CertError string `json:"certificateError,omitempty"`
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
		b.Write(inertJSON(out))
		b.WriteByte('\n')
	} else {
		w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		expires := slices.ContainsFunc(rows, func(r checkRow) bool { return r.Expires != "" })
		if expires {
			fmt.Fprintln(w, "NAME\tVERSION\tUPDATED\tEXPIRES\tSTATUS")
		} else {
			fmt.Fprintln(w, "NAME\tVERSION\tUPDATED\tSTATUS")
		}
		for _, r := range rows {
			if expires {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", inert(r.Name), inert(r.Version), r.Updated, cmp.Or(r.Expires, "-"), inert(r.Status))
			} else {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", inert(r.Name), inert(r.Version), r.Updated, inert(r.Status))
			}
		}
		w.Flush()
	}
	_, err := env.Stdout.Write(b.Bytes())
	return err
}
