package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/akv-cli/akv/templates"
)

// run builds the app, runs it and returns the exit code. A panic ends as
// exit 1 "internal error" (lastResort), never as a stack dump, and
// SIGQUIT ends akv as SIGTERM would (quitLikeTerm), never with a dump.
func run(ctx context.Context, env *Env, args []string) (code int) {
	defer lastResort(env.Stderr, &code)
	defer quitLikeTerm()()
	app := newApp(env)
	args, err := reorderArgs(app, args)
	if err != nil {
		return report(env.Stderr, err)
	}
	if err := app.RunContext(ctx, args); err != nil {
		return report(env.Stderr, err)
	}
	return exitOK
}

func newApp(env *Env) *cli.App {
	commands := []*cli.Command{
		tokenCommand(env),
		getCommand(env),
		listCommand(env),
		checkCommand(env),
		certCommand(env),
		exportCommand(env),
		renderCommand(env),
		runCommand(env),
		whoamiCommand(env),
		emulatorCommand(env),
		completionCommand(env),
		versionCommand(env),
		completeCommand(env),
	}
	for _, c := range commands {
		if !c.SkipFlagParsing {
			c.Flags = append(c.Flags, globalFlags()...)
		}
		c.OnUsageError = onUsageError
	}
	app := &cli.App{
		Name:  "akv",
		Usage: "fetch Azure Key Vault secrets for scripts",
		Description: `akv authenticates with the managed identity of Azure Cloud Shell (or the
host) and prints secrets in the shape scripts consume: shell exports,
.env files, Makefile includes, JSON, or a child process's environment.

Examples:
   out=$(akv export --vault myvault db-password api-key) && eval "$out"
   akv get akv://myvault/db-password
   akv export --vault myvault --prefix app- --format dotenv -o .env
   DB_PASSWORD=akv://myvault/db-password akv run -- ./migrate.sh

Try it offline: akv emulator -- bash   (a shell with a local vault; exit to stop it)`,
		Commands: commands,
		Flags: append(globalFlags(),
			&cli.BoolFlag{Name: "version", Aliases: []string{"V"}, Usage: "print the version, as 'akv version' does"}),
		// urfave's own version flag would take -v; ours is --version and -V.
		// The help shows the same line as --version and 'akv version'.
		HideVersion:           true,
		Version:               versionString(),
		CustomAppHelpTemplate: strings.Replace(cli.AppHelpTemplate, "{{if .Version}}{{if not .HideVersion}}", "{{if .Version}}{{if true}}", 1),
		Writer:                env.Stdout,
		ErrWriter:             env.Stderr,
		Reader:                env.Stdin,
		OnUsageError:          onUsageError,
		ExitErrHandler:        func(*cli.Context, error) {}, // exit codes are ours, never os.Exit in urfave
		Suggest:               true,
		CommandNotFound: func(c *cli.Context, name string) {
			fmt.Fprintf(env.Stderr, "akv: no help for unknown command %q\n", name)
		},
		Action: func(c *cli.Context) error {
			if c.Bool("version") {
				_, err := fmt.Fprintln(env.Stdout, versionString())
				return err
			}
			if c.Args().Present() {
				return unknownCommand(c, c.Args().First())
			}
			return cli.ShowAppHelp(c)
		},
	}
	return app
}

func unknownCommand(c *cli.Context, name string) error {
	hint := "run 'akv --help' for the list of commands"
	if s := templates.Closest(name, commandNames(c.App)); s != "" {
		hint = fmt.Sprintf("did you mean 'akv %s'?", s)
	}
	return usageError(hint, "unknown command %q", name)
}

func commandNames(app *cli.App) []string {
	var names []string
	for _, c := range app.Commands {
		names = append(names, c.Names()...)
	}
	return names
}

// onUsageError replaces urfave's help dump on stdout with a short hint on
// stderr and exit code 2.
func onUsageError(c *cli.Context, err error, isSubcommand bool) error {
	cmd := "akv"
	if isSubcommand && c.Command != nil {
		cmd = "akv " + c.Command.Name
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		msg = "unknown flag --" + strings.TrimLeft(name, "-")
	}
	return usageError(fmt.Sprintf("run '%s --help' for usage", cmd), "%s", msg)
}
