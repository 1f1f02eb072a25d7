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
		Action: func(c *cli.Context) error {
			in := c.String("input")
			if in == "" {
				return usageError("for example: akv render -i deploy.env.tpl -o .env", "render needs -i TEMPLATE")
			}
			if c.Args().Present() {
				return usageError("the template is -i FILE (- for stdin)", "render takes no arguments")
			}
			s, err := loadSettings(c, env)
			if err != nil {
				return err
			}
			text, err := readInput(s, "template", "-i", in, env.Stdin)
			if err != nil {
				return err
			}
			ctx, cancel := s.context(c.Context)
			defer cancel()
			resolve := func(texts []string) (map[string]string, error) {
				refs, err := s.parseRefs(texts)
				if err != nil {
					return nil, err
				}
				client, err := s.client()
				if err != nil {
					return nil, err
				}
				secrets, err := client.Get(ctx, refs)
				if err != nil {
					return nil, err
				}
				out := make(map[string]string, len(texts))
				for i, t := range texts {
					out[t] = secrets[i].Value
				}
				return out, nil
			}
			name := in
			if in == "-" {
				name = "stdin"
			}
			out, err := templates.Render(name, string(text), resolve)
			if err != nil {
				return err
			}
			return writeOutput(env, c.String("output"), out)
		},
	}
}
