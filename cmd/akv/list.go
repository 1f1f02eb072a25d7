package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/akv-cli/akv/vault"
)

func listCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "list",
		Usage: "list secret names and attributes, never values",
		UsageText: `akv list [--prefix P] [--tag k=v]... [--json | --table]

A table on a terminal (or with --table); tab-separated lines when piped:
name, enabled, updated, content type, tags (k=v;k2=v2).

Examples:
   akv list --vault myvault
   akv list --vault myvault --prefix app- --tag env=prod
   akv list --vault myvault --json | jq -r '.[].name'`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "prefix", Usage: "only names starting with `P`"},
			&cli.StringSliceFlag{Name: "tag", Usage: "only secrets with tag `k=v` (repeatable, all must match)"},
			&cli.BoolFlag{Name: "json", Usage: "print a JSON array"},
			&cli.BoolFlag{Name: "table", Usage: "print the table with its header even when not on a terminal"},
		},
		Action: action(env, listOptionsOf, listRun),
	}
}

// listOptions are list's flags.
type listOptions struct {
	prefix      string
	tags        []string
	json, table bool
}

func listOptionsOf(c *cli.Context) (listOptions, error) {
	if c.Args().Present() {
		return listOptions{}, usageError("use --prefix to narrow the list", "list takes no arguments")
	}
	return listOptions{prefix: c.String("prefix"), tags: c.StringSlice("tag"), json: c.Bool("json"), table: c.Bool("table")}, nil
}

func listRun(c *call, o listOptions) error {
	filter, err := parseFilter(o.prefix, o.tags)
	if err != nil {
		return err
	}
	items, err := c.list(filter)
	if err != nil {
		return err
	}
	var out []byte
	switch {
	case o.json:
		out, err = listJSON(items)
	case c.env.StdoutTTY || o.table:
		out = listTable(items)
	default:
		out = listTSV(items)
	}
	if err != nil {
		return err
	}
	_, err = c.env.Stdout.Write(out)
	return err
}

// vaultRef is the vault of --vault / AKV_VAULT, for commands that list.
func (s *settings) vaultRef() (vault.Ref, error) {
	if s.vault == "" {
		return vault.Ref{}, vault.NoVaultError("listing")
	}
	return vault.ParseVault(s.vault)
}

func parseFilter(prefix string, tags []string) (vault.Filter, error) {
	f := vault.Filter{Prefix: prefix}
	for _, t := range tags {
		k, v, ok := strings.Cut(t, "=")
		if !ok || k == "" {
			return f, usageError("for example --tag env=prod", "bad --tag %q: want k=v", t)
		}
		if f.Tags == nil {
			f.Tags = map[string]string{}
		}
		f.Tags[k] = v
	}
	return f, nil
}

func tagString(tags map[string]string) string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + tags[k]
	}
	return strings.Join(parts, ";")
}

// listTSV and listTable print names, content types and tags as inert
// text: a tab, newline or escape sequence from the vault is shown escaped,
// so it can neither break the columns nor reach the terminal.
func listTSV(items []vault.Item) []byte {
	var b bytes.Buffer
	for _, it := range items {
		fmt.Fprintf(&b, "%s\t%t\t%s\t%s\t%s\n", inert(it.Name), it.Enabled, rfc3339(it.Updated), inert(it.ContentType), inert(tagString(it.Tags)))
	}
	return b.Bytes()
}

func listTable(items []vault.Item) []byte {
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tENABLED\tUPDATED\tCONTENT TYPE\tTAGS")
	for _, it := range items {
		fmt.Fprintf(w, "%s\t%t\t%s\t%s\t%s\n", inert(it.Name), it.Enabled, rfc3339(it.Updated), inert(it.ContentType), inert(tagString(it.Tags)))
	}
	w.Flush()
	return b.Bytes()
}

type listEntry struct {
	Name        string            `json:"name"`
	ID          string            `json:"id"`
	Enabled     bool              `json:"enabled"`
	Created     string            `json:"created"`
	Updated     string            `json:"updated"`
	ContentType string            `json:"contentType"`
	Tags        map[string]string `json:"tags"`
}

func listJSON(items []vault.Item) ([]byte, error) {
	entries := make([]listEntry, 0, len(items))
	for _, it := range items {
		entries = append(entries, listEntry{Name: it.Name, ID: it.ID, Enabled: it.Enabled, Created: rfc3339(it.Created),
			Updated: rfc3339(it.Updated), ContentType: it.ContentType, Tags: tagsOrEmpty(it.Tags)})
	}
	out, err := json.MarshalIndent(entries, "", "  ")
	return append(inertJSON(out), '\n'), err
}
