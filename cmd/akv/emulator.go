package main

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/akv-cli/akv/vault/emulator"
)

func emulatorCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "emulator",
		Usage: "serve a local Key Vault and managed-identity endpoint for offline use and tests",
		UsageText: `akv emulator [--addr A] [--name N]... [--secrets FILE] [--write-env F] [fault flags] [-- CMD [ARGS...]]

Serves on 127.0.0.1 an HTTPS Key Vault (with its own CA), a Cloud Shell
style token endpoint, Entra ID with the OIDC issuers of Kubernetes,
GitHub Actions and Azure Pipelines, and an HTTPS proxy that answers for
the vaults' real host names (NAME.vault.azure.net, …) and
management.azure.com and refuses every other host; the vaults are demo
and myvault unless --name says otherwise. With CMD, runs CMD with the
environment that points akv (and the Azure SDKs and CLI) at them, stops
when CMD exits and returns CMD's exit status: nothing is left running.
Without CMD, prints that environment and serves until Ctrl-C, SIGTERM or SIGHUP.
--identity picks which identity that environment selects.

Examples:
   akv emulator -- bash                       # a shell against the emulator; exit to stop it
   akv emulator -- ./deploy-test.sh           # a script offline, its exit status is akv's
   akv emulator --secrets secrets.json --latency 20ms -- sh -c 'akv list'

   akv emulator --identity github -- ./ci-step.sh   # as a GitHub Actions OIDC job

   akv emulator --write-env e.env &           # or in the background: wait for the file
   while [ ! -s e.env ]; do sleep 0.1; done; . ./e.env`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Usage: "vault listen `ADDRESS` on loopback (token endpoint and proxy on the next ports, or random ones)", Value: "127.0.0.1:0"},
			&cli.StringFlag{Name: "proxy-addr", Usage: "HTTPS proxy `ADDRESS` on loopback for the real vault host names (HTTPS_PROXY)"},
			&cli.StringSliceFlag{Name: "name", Usage: "vault `NAME` to serve (repeatable; default demo and myvault)"},
			&cli.StringFlag{Name: "secrets", Usage: "JSON `FILE`: name → value or {value, contentType, tags, enabled, versions, certificate}; replaces the demo set"},
			&cli.StringFlag{Name: "write-env", Usage: "also write the environment atomically to `FILE` (removed on exit)"},
			&cli.DurationFlag{Name: "latency", Usage: "added to every Key Vault request"},
			&cli.IntFlag{Name: "throttle", Usage: "Key Vault requests per second per vault before 429 Throttled"},
			&cli.DurationFlag{Name: "token-lifetime", Usage: "lifetime of issued tokens", Value: 0, DefaultText: "1h"},
			&cli.IntFlag{Name: "msi-fail", Usage: "the first `N` token requests answer 503"},
			&cli.StringFlag{Name: "tenant", Usage: "tenant `ID` of issued tokens"},
			&cli.StringFlag{Name: "vault-tenant", Usage: "tenant `ID` the vaults belong to (default: --tenant; another one gets 401 AKV10032)"},
			&cli.StringFlag{Name: "identity", Usage: "the identity the printed environment selects: " + strings.Join(emulator.Identities, "|"), DefaultText: "cloudshell"},
			&cli.StringFlag{Name: "identity-fault", Usage: "what is wrong with every assertion its issuers mint: " + strings.Join(emulator.IdentityFaults, "|")},
			&cli.StringFlag{Name: "msi-expiry-format", Usage: "expires_on `FORMAT`: " + strings.Join(emulator.ExpiryFormats, "|"), DefaultText: "unixstr"},
		},
		Action: func(c *cli.Context) error {
			names := c.StringSlice("name")
			if len(names) == 0 {
				names = defaultEmulatorVaults() // the names the README and --help examples use
			}
			o := emulator.Options{
				Addr: c.String("addr"), Names: names, Latency: c.Duration("latency"),
				Throttle: c.Int("throttle"), TokenLifetime: c.Duration("token-lifetime"), MSIFail: c.Int("msi-fail"),
				MSIExpiryFormat: c.String("msi-expiry-format"), Now: env.Now,
				Tenant: c.String("tenant"), VaultTenant: c.String("vault-tenant"), ProxyAddr: c.String("proxy-addr"),
				Identity: c.String("identity"), IdentityFault: c.String("identity-fault"),
			}
			if f := c.String("secrets"); f != "" {
				data, err := os.ReadFile(f)
				if err != nil {
					return usageError("check the --secrets path", "read secrets file: %v", err)
				}
				if o.Seeds, err = emulator.ParseSeeds(data); err != nil {
					return usageError("see 'akv emulator --help' for the format", "%v", err)
				}
			}
			// Listen for signals before announcing, so a script that kills us
			// right after reading the env never races the handler. SIGHUP
			// (the terminal closed) too: its default ends akv before the
			// deferred clean-up removes --write-env's file and the CA.
			ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
			defer stop()
			emu, err := emulator.Start(o)
			if err != nil {
				return usageError("pick another --addr, or check the flags", "emulator: %v", err)
			}
			defer emu.Close()
			envText := emu.Env()
			if f := c.String("write-env"); f != "" {
				if err := writeFileAtomic("--write-env", f, []byte(envText)); err != nil {
					return err
				}
				defer os.Remove(f)
			}
			if argv := c.Args().Slice(); len(argv) > 0 {
				return runWithEmulator(env, envText, names, argv)
			}
			if _, err := fmt.Fprint(env.Stdout, envText); err != nil {
				return err
			}
			<-ctx.Done()
			fmt.Fprintln(env.Stderr, "akv: emulator stopped")
			return nil
		},
	}
}
