package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// Stamped by the Makefile with -ldflags "-X main.version=… -X main.commit=…".
var (
	version = ""
	commit  = ""
)

func versionString() string {
	v, c := version, commit
	if v == "" || c == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
				v = bi.Main.Version // go install …@v1.2.3
			}
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && c == "" && len(s.Value) >= 12 {
					c = s.Value[:12]
				}
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	if c == "" {
		c = "unknown"
	}
	return fmt.Sprintf("akv %s (%s, %s)", v, c, runtime.Version())
}

func versionCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "print akv's version",
		UsageText: "akv version\n\nExample:\n   $ akv version\n   akv v0.1.0 (1a2b3c4d5e6f, go1.26.8)",
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageError("run 'akv version' without arguments", "version takes no arguments")
			}
			_, err := fmt.Fprintln(env.Stdout, versionString())
			return err
		},
	}
}
