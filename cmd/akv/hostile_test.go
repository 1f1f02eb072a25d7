package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	kvhostile "github.com/akv-cli/akv/vault/hostile"
)

// hostileHolder keeps a script's hostile servers, and the test they fail
// when a request nobody expected reached one.
type hostileHolder struct {
	t       testscript.T
	servers []*kvhostile.Server
}

const hostileUsage = "usage: hostile [-cert VARIANT] [-name HOST] [-vault NAME] [-system-roots] MODE | hostile log"

// cmdHostile starts a hostile server (package vault/hostile) in the test
// process and exports the environment that points akv at it, printing it
// as export lines:
//
//	hostile [-cert VARIANT] [-name HOST] [-vault NAME] [-system-roots] MODE
//
// MODE is one attack (hostile.ModeNames), VARIANT the vault's certificate
// (valid, wrong-name, no-ip-san, unknown-ca). The vault NAME (default evil)
// is mapped in AKV_VAULT_ENDPOINTS to https://127.0.0.1:PORT, or with
// -name to https://HOST:PORT through HTTPS_PROXY, a proxy that resolves
// HOST to the server. Its CA goes to AKV_CA_FILE, or with -system-roots to
// SSL_CERT_FILE (the system roots), and its identity endpoint to
// MSI_ENDPOINT; HOSTILE_URL is its own origin, HOSTILE_STRANGER the one
// that must never be contacted, HOSTILE_TOKEN the token it hands out. Secret values are $CANARY-NAME.
//
// `hostile log` prints every request the latest server saw. When the
// script ends, a request any server did not expect fails the test.
func cmdHostile(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! hostile")
	}
	h := ts.Value("hostile").(*hostileHolder)
	if len(args) == 1 && args[0] == "log" {
		if len(h.servers) == 0 {
			ts.Fatalf("hostile log: no hostile server started")
		}
		for _, l := range h.servers[len(h.servers)-1].Log() {
			fmt.Fprintln(ts.Stdout(), l)
		}
		return
	}
	fs := flag.NewFlagSet("hostile", flag.ContinueOnError)
	fs.SetOutput(ts.Stderr())
	cert := fs.String("cert", string(kvhostile.CertValid), "the vault's certificate")
	host := fs.String("name", "", "a DNS name for the vault, reached through HTTPS_PROXY")
	vaultName := fs.String("vault", "evil", "the vault name mapped to the server")
	systemRoots := fs.Bool("system-roots", false, "trust the CA as a system root (SSL_CERT_FILE), not AKV_CA_FILE")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		ts.Fatalf("%s\nmodes: %s", hostileUsage, strings.Join(kvhostile.ModeNames(), ", "))
	}
	dir, err := os.MkdirTemp(ts.Getenv("WORK"), "hostile-")
	ts.Check(err)
	var names []string
	if *host != "" {
		names = []string{*host}
	}
	s, err := kvhostile.Start(kvhostile.Options{Mode: kvhostile.Mode(fs.Arg(0)), Cert: kvhostile.Cert(*cert), Names: names,
		Dir: dir, Canary: ts.Getenv("CANARY")})
	ts.Check(err)
	h.servers = append(h.servers, s)
	ts.Defer(func() {
		s.Close()
		if u := s.Unexpected(); len(u) > 0 {
			h.t.Fatal(fmt.Sprintf("hostile %s: requests nobody expected:\n\t%s", s.Mode, strings.Join(u, "\n\t")))
		}
	})
	env := s.Env(*vaultName, *host)
	if *systemRoots {
		env["SSL_CERT_FILE"], env["AKV_CA_FILE"] = env["AKV_CA_FILE"], ""
	}
	env["HOSTILE_URL"], env["HOSTILE_STRANGER"] = s.URL, s.Stranger
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ts.Setenv(k, env[k])
		fmt.Fprintf(ts.Stdout(), "export %s=%s\n", k, env[k])
	}
	ts.Setenv("HOSTILE_TOKEN", s.Token)
}
