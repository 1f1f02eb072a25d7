package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

func completionCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "completion",
		Usage: "print a shell completion script (bash, zsh or fish)",
		UsageText: `akv completion bash|zsh|fish

Completes commands, flags, --format and --auth values, and secret names
from the vault (--vault or AKV_VAULT) with one listing bounded to 2 s,
silent when it fails. The scripts ask 'akv __complete' what comes next.

Examples:
   source <(akv completion bash)                  # in ~/.bashrc
   mkdir -p ~/.zfunc && akv completion zsh > ~/.zfunc/_akv
                                                  # ~/.zshrc: fpath=(~/.zfunc $fpath) before compinit
   mkdir -p ~/.config/fish/completions && akv completion fish > ~/.config/fish/completions/akv.fish`,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError("for example: akv completion bash", "completion needs one shell: bash, zsh or fish")
			}
			var out string
			switch c.Args().First() {
			case "bash":
				out = bashCompletion
			case "zsh":
				out = zshCompletion
			case "fish":
				out = fishCompletion
			default:
				return usageError("use bash, zsh or fish", "no completion for shell %q", c.Args().First())
			}
			_, err := fmt.Fprint(env.Stdout, out)
			return err
		},
	}
}

// The scripts hand the words to `akv __complete` (complete.go), which
// prints "value<TAB>description" lines or ":files".

const bashCompletion = `# akv completion for bash: source <(akv completion bash)
_akv() {
  local line=${COMP_LINE:0:COMP_POINT} cur out c
  local -a words
  read -ra words <<< "$line"
  case $line in *[[:space:]]) words+=("") ;; esac
  [ ${#words[@]} -gt 1 ] || return 0
  cur=${words[${#words[@]}-1]}
  out=$(akv __complete "${words[@]:1}" 2>/dev/null) || return 0
  COMPREPLY=()
  if [ "$out" = ":files" ]; then
    compopt -o default 2>/dev/null
    return 0
  fi
  while IFS= read -r c; do
    [ -n "$c" ] || continue
    c=${c%%$'\t'*}
    # bash splits --flag=value at "=": the word to replace is the value
    case $cur in *=*) case $COMP_WORDBREAKS in *=*) c=${c#*=} ;; esac ;; esac
    COMPREPLY+=("$c")
  done <<< "$out"
}
complete -F _akv akv
`

const zshCompletion = `#compdef akv
# akv completion for zsh: save as _akv in a directory on $fpath (before
# compinit runs), or after compinit: source <(akv completion zsh)
_akv() {
  local -a out cands
  local line value
  out=("${(@f)$(akv __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ ${out[1]} == ":files" ]]; then
    _files
    return
  fi
  for line in "${out[@]}"; do
    [[ -n $line ]] || continue
    value=${line%%$'\t'*}
    value=${value//:/\\:}
    if [[ $line == *$'\t'* ]]; then
      cands+=("$value:${line#*$'\t'}")
    else
      cands+=("$value")
    fi
  done
  (( ${#cands} )) && _describe -t akv akv cands
}
# Autoloaded from $fpath, this file is the body of _akv: complete at once,
# so the first Tab already works. Sourced, register the function.
if [[ ${funcstack[1]} == _akv ]]; then
  _akv "$@"
else
  compdef _akv akv
fi
`

const fishCompletion = `# akv completion for fish: akv completion fish > ~/.config/fish/completions/akv.fish
function __akv_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l cur (commandline -ct)
    set -l out (akv __complete $words "$cur" 2>/dev/null)
    if test "$out[1]" = ":files"
        __fish_complete_path "$cur"
        return
    end
    printf '%s\n' $out
end
complete -c akv -f -a '(__akv_complete)'
`
