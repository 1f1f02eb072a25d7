package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// takesCommand names the commands whose first argument starts a command
// line of its own: from there on nothing is an akv flag.
func takesCommand(name string) bool {
	return name == "run" || name == "emulator" || name == completeCommandName
}

// flagSpec maps a command's flag names (without dashes) to whether the
// flag takes a value.
type flagSpec map[string]bool

func specOf(flags []cli.Flag) flagSpec {
	spec := flagSpec{"help": false, "h": false}
	for _, f := range flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			spec[n] = !isBool
		}
	}
	return spec
}

// flagName splits "--name=value" or "-n" into the name and whether a
// value was attached; ok is false for arguments that are no flag.
func flagName(arg string) (name string, attached, ok bool) {
	if len(arg) < 2 || arg[0] != '-' || arg == "--" {
		return "", false, false
	}
	name = strings.TrimLeft(arg, "-")
	name, _, attached = strings.Cut(name, "=")
	return name, attached, name != ""
}

// reorderArgs moves a command's flags in front of its arguments, so that
// `akv get db-password --vault myvault` reads like `akv get --vault
// myvault db-password`: urfave/cli v2 stops parsing flags at the first
// argument. It never touches what follows "--", nor the command line of
// run and emulator. It also refuses `-o json` and friends, which people
// bring from az, before urfave calls them an unknown flag or a file name.
func reorderArgs(app *cli.App, args []string) ([]string, error) {
	if len(args) < 2 {
		return args, nil
	}
	global := specOf(app.Flags)
	i := 1
	for i < len(args) { // global flags before the command
		name, attached, ok := flagName(args[i])
		if !ok {
			break
		}
		if err := azOutputFlag(nil, name, args, i); err != nil {
			return nil, err
		}
		if takes, known := global[name]; known && takes && !attached {
			i++
		}
		i++
	}
	if i >= len(args) {
		return args, nil
	}
	cmd := app.Command(args[i])
	if cmd == nil {
		return args, nil // urfave reports the unknown command
	}
	spec := specOf(cmd.Flags)
	out := append([]string{}, args[:i+1]...)
	var flags, positional, rest []string
	dashdash := false
	for j := i + 1; j < len(args); j++ {
		a := args[j]
		if a == "--" {
			dashdash, rest = true, args[j+1:]
			break
		}
		name, attached, ok := flagName(a)
		if !ok {
			if takesCommand(cmd.Name) {
				rest = args[j:]
				break
			}
			positional = append(positional, a)
			continue
		}
		if err := azOutputFlag(cmd, name, args, j); err != nil {
			return nil, err
		}
		flags = append(flags, a)
		if takes, known := spec[name]; known && takes && !attached && j+1 < len(args) {
			flags = append(flags, args[j+1])
			j++
		}
	}
	out = append(out, flags...)
	if dashdash {
		out = append(out, "--")
	}
	out = append(out, positional...)
	return append(out, rest...), nil
}

// azOutputFlag catches `-o json|tsv|table|yaml|none`, which people bring
// from az: in akv, -o names an output file (a file of that name can still
// be written as -o ./json).
func azOutputFlag(cmd *cli.Command, name string, args []string, i int) error {
	if name != "o" && name != "output" {
		return nil
	}
	value := ""
	if _, v, ok := strings.Cut(args[i], "="); ok {
		value = v
	} else if i+1 < len(args) {
		value = args[i+1]
	}
	switch value {
	case "json", "jsonc", "tsv", "table", "yaml", "yamlc", "none":
	default:
		return nil
	}
	has := func(flag string) bool {
		if cmd == nil {
			return false
		}
		_, ok := specOf(cmd.Flags)[flag]
		return ok
	}
	list := cmd != nil && cmd.Name == "list"
	var advice string
	switch {
	case list && value == "table":
		advice = "akv list prints a table on a terminal, and with --table anywhere"
	case list && value == "tsv":
		advice = "akv list prints tab-separated lines when its output is not a terminal"
	case has("json"):
		advice = "for JSON use --json"
	case has("format"):
		advice = "for JSON use --format json (see --format in --help)"
	default:
		advice = "for JSON use --json"
	}
	return usageError(fmt.Sprintf("to write a file named %s, use -o ./%s", value, value),
		"-o %s: -o names an output FILE; %s", value, advice)
}
