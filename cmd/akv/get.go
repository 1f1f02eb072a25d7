package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/akv-cli/akv/vault"
)

func getCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "get",
		Usage: "print secret values",
		UsageText: `akv get [-n] [-d] [--json [--meta]] [-o FILE] REF...

Prints each value and a newline. A REF is akv://VAULT/NAME[/VERSION], a Key
Vault secret URL, an @Microsoft.KeyVault(...) reference, or a NAME with
--vault. Shell substitution $(...) strips trailing newlines: when the
exact bytes matter, write them with -o FILE (atomically, mode 0600, like
-n: no newline added), or use 'akv export'.

Examples:
   akv get akv://myvault/db-password
   DB_PASSWORD=$(akv get --vault myvault db-password)
   akv get -o key.pem akv://myvault/tls-key
   akv get -d -o cert.pfx akv://myvault/cert-pfx-b64
   akv get --json --meta --vault myvault db-password api-key`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "no-newline", Aliases: []string{"n"}, Usage: "print the exact bytes of one value, no newline"},
			&cli.BoolFlag{Name: "decode", Aliases: []string{"d"}, Usage: "base64-decode the value (binary secrets, certificates)"},
			&cli.BoolFlag{Name: "json", Usage: `print {"REF": "value", ...}`},
			&cli.BoolFlag{Name: "meta", Usage: "with --json: value, version, updated, contentType, tags"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the exact bytes (as -n; with --json the JSON) to `FILE` atomically, mode 0600"},
		},
		Action: action(env, getOptionsOf, getRun),
	}
}

// getOptions are get's flags and references, checked.
type getOptions struct {
	refs                        []string
	asJSON, meta, exact, decode bool
	target                      string // -o: "" or "-" is stdout
}

func getOptionsOf(c *cli.Context) (getOptions, error) {
	o := getOptions{refs: c.Args().Slice(), asJSON: c.Bool("json"), meta: c.Bool("meta"), exact: c.Bool("no-newline"),
		decode: c.Bool("decode"), target: c.String("output")}
	if len(o.refs) == 0 {
		return o, usageError("for example: akv get akv://myvault/db-password", "get needs at least one reference")
	}
	toFile := o.target != "" && o.target != "-"
	switch {
	case toFile && !o.asJSON && len(o.refs) > 1:
		return o, usageError("use --json -o FILE for several values, or one -o per value", "-o writes the exact bytes of one value")
	case toFile && !o.asJSON:
		o.exact = true // a file gets the value's own bytes, never a newline of ours
	case o.meta && !o.asJSON:
		return o, usageError("use --json --meta", "--meta goes with --json")
	case o.exact && len(o.refs) > 1:
		return o, usageError("use --json for several values", "-n prints exactly one value")
	case o.exact && o.asJSON:
		return o, usageError("drop one of them", "-n and --json do not go together")
	}
	return o, nil
}

func getRun(c *call, o getOptions) error {
	secrets, err := c.fetch(o.refs)
	if err != nil {
		return err
	}
	out, err := formatGet(o.refs, secrets, o.asJSON, o.meta, o.exact, o.decode)
	if err != nil {
		return err
	}
	return writeOutput(c.env, o.target, out)
}

func unrepresentable(hint, format string, args ...any) error {
	return &exitError{code: exitUnrepresentable, msg: fmt.Sprintf(format, args...), hint: hint}
}

// formatGet renders the whole output before anything is printed.
func formatGet(args []string, secrets []vault.Secret, asJSON, meta, exact, decode bool) ([]byte, error) {
	values := make([]string, len(secrets))
	for i, s := range secrets {
		values[i] = s.Value
		if decode {
			b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s.Value))
			if err != nil {
				return nil, unrepresentable("drop -d: this value is not base64", "get %s: value is not valid base64", s.Ref.Name)
			}
			values[i] = string(b)
		}
	}
	var buf bytes.Buffer
	if asJSON {
		buf.WriteString("{")
		seen := map[string]bool{}
		first := true
		for i, a := range args {
			if seen[a] {
				continue
			}
			seen[a] = true
			if !first {
				buf.WriteString(",")
			}
			first = false
			k, _ := json.Marshal(a)
			var v []byte
			var err error
			if meta {
				v, err = json.Marshal(secretMeta{Value: values[i], Version: secrets[i].Version, Updated: rfc3339(secrets[i].Updated),
					ContentType: secrets[i].ContentType, Tags: tagsOrEmpty(secrets[i].Tags)})
			} else {
				v, err = json.Marshal(values[i])
			}
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(&buf, "\n  %s: %s", k, v)
		}
		buf.WriteString("\n}\n")
		return inertJSON(buf.Bytes()), nil
	}
	if exact {
		return []byte(values[0]), nil
	}
	if len(values) > 1 {
		for i, v := range values {
			if strings.ContainsAny(v, "\n\r") {
				return nil, unrepresentable("use --json or 'akv export' for several values when one spans lines, or get it alone",
					"get %s: value spans several lines and cannot be told apart from the others in line output", secrets[i].Ref.Name)
			}
		}
	}
	for _, v := range values {
		buf.WriteString(v)
		buf.WriteString("\n")
	}
	return buf.Bytes(), nil
}

type secretMeta struct {
	Value       string            `json:"value"`
	Version     string            `json:"version"`
	Updated     string            `json:"updated"`
	ContentType string            `json:"contentType"`
	Tags        map[string]string `json:"tags"`
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func tagsOrEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
