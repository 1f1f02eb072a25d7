package main

import (
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/akv-cli/akv/templates"
)

// escaperList names render's escapers (templates' format table), wrapped
// for --help.
func escaperList() string {
	text := "escaper quotes it for its place: " + strings.Join(templates.EscaperNames(), ", ") +
		"; pemKey, pemCert, pemChain and pemCA turn a certificate secret (PFX or PEM) into"
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > 74 {
			lines, line = append(lines, line), ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), "\n")
}

func renderCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "render",
		Usage: "render a text/template with secrets and escaping functions",
		UsageText: `akv render -i TEMPLATE [-o FILE]

A Go text/template where {{ secret "REF" }} is a secret's value and an
` + escaperList() + `
PEM. Every secret is fetched in one parallel batch before rendering. Strict: an
unknown function, a missing secret or a value the escaper cannot carry is
an error, and nothing is written.

Examples:
   # deploy.env.tpl:  DB_PASSWORD={{ secret "akv://myvault/db-password" | compose }}
   akv render -i deploy.env.tpl -o .env
   echo 'pw: {{ secret "db-password" | yaml }}' | akv render --vault myvault -i -`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "input", Aliases: []string{"i"}, Usage: "template `FILE` (- for stdin)", Required: false},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write to `FILE` atomically, mode 0600 (- for stdout)"},
		},
		Action: action(env, renderOptionsOf, renderRun),
	}
}

// renderOptions are render's template and output.
type renderOptions struct {
	in, out string // -i, -o: "-" is stdin, stdout
}

func renderOptionsOf(c *cli.Context) (renderOptions, error) {
	o := renderOptions{in: c.String("input"), out: c.String("output")}
	if o.in == "" {
		return o, usageError("for example: akv render -i deploy.env.tpl -o .env", "render needs -i TEMPLATE")
	}
	if c.Args().Present() {
		return o, usageError("the template is -i FILE (- for stdin)", "render takes no arguments")
	}
	return o, nil
}

func renderRun(c *call, o renderOptions) error {
	text, err := readInput(c, "template", "-i", o.in, c.env.Stdin)
	if err != nil {
		return err
	}
	// Only a template that names secrets builds a client.
	resolve := func(texts []string) (map[string]string, error) {
		secrets, err := c.fetch(texts)
		if err != nil {
			return nil, err
		}
		out := make(map[string]string, len(texts))
		for i, t := range texts {
			out[t] = secrets[i].Value
		}
		return out, nil
	}
	name := o.in
	if o.in == "-" {
		name = "stdin"
	}
	out, err := templates.Render(name, string(text), resolve)
	if err != nil {
		return err
	}
	return writeOutput(c.env, o.out, out)
}
