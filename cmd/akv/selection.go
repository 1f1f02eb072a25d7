package main

import (
	"context"
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

// entry is one variable of a selection: a reference to fetch or a literal
// from an env file.
type entry struct {
	varName string // "" until known (listed secrets get theirs later)
	ref     *vault.Ref
	literal string
	origin  string // the argument or file:line, for messages
}

type selection struct {
	entries    []entry
	list       bool
	filter     vault.Filter
	strip      string
	allowEmpty bool
	listing    string // the listing flags as given, for messages: "--prefix ap-"
	emptyFiles []string
}

// parseSelection reads arguments (REF or NAME=REF), env files and the
// listing flags, before any network call.
func parseSelection(c *cli.Context, s *settings, namesMatter bool) (*selection, error) {
	sel := &selection{strip: c.String("strip-prefix"), allowEmpty: c.Bool("allow-empty")}
	var err error
	if sel.filter, err = parseFilter(c.String("prefix"), c.StringSlice("tag")); err != nil {
		return nil, err
	}
	sel.list = c.Bool("all") || c.IsSet("prefix") || len(c.StringSlice("tag")) > 0
	sel.listing = listingFlags(c)
	for _, arg := range c.Args().Slice() {
		name, refText, err := splitNameRef(arg)
		if err != nil {
			return nil, err
		}
		r, err := vault.Parse(refText, s.vault)
		if err != nil {
			return nil, err
		}
		e := entry{varName: name, ref: &r, origin: arg}
		if e.varName == "" {
			if e.varName, err = varName(r.Name, sel.strip, namesMatter); err != nil {
				return nil, err
			}
		}
		sel.entries = append(sel.entries, e)
	}
	for _, path := range c.StringSlice("env-file") {
		es, err := readEnvFile(path, s)
		if err != nil {
			return nil, err
		}
		if len(es) == 0 {
			sel.emptyFiles = append(sel.emptyFiles, path)
		}
		sel.entries = append(sel.entries, es...)
	}
	if len(sel.emptyFiles) > 0 && !sel.allowEmpty {
		return nil, &exitError{code: exitNotFound, msg: fmt.Sprintf("env file %s selects nothing: it defines no variable", strings.Join(sel.emptyFiles, ", ")),
			hint: "add NAME=akv://VAULT/SECRET lines, or pass --allow-empty to accept an empty selection"}
	}
	if len(sel.entries) == 0 && !sel.list && len(sel.emptyFiles) == 0 {
		return nil, usageError("name secrets, or use --prefix, --tag, --all or --env-file", "nothing selected")
	}
	if sel.list && s.vault == "" {
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
func readEnvFile(path string, s *settings) ([]entry, error) {
	data, err := readInput(s, "env file", "--env-file", path, nil)
	if err != nil {
		return nil, err
	}
	parsed, err := templates.ParseEnvFile(path, string(data))
	if err != nil {
		return nil, err
	}
	var out []entry
	for _, p := range parsed {
		e := entry{varName: p.Name, literal: p.Value, origin: fmt.Sprintf("%s:%d", path, p.Line)}
		isRef, err := s.isReference(p.Value)
		if err != nil {
			return nil, err
		}
		if isRef {
			r, err := vault.Parse(p.Value, s.vault)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", e.origin, p.Name, err)
			}
			e.ref = &r
		}
		out = append(out, e)
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

// resolved is one variable with its value (or, for check, its outcome).
type resolved struct {
	varName string
	value   string
	secret  *vault.Secret // nil for literals
}

// resolve fetches every reference of the selection, explicit ones and
// listed ones at the same time. It returns the variables in order
// (explicit first, then listing order), with every failure in err.
func (sel *selection) resolve(ctx context.Context, s *settings, client *vault.Client, namesMatter bool) ([]resolved, error) {
	var refs []vault.Ref
	for _, e := range sel.entries {
		if e.ref != nil {
			refs = append(refs, *e.ref)
		}
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
			got, getErr = client.Get(ctx, refs)
		})
	}
	if sel.list {
		wg.Go(func() {
			defer catchPanic(&listErr)
			v, err := s.vaultRef()
			if err != nil {
				listErr = err
				return
			}
			matched, listErr = client.GetMatching(ctx, v, sel.filter)
		})
	}
	wg.Wait()
	if err := mergeFetchErrors(getErr, listErr); err != nil {
		// Still hand back what was fetched, for check's report.
		return sel.combine(got, matched.Secrets, false), err
	}
	for _, d := range matched.Disabled {
		fmt.Fprintf(s.env.Stderr, "akv: note: skipping disabled secret %s\n", inert(d.Name))
	}
	if sel.list && len(matched.Secrets) == 0 && !sel.allowEmpty {
		return nil, sel.emptyListing(s, matched)
	}
	out := sel.combine(got, matched.Secrets, namesMatter)
	if namesMatter {
		if err := checkNames(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (sel *selection) combine(got, matched []vault.Secret, namesMatter bool) []resolved {
	var out []resolved
	i := 0
	for _, e := range sel.entries {
		if e.ref == nil {
			out = append(out, resolved{varName: e.varName, value: e.literal})
			continue
		}
		if i < len(got) {
			sec := got[i]
			out = append(out, resolved{varName: e.varName, value: sec.Value, secret: &sec})
		}
		i++
	}
	for _, sec := range matched {
		n, _ := varName(sec.Ref.Name, sel.strip, false)
		out = append(out, resolved{varName: n, value: sec.Value, secret: &sec})
	}
	return out
}

// checkNames refuses invalid variable names and two secrets landing on
// one variable, instead of silently keeping one.
func checkNames(rs []resolved) error {
	seen := map[string]string{}
	for _, r := range rs {
		from := r.varName
		if r.secret != nil {
			from = r.secret.Ref.String()
		}
		if !templates.ValidName(r.varName) {
			return usageError("name it yourself with NAME=akv://VAULT/SECRET, or use --strip-prefix",
				"%s maps to %q, which is not a valid variable name", from, r.varName)
		}
		if prev, dup := seen[r.varName]; dup && prev != from {
			return usageError("name one of them explicitly with NAME=REF, or use --strip-prefix",
				"%s and %s both map to variable %s", prev, from, r.varName)
		}
		seen[r.varName] = from
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
