package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/akv-cli/akv/templates"
)

// certOutput is one of cert's file flags.
type certOutput struct {
	flag, usage string
	data        func(*templates.Cert, string) ([]byte, error)
	path        string // where it goes: the flag's value
	target      string // the file it replaces: path made absolute, through symlinks
}

// certOutputs are cert's file flags, in the order they are written.
func certOutputs() []certOutput {
	return []certOutput{
		{flag: "key", usage: "the private key as PKCS#8 PEM", data: func(c *templates.Cert, _ string) ([]byte, error) { return c.KeyPEM() }},
		{flag: "cert", usage: "the leaf certificate as PEM", data: func(c *templates.Cert, _ string) ([]byte, error) { return c.CertPEM(), nil }},
		{flag: "chain", usage: "the leaf then its intermediates, as nginx's ssl_certificate reads", data: func(c *templates.Cert, _ string) ([]byte, error) { return c.ChainPEM(), nil }},
		{flag: "ca", usage: "the issuers only (a self-signed certificate is its own)", data: func(c *templates.Cert, _ string) ([]byte, error) { return c.CAPEM() }},
		{flag: "bundle", usage: "the key then the chain in one PEM, as HAProxy's crt reads", data: func(c *templates.Cert, _ string) ([]byte, error) { return c.BundlePEM() }},
		{flag: "pfx", usage: "PKCS#12 (AES-256, PBKDF2) of the key and chain; password from --pfx-password-env", data: func(c *templates.Cert, pw string) ([]byte, error) { return c.PFX(pw) }},
	}
}

func certCommand(env *Env) *cli.Command {
	flags := []cli.Flag{}
	for _, o := range certOutputs() {
		flags = append(flags, &cli.StringFlag{Name: o.flag, Usage: "write " + o.usage + " to `FILE` (atomic, mode 0600)"})
	}
	flags = append(flags,
		&cli.StringFlag{Name: "pfx-password-env", Usage: "encrypt --pfx with the password in environment variable `VAR` (default: an empty password, as Key Vault's)"},
		&cli.StringFlag{Name: "secret-password-env", Usage: "open a secret's PFX that has a password with the one in `VAR` (Key Vault's own have none)"},
		&cli.BoolFlag{Name: "json", Usage: "print the leaf's subject, SANs, issuer, serial, validity, thumbprints and key type (never the key)"},
	)
	return &cli.Command{
		Name:  "cert",
		Usage: "write a Key Vault certificate's key and chain as the PEM and PFX files servers read",
		UsageText: `akv cert [--key F] [--cert F] [--chain F] [--ca F] [--bundle F] [--pfx F [--pfx-password-env VAR]] [--json] REF

A Key Vault certificate's private key and chain are in the secret of the
same name, as a base64 PFX or as PEM (told apart by the bytes when the
content type is missing). The leaf is the certificate that matches the
key; the intermediates follow it in issuer order, whatever order the
secret holds them in. Every file is written atomically with mode 0600,
after everything was read. With no file flag the bundle (key, then
chain) goes to stdout; --json prints the leaf's metadata instead.

Examples:
   akv cert --vault myvault --chain /etc/nginx/tls/chain.pem --key /etc/nginx/tls/key.pem tls-cert
   akv cert --bundle /etc/haproxy/site.pem akv://myvault/tls-cert
   PFX_PASSWORD=changeit akv cert --pfx site.p12 --pfx-password-env PFX_PASSWORD akv://myvault/tls-cert
   akv cert --json akv://myvault/tls-cert`,
		Flags:  flags,
		Action: action(env, func(c *cli.Context) (certOptions, error) { return certOptionsOf(c, env) }, certRun),
	}
}

// certOptions are cert's reference, files and passwords, checked.
type certOptions struct {
	ref            string
	outs           []certOutput
	asJSON         bool
	pfxPassword    string
	secretPassword string
}

func certOptionsOf(c *cli.Context, env *Env) (certOptions, error) {
	var o certOptions
	args := c.Args().Slice()
	if len(args) != 1 {
		return o, usageError("for example: akv cert --chain chain.pem --key key.pem akv://myvault/tls-cert", "cert takes one reference")
	}
	o.ref = args[0]
	var err error
	if o.outs, err = certFiles(c); err != nil {
		return o, err
	}
	o.asJSON = c.Bool("json")
	if o.pfxPassword, err = passwordFromEnv(c, env, "pfx-password-env"); err != nil {
		return o, err
	}
	if c.IsSet("pfx-password-env") && c.String("pfx") == "" {
		return o, usageError("add --pfx FILE", "--pfx-password-env goes with --pfx")
	}
	if o.secretPassword, err = passwordFromEnv(c, env, "secret-password-env"); err != nil {
		return o, err
	}
	if len(o.outs) == 0 && !o.asJSON {
		o.outs = append(o.outs, certOutput{flag: "bundle", path: "-", data: func(c *templates.Cert, _ string) ([]byte, error) { return c.BundlePEM() }})
	}
	return o, nil
}

func certRun(c *call, o certOptions) error {
	secrets, err := c.fetch([]string{o.ref})
	if err != nil {
		return err
	}
	sec := secrets[0]
	cert, err := templates.ParseCert(sec.Value, sec.ContentType, o.secretPassword)
	if err != nil {
		return fmt.Errorf("cert %s: %w", sec.Ref.Name, err)
	}
	// Everything is encoded before the first file is written.
	data := make([][]byte, len(o.outs))
	for i, out := range o.outs {
		if data[i], err = out.data(cert, o.pfxPassword); err != nil {
			return fmt.Errorf("cert %s: --%s: %w", sec.Ref.Name, out.flag, err)
		}
	}
	var info []byte
	if o.asJSON {
		if info, err = json.MarshalIndent(cert.Info(), "", "  "); err != nil {
			return err
		}
		info = append(inertJSON(info), '\n') // names in a certificate are anyone's text
	}
	if err := writeCertFiles(o.outs, data, certWriteOptions{}); err != nil {
		return err
	}
	for i, out := range o.outs {
		if out.path == "-" {
			if err := writeOutput(c.env, out.path, data[i]); err != nil {
				return err
			}
		}
		c.logf("cert %s: wrote --%s %s", sec.Ref.Name, out.flag, out.path)
	}
	if o.asJSON {
		_, err = c.env.Stdout.Write(info)
	}
	return err
}

// certFiles reads the file flags: each output its own file, at most one
// on stdout (-), and that one not beside --json.
func certFiles(c *cli.Context) ([]certOutput, error) {
	var outs []certOutput
	seen := map[string]string{}
	for _, o := range certOutputs() {
		if o.path = c.String(o.flag); o.path == "" {
			continue
		}
		o.target = o.path
		if o.path != "-" {
			o.target = outputTarget(o.path)
			if fi, err := os.Stat(o.target); err == nil && !fi.Mode().IsRegular() {
				// Renaming over it would replace a directory's entry, a
				// device (as root, /dev/null) or a pipe with a file.
				return nil, usageError("name a file to write (or - for stdout)", "--%s %s is %s, not a file", o.flag, o.path, fileKind(fi.Mode()))
			}
		}
		if prev, dup := seen[o.target]; dup {
			return nil, usageError("give each output its own file", "--%s and --%s both write %s", prev, o.flag, o.path)
		}
		seen[o.target] = o.flag
		outs = append(outs, o)
	}
	if _, toStdout := seen["-"]; toStdout && c.Bool("json") {
		return nil, usageError("write the files elsewhere, or drop --json", "--json and an output to stdout (-) do not go together")
	}
	return outs, nil
}

// passwordFromEnv reads the password a --*-password-env flag names. A
// named variable that is unset or empty is a mistake, not "no password".
func passwordFromEnv(c *cli.Context, env *Env, flag string) (string, error) {
	name := c.String(flag)
	if name == "" && !c.IsSet(flag) {
		return "", nil
	}
	// Neither message repeats the value: it may be a password given by
	// mistake. An empty name is "$PW_VAR" of a script with it unset: a
	// mistake too, not "no password".
	if !templates.ValidName(name) {
		return "", usageError("name the variable, never the password: PW=… akv cert … --"+flag+" PW", "--%s takes an environment variable's name", flag)
	}
	v := env.Getenv(name)
	if v == "" {
		return "", usageError("export the variable, then name it: PW=… akv cert … --"+flag+" PW",
			"--%s names a variable that is unset or empty", flag)
	}
	return v, nil
}

// outputTarget is the file writing path replaces (writeTarget), as an
// absolute path through symlinks in its directories too, so that two
// flags naming one file by two paths are seen to.
func outputTarget(path string) string {
	dir, base := filepath.Split(writeTarget(path))
	if d, err := filepath.EvalSymlinks(cmp.Or(dir, ".")); err == nil {
		dir = d
	}
	if abs, err := filepath.Abs(filepath.Join(dir, base)); err == nil {
		return abs
	}
	return path
}

func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}
