package main

import (
	"fmt"
	"strings"
	"sync"

	"github.com/urfave/cli/v2"

	"github.com/akv-cli/akv/templates"
	"github.com/akv-cli/akv/vault"
)

// selectionFlags are shared by export and check.
func selectionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "prefix", Usage: "every secret whose name starts with `P`"},
		&cli.StringSliceFlag{Name: "tag", Usage: "every secret with tag `k=v` (repeatable, all must match)"},
		&cli.BoolFlag{Name: "all", Usage: "every enabled secret in the vault"},
		&cli.StringSliceFlag{Name: "env-file", Usage: "NAME=reference-or-literal lines from `FILE` (repeatable)"},
		&cli.StringFlag{Name: "strip-prefix", Usage: "drop `P` from secret names before naming variables"},
		&cli.BoolFlag{Name: "allow-empty", Usage: "succeed when --prefix, --tag, --all or --env-file select nothing (else exit 4)"},
	}
}

// variable is one variable a command prints or sets, maybe backed by a
// reference: from an argument (REF or NAME=REF), an env file's line,
// --set, the environment, or a listing.
type variable struct {
	name   string     // "" until known (listed secrets get theirs later)
	origin string     // the argument, "refs.env:3", "--set", "the environment": for messages
	ref    *vault.Ref // nil for a literal
	value  string     // the literal, or once fetched the secret's value
	secret *vault.Secret
}

// selectionOptions are the selection flags and arguments as given.
type selectionOptions struct {
	args       []string
	envFiles   []string
	prefix     string
	prefixSet  bool
	tags       []string
	all        bool
	strip      string
	allowEmpty bool
	listing    string // the listing flags as given, for messages: "--prefix ap-"
}

func selectionOptionsOf(c *cli.Context) selectionOptions {
	return selectionOptions{args: c.Args().Slice(), envFiles: c.StringSlice("env-file"), prefix: c.String("prefix"),
		prefixSet: c.IsSet("prefix"), tags: c.StringSlice("tag"), all: c.Bool("all"), strip: c.String("strip-prefix"),
		allowEmpty: c.Bool("allow-empty"), listing: listingFlags(c)}
}

type selection struct {
	vars       []variable
	list       bool
	filter     vault.Filter
	strip      string
	allowEmpty bool
	listing    string
	emptyFiles []string
}

// parseSelection reads arguments (REF or NAME=REF), env files and the
// listing flags, before any network call.
func parseSelection(c *call, o selectionOptions, namesMatter bool) (*selection, error) {
	sel := &selection{strip: o.strip, allowEmpty: o.allowEmpty, listing: o.listing}
	var err error
	if sel.filter, err = parseFilter(o.prefix, o.tags); err != nil {
		return nil, err
	}
	sel.list = o.all || o.prefixSet || len(o.tags) > 0
	for _, arg := range o.args {
		name, refText, err := splitNameRef(arg)
		if err != nil {
			return nil, err
		}
		r, err := vault.Parse(refText, c.vault)
		if err != nil {
			return nil, err
		}
		v := variable{name: name, ref: &r, origin: arg}
		if v.name == "" {
			if v.name, err = varName(r.Name, sel.strip, namesMatter); err != nil {
				return nil, err
			}
		}
		sel.vars = append(sel.vars, v)
	}
	for _, path := range o.envFiles {
		vs, err := readEnvFile(path, c)
		if err != nil {
			return nil, err
		}
		if len(vs) == 0 {
			sel.emptyFiles = append(sel.emptyFiles, path)
		}
		sel.vars = append(sel.vars, vs...)
	}
	if len(sel.emptyFiles) > 0 && !sel.allowEmpty {
		return nil, emptyEnvFiles(sel.emptyFiles)
	}
	if len(sel.vars) == 0 && !sel.list && len(sel.emptyFiles) == 0 {
		return nil, usageError("name secrets, or use --prefix, --tag, --all or --env-file", "nothing selected")
	}
	if sel.list && c.vault == "" {
		return nil, vault.NoVaultError("--prefix, --tag and --all")
	}
	return sel, nil
}

// splitNameRef reads REF or NAME=REF. An "=" outside an App Service
// reference always means NAME=REF (no other reference form holds one), so
// a bad NAME is reported as a bad variable name, not a bad reference.
func splitNameRef(arg string) (name, ref string, err error) {
	k, v, ok := strings.Cut(arg, "=")
	if !ok || strings.HasPrefix(arg, "@Microsoft.KeyVault(") {
		return "", arg, nil
	}
	if !templates.ValidName(k) {
		return "", "", usageError(fmt.Sprintf("variable names are letters, digits and _, not starting with a digit: %s=%s", suggestName(k), v),
			"%q in %q is not a valid variable name", k, arg)
	}
	return k, v, nil
}

// suggestName turns an invalid variable name into a valid one:
// my-var → MY_VAR, 9lives → _9LIVES.
func suggestName(s string) string {
	b := []byte(strings.ToUpper(s))
	for i, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 || b[0] >= '0' && b[0] <= '9' {
		b = append([]byte{'_'}, b...)
	}
	return string(b)
}

// listingFlags are --prefix, --tag and --all as given, for messages.
func listingFlags(c *cli.Context) string {
	var parts []string
	if c.IsSet("prefix") {
		parts = append(parts, "--prefix "+c.String("prefix"))
	}
	for _, t := range c.StringSlice("tag") {
		parts = append(parts, "--tag "+t)
	}
	if c.Bool("all") {
		parts = append(parts, "--all")
	}
	return strings.Join(parts, " ")
}

// emptyListing is the error for a listing that selected nothing: a typo
// in --prefix must not turn into an empty .env (exit 4, nothing written).
func (sel *selection) emptyListing(s *settings, matched vault.Matched) error {
	name := s.vault
	if v, err := s.vaultRef(); err == nil {
		name = v.VaultLabel()
	}
	msg := fmt.Sprintf("no secret in vault %s matches %s", name, sel.listing)
	if len(matched.Disabled) > 0 {
		msg += fmt.Sprintf(" (%d disabled skipped)", len(matched.Disabled))
	}
	return &exitError{code: exitNotFound, msg: msg,
		hint: fmt.Sprintf("check the names with 'akv list --vault %s', or pass --allow-empty to accept an empty selection", name)}
}

// readEnvFile parses a reference env file: values that look like
// references are fetched, the rest are literals.
func readEnvFile(path string, c *call) ([]variable, error) {
	data, err := readInput(c, "env file", "--env-file", path, nil)
	if err != nil {
		return nil, err
	}
	parsed, err := templates.ParseEnvFile(path, string(data))
	if err != nil {
		return nil, err
	}
	var out []variable
	for _, p := range parsed {
		v := variable{name: p.Name, value: p.Value, origin: fmt.Sprintf("%s:%d", path, p.Line)}
		isRef, err := c.isReference(p.Value)
		if err != nil {
			return nil, err
		}
		if isRef {
			r, err := vault.Parse(p.Value, c.vault)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", v.origin, p.Name, err)
			}
			v.ref = &r
		}
		out = append(out, v)
	}
	return out, nil
}

// varName maps a secret name to a variable: db-password → DB_PASSWORD.
func varName(secret, strip string, check bool) (string, error) {
	n := strings.ToUpper(strings.ReplaceAll(strings.TrimPrefix(secret, strip), "-", "_"))
	if check && !templates.ValidName(n) {
		return "", usageError(fmt.Sprintf("name it yourself: MY_NAME=akv://VAULT/%s", secret),
			"secret %q maps to %q, which is not a valid variable name", secret, n)
	}
	return n, nil
}

// resolve fetches every reference of the selection, explicit ones and
// listed ones at the same time. It returns the variables in order
// (explicit first, then listing order), with every failure in err.
func (sel *selection) resolve(c *call, namesMatter bool) ([]variable, error) {
	var refs []vault.Ref
	for _, v := range sel.vars {
		if v.ref != nil {
			refs = append(refs, *v.ref)
		}
	}
	// With only literals (an env file of NAME=value lines) there is
	// nothing to fetch: no client is built, no identity is needed.
	var client *vault.Client
	if len(refs) > 0 || sel.list {
		var err error
		if client, err = c.client(); err != nil {
			return nil, err
		}
	}
	got, matched, err := sel.fetch(c, client, refs)
	if err != nil {
		// Still hand back what was fetched, for check's report.
		return sel.combine(got, matched.Secrets), err
	}
	for _, d := range matched.Disabled {
		fmt.Fprintf(c.env.Stderr, "akv: note: skipping disabled secret %s\n", inert(d.Name))
	}
	if sel.list && len(matched.Secrets) == 0 && !sel.allowEmpty {
		return nil, sel.emptyListing(c.settings, matched)
	}
	out := sel.combine(got, matched.Secrets)
	if namesMatter {
		if err := checkNames(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// fetch gets the named references and the listing in parallel (nothing
// without a client: the selection holds only literals).
func (sel *selection) fetch(c *call, client *vault.Client, refs []vault.Ref) ([]vault.Secret, vault.Matched, error) {
	if client == nil {
		return nil, vault.Matched{}, nil
	}
	var (
		wg      sync.WaitGroup
		got     []vault.Secret
		getErr  error
		matched vault.Matched
		listErr error
	)
	if len(refs) > 0 {
		wg.Go(func() {
			defer catchPanic(&getErr)
			got, getErr = client.Get(c.ctx, refs)
		})
	}
	if sel.list {
		wg.Go(func() {
			defer catchPanic(&listErr)
			v, err := c.vaultRef()
			if err != nil {
				listErr = err
				return
			}
			matched, listErr = client.GetMatching(c.ctx, v, sel.filter)
		})
	}
	wg.Wait()
	return got, matched, mergeFetchErrors(getErr, listErr)
}

// combine puts the fetched values into the selection's variables, then
// appends the listed secrets under the names they map to.
func (sel *selection) combine(got, matched []vault.Secret) []variable {
	var out []variable
	i := 0
	for _, v := range sel.vars {
		if v.ref == nil {
			out = append(out, v)
			continue
		}
		if i < len(got) {
			sec := got[i]
			v.value, v.secret = sec.Value, &sec
			out = append(out, v)
		}
		i++
	}
	for _, sec := range matched {
		n, _ := varName(sec.Ref.Name, sel.strip, false)
		out = append(out, variable{name: n, origin: sel.listing, ref: &sec.Ref, value: sec.Value, secret: &sec})
	}
	return out
}

// checkNames refuses invalid variable names and two secrets landing on
// one variable, instead of silently keeping one.
func checkNames(vs []variable) error {
	seen := map[string]string{}
	for _, v := range vs {
		from := v.name
		if v.secret != nil {
			from = v.secret.Ref.String()
		}
		if !templates.ValidName(v.name) {
			return usageError("name it yourself with NAME=akv://VAULT/SECRET, or use --strip-prefix",
				"%s maps to %q, which is not a valid variable name", from, v.name)
		}
		if prev, dup := seen[v.name]; dup && prev != from {
			return usageError("name one of them explicitly with NAME=REF, or use --strip-prefix",
				"%s and %s both map to variable %s", prev, from, v.name)
		}
		seen[v.name] = from
	}
	return nil
}

func mergeFetchErrors(errs ...error) error {
	var merged vault.FetchError
	var other error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if fe, ok := err.(*vault.FetchError); ok {
			merged.Failed = append(merged.Failed, fe.Failed...)
		} else if other == nil {
			other = err
		}
	}
	if other != nil {
		return other
	}
	if len(merged.Failed) > 0 {
		return &merged
	}
	return nil
}

// emptyEnvFiles is the error for env files that define no variable: a
// file emptied or mistyped by a broken deploy selects nothing (exit 4).
func emptyEnvFiles(paths []string) error {
	return &exitError{code: exitNotFound, msg: fmt.Sprintf("env file %s selects nothing: it defines no variable", strings.Join(paths, ", ")),
		hint: "add NAME=akv://VAULT/SECRET lines, or pass --allow-empty to accept an empty selection"}
}
