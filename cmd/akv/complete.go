package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/akv-cli/akv/credential"
	"github.com/akv-cli/akv/templates"
	"github.com/akv-cli/akv/vault"
	"github.com/akv-cli/akv/vault/emulator"
	"github.com/akv-cli/akv/vault/names"
)

// completeCommandName is the hidden command the completion scripts call:
// `akv __complete WORD... CURRENT` prints one candidate per line,
// "value<TAB>description", or the single line ":files" when the shell
// should complete file names. One place decides for bash, zsh and fish.
const completeCommandName = "__complete"

// secretNamesBudget bounds the one listing that completes secret names.
const secretNamesBudget = 2 * time.Second

func completeCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:            completeCommandName,
		Usage:           "print completion candidates (for the completion scripts)",
		Hidden:          true,
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			cands, files := completions(c.Context, env, c.App, c.Args().Slice())
			if files {
				_, err := fmt.Fprintln(env.Stdout, ":files")
				return err
			}
			var b strings.Builder
			for _, cand := range cands {
				b.WriteString(cand.value)
				if cand.desc != "" {
					b.WriteString("\t" + inert(cand.desc))
				}
				b.WriteString("\n")
			}
			_, err := io.WriteString(env.Stdout, b.String())
			return err
		},
	}
}

type candidate struct{ value, desc string }

// takesFile names the flags whose value is a path.
func takesFile(flag string) bool {
	switch flag {
	case "env-file", "output", "o", "input", "i", "secrets", "write-env":
		return true
	}
	return false
}

// completions reads the words after "akv" (the last one is the word being
// completed) the way reorderArgs and urfave will, and returns what may
// come next; files asks the shell for file names instead.
func completions(ctx context.Context, env *Env, app *cli.App, words []string) (cands []candidate, files bool) {
	if len(words) == 0 {
		words = []string{""}
	}
	cur, before := words[len(words)-1], words[:len(words)-1]
	spec := specOf(app.Flags)
	values := map[string]string{}
	var cmd *cli.Command
	pending := "" // a flag whose value is the current word
	positional, dashdash := 0, false
	for i := 0; i < len(before); i++ {
		w := before[i]
		if cmd != nil && takesCommand(cmd.Name) && (positional > 0 || dashdash) {
			return nil, true // inside run's or emulator's command line
		}
		if w == "--" {
			dashdash = true
			continue
		}
		if name, attached, ok := flagName(w); ok && !dashdash {
			if attached {
				_, values[name], _ = strings.Cut(w, "=")
			} else if spec[name] {
				if i+1 == len(before) {
					pending = name
				} else {
					values[name] = before[i+1]
					i++
				}
			}
			continue
		}
		if cmd == nil {
			if cmd = app.Command(w); cmd == nil {
				return nil, false
			}
			spec = specOf(cmd.Flags)
			continue
		}
		positional++
	}
	if cmd != nil && takesCommand(cmd.Name) && (positional > 0 || dashdash) {
		return nil, true
	}
	prefix := ""
	if name, attached, ok := flagName(cur); ok && attached && pending == "" && !dashdash {
		pending, prefix = name, cur[:strings.Index(cur, "=")+1]
		cur = cur[len(prefix):]
	}
	if pending != "" {
		if takesFile(pending) {
			return nil, true
		}
		return filter(flagValues(env, pending), prefix, cur), false
	}
	switch {
	case strings.HasPrefix(cur, "-") && !dashdash:
		flags := app.Flags
		if cmd != nil {
			flags = cmd.Flags
		}
		return filter(flagCandidates(flags), "", cur), false
	case cmd == nil || cmd.Name == "help" && positional == 0:
		return filter(commandCandidates(app), "", cur), false
	case cmd.Name == "completion" && positional == 0:
		return filter([]candidate{{"bash", ""}, {"fish", ""}, {"zsh", ""}}, "", cur), false
	case cmd.Name == "get" || cmd.Name == "export" || cmd.Name == "check":
		if strings.Contains(cur, "=") {
			return nil, false
		}
		vaultName := values["vault"]
		if vaultName == "" {
			vaultName = env.Getenv("AKV_VAULT")
		}
		return secretNames(ctx, env, values, vaultName, cur), false
	}
	return nil, false
}

func filter(cands []candidate, prefix, cur string) []candidate {
	var out []candidate
	for _, c := range cands {
		if strings.HasPrefix(c.value, cur) {
			out = append(out, candidate{prefix + c.value, c.desc})
		}
	}
	return out
}

func commandCandidates(app *cli.App) []candidate {
	var out []candidate
	for _, c := range app.Commands {
		if !c.Hidden {
			out = append(out, candidate{c.Name, c.Usage})
		}
	}
	return out
}

func flagCandidates(flags []cli.Flag) []candidate {
	out := []candidate{{"--help", "show help"}}
	for _, f := range flags {
		usage := ""
		if u, ok := f.(interface{ GetUsage() string }); ok {
			usage = strings.ReplaceAll(u.GetUsage(), "`", "")
		}
		for _, n := range f.Names() {
			if len(n) == 1 {
				out = append(out, candidate{"-" + n, usage})
			} else {
				out = append(out, candidate{"--" + n, usage})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].value < out[j].value })
	return out
}

// flagValues are the choices of the flags that have a fixed set.
func flagValues(env *Env, flag string) []candidate {
	var out []candidate
	switch flag {
	case "format", "f":
		for _, f := range templates.Formats() {
			out = append(out, candidate{f.Name, f.Help})
		}
	case "auth":
		for _, m := range credential.Modes() {
			out = append(out, candidate{m, ""})
		}
	case "cloud":
		out = []candidate{{"public", "vault.azure.net"}, {"china", "vault.azure.cn"}, {"usgov", "vault.usgovcloudapi.net"}}
	case "msi-expiry-format":
		for _, f := range emulator.ExpiryFormats {
			out = append(out, candidate{f, ""})
		}
	case "vault":
		// The names AKV_VAULT_ENDPOINTS maps (the emulator's, private endpoints).
		m, _ := vault.ParseEndpointMap(env.Getenv("AKV_VAULT_ENDPOINTS"))
		for name := range m {
			out = append(out, candidate{name, m[name]})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].value < out[j].value })
	}
	return out
}

// secretNames lists the vault once, within secretNamesBudget, and returns
// the enabled names starting with cur. Completion stays silent: any
// failure (no identity, no network, a slow vault) returns nothing.
func secretNames(ctx context.Context, env *Env, flags map[string]string, vaultName, cur string) []candidate {
	if vaultName == "" {
		return nil
	}
	get := func(flag, variable string) string {
		if v, ok := flags[flag]; ok {
			return v
		}
		return env.Getenv(variable)
	}
	quiet := *env
	quiet.Stderr, quiet.StderrTTY = io.Discard, false
	s := &settings{env: &quiet, vault: vaultName, cloud: get("cloud", "AKV_CLOUD"), auth: get("auth", "AKV_AUTH"),
		clientID: get("client-id", "AZURE_CLIENT_ID"), timeout: secretNamesBudget, concurrency: 2,
		deadline: time.Now().Add(secretNamesBudget)} // its own budget, not --timeout: a shell is waiting
	c, cancel := s.begin(ctx)
	defer cancel()
	items, err := c.list(vault.Filter{Prefix: cur})
	if err != nil {
		return nil
	}
	var out []candidate
	for _, it := range items {
		// A name is typed into the user's command line: only Key Vault's
		// own alphabet, whatever a server sends.
		if it.Enabled && names.Secret(it.Name) {
			out = append(out, candidate{it.Name, ""})
		}
	}
	return out
}
