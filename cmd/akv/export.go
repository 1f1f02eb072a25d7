package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/akv-cli/akv/templates"
)

func formatList() string {
	var b strings.Builder
	for _, f := range templates.Formats() {
		fmt.Fprintf(&b, "   %-15s %s\n", f.Name, f.Help)
	}
	return b.String()
}

func exportCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "print or write secrets as variables in a format",
		UsageText: `akv export [REF | NAME=REF]... [--prefix P] [--tag k=v]... [--all] [--env-file F]...
           [--format F] [--strip-prefix P] [-o FILE]

db-password becomes DB_PASSWORD; NAME=REF names a variable yourself. A value
the format cannot carry is refused (exit 6) with the formats that would; on
any error nothing is printed and FILE is left as it was.

Formats:
` + formatList() + `
Examples:
   out=$(akv export --vault myvault db-password api-key) && eval "$out"
   akv export --vault myvault --prefix app- --strip-prefix app- --format dotenv -o .env
   akv export --vault myvault --all --format make -o .secrets.mk
   akv export --vault myvault --all --format fish | source
   akv export --vault myvault --tag env=ci --format github    # in a GitHub Actions step`,
		Flags: append(selectionFlags(),
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: templates.DefaultFormat, Usage: "output `FORMAT` (see above)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` atomically, mode 0600 (- for stdout)"},
		),
		Action: action(env, exportOptionsOf, exportRun),
	}
}

// exportOptions are export's selection, format and output.
type exportOptions struct {
	sel    selectionOptions
	format string
	target string // -o: "" or "-" is stdout
}

func exportOptionsOf(c *cli.Context) (exportOptions, error) {
	return exportOptions{sel: selectionOptionsOf(c), format: c.String("format"), target: c.String("output")}, nil
}

func exportRun(c *call, o exportOptions) error {
	// Unknown formats fail before anything is fetched.
	format, err := templates.FormatNamed(o.format)
	if err != nil {
		return err
	}
	target := o.target
	if format.AppendEnv != "" && (target == "" || target == "-") {
		if target = c.env.Getenv(format.AppendEnv); target == "" {
			return usageError("run it in a "+format.Runner+" step, or pass -o FILE",
				"--format %s appends to $%s, which is not set", format.Name, format.AppendEnv)
		}
	}
	sel, err := parseSelection(c, o.sel, true)
	if err != nil {
		return err
	}
	vs, err := sel.resolve(c, true)
	if err != nil {
		return err
	}
	pairs := make([]templates.Pair, len(vs))
	for i, v := range vs {
		pairs[i] = templates.Pair{Name: v.name, Value: v.value}
	}
	out, err := templates.Export(format.Name, pairs)
	if err != nil {
		return err
	}
	if out.Append {
		// The runner's file holds earlier steps' variables: append
		// once, after everything resolved; masks go to stdout first.
		if _, err := c.env.Stdout.Write(out.Commands); err != nil {
			return err
		}
		return appendFile(target, out.Main)
	}
	return writeOutput(c.env, target, out.Main)
}

// appendFile appends data to path in one write (O_APPEND), creating it
// with mode 0600.
func appendFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("append to %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("append to %s: %w", path, err)
	}
	return f.Close()
}
