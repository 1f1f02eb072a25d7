package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/akv-cli/akv/credential"
	"github.com/akv-cli/akv/templates"
)

func completionCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "completion",
		Usage: "print a shell completion script (bash, zsh or fish)",
		UsageText: `akv completion bash|zsh|fish

Examples:
   source <(akv completion bash)                  # in ~/.bashrc
   akv completion zsh > "${fpath[1]}/_akv"
   akv completion fish > ~/.config/fish/completions/akv.fish`,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError("for example: akv completion bash", "completion needs one shell: bash, zsh or fish")
			}
			spec := completionSpec(c.App)
			var out string
			switch c.Args().First() {
			case "bash":
				out = bashCompletion(spec)
			case "zsh":
				out = "#compdef akv\nautoload -U +X bashcompinit && bashcompinit\n" + bashCompletion(spec)
			case "fish":
				out = fishCompletion(spec)
			default:
				return usageError("use bash, zsh or fish", "no completion for shell %q", c.Args().First())
			}
			_, err := fmt.Fprint(env.Stdout, out)
			return err
		},
	}
}

type cmdSpec struct {
	name  string
	usage string
	flags []string // --long and -s names
}

func completionSpec(app *cli.App) []cmdSpec {
	var specs []cmdSpec
	for _, c := range app.Commands {
		if c.Hidden || c.Name == "help" {
			continue
		}
		s := cmdSpec{name: c.Name, usage: c.Usage}
		for _, f := range c.Flags {
			for _, n := range f.Names() {
				if len(n) == 1 {
					s.flags = append(s.flags, "-"+n)
				} else {
					s.flags = append(s.flags, "--"+n)
				}
			}
		}
		sort.Strings(s.flags)
		specs = append(specs, s)
	}
	return specs
}

func formatNames() []string {
	var names []string
	for _, f := range templates.Formats() {
		names = append(names, f[0])
	}
	return names
}

func bashCompletion(specs []cmdSpec) string {
	var names []string
	var cases strings.Builder
	for _, s := range specs {
		names = append(names, s.name)
		fmt.Fprintf(&cases, "    %s) opts=%q ;;\n", s.name, strings.Join(s.flags, " "))
	}
	return fmt.Sprintf(`# akv completion for bash (and zsh through bashcompinit)
_akv() {
  local cur prev cmd opts i
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  cmd=
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break ;; esac
  done
  case $prev in
    --format|-f) COMPREPLY=($(compgen -W %q -- "$cur")); return ;;
    --auth) COMPREPLY=($(compgen -W %q -- "$cur")); return ;;
    --cloud) COMPREPLY=($(compgen -W "public china usgov" -- "$cur")); return ;;
    --env-file|--output|-o|--input|-i|--secrets|--write-env) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [ -z "$cmd" ]; then
    COMPREPLY=($(compgen -W %q -- "$cur"))
    return
  fi
  case $cmd in
%s    completion) COMPREPLY=($(compgen -W "bash zsh fish" -- "$cur")); return ;;
    *) opts= ;;
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o default -F _akv akv
`, strings.Join(formatNames(), " "), strings.Join(credential.Modes(), " "), strings.Join(names, " "), cases.String())
}

func fishCompletion(specs []cmdSpec) string {
	var b strings.Builder
	b.WriteString("# akv completion for fish\ncomplete -c akv -f\n")
	for _, s := range specs {
		fmt.Fprintf(&b, "complete -c akv -n '__fish_use_subcommand' -a %s -d %s\n", s.name, fishQuote(s.usage))
		for _, f := range s.flags {
			if strings.HasPrefix(f, "--") {
				fmt.Fprintf(&b, "complete -c akv -n '__fish_seen_subcommand_from %s' -l %s\n", s.name, f[2:])
			} else {
				fmt.Fprintf(&b, "complete -c akv -n '__fish_seen_subcommand_from %s' -s %s\n", s.name, f[1:])
			}
		}
	}
	fmt.Fprintf(&b, "complete -c akv -l format -s f -x -a %s\n", fishQuote(strings.Join(formatNames(), " ")))
	fmt.Fprintf(&b, "complete -c akv -l auth -x -a %s\n", fishQuote(strings.Join(credential.Modes(), " ")))
	fmt.Fprintf(&b, "complete -c akv -n '__fish_seen_subcommand_from completion' -x -a 'bash zsh fish'\n")
	return b.String()
}

func fishQuote(s string) string { return templates.Fish(s) }
