package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/akv-cli/akv/templates"
	"github.com/akv-cli/akv/vault"
)

func runCommand(env *Env) *cli.Command {
	return &cli.Command{
		Name:  "run",
		Usage: "run a command with secrets only in its environment",
		UsageText: `akv run [--env-file F]... [--set NAME=REF]... [--mask] [--no-inherit] [--] CMD [ARGS...]

Every environment variable whose value is a reference (akv://…,
@Microsoft.KeyVault(...), or a secret URL on a Key Vault host of the
selected cloud or a vault in AKV_VAULT_ENDPOINTS; other URLs are left as
they are) is replaced by the secret's value, all fetched in one parallel
batch; if any fails, CMD never starts and the error names the variable
and where it came from. --set NAME=VALUE and env-file lines follow the
same rule: a reference is fetched, anything else (a bare name too) is a
literal. Then akv
becomes CMD (exec), so signals, job control, the terminal and the exit
status are CMD's own. With --mask, CMD runs as a child whose output is
streamed through a filter that replaces secret values with ***** (its
stdout and stderr only: not what it writes to /dev/tty or to files); akv
passes the signals it gets on to CMD (Ctrl-C and Ctrl-\ reach CMD from
the terminal itself, once), and on Linux CMD dies with akv. Once
CMD exits, akv waits at most a second for processes CMD left behind that
still hold its output; if akv's own output fails (a closed pipe, a full
disk), akv stops CMD (SIGTERM, then SIGKILL) and exits 1.

Examples:
   DB_PASSWORD=akv://myvault/db-password akv run -- ./migrate.sh
   akv run --env-file refs.env -- docker compose up
   akv run --set API_KEY=akv://myvault/api-key --mask -- make deploy`,
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "env-file", Usage: "add NAME=reference-or-literal lines from `FILE` (repeatable)"},
			&cli.StringSliceFlag{Name: "set", Usage: "add `NAME=REF` (repeatable)"},
			&cli.BoolFlag{Name: "mask", Usage: "mask secret values in CMD's output (CMD runs as a child)"},
			&cli.BoolFlag{Name: "no-inherit", Usage: "start from an empty environment plus PATH, HOME and the variables akv sets"},
			&cli.BoolFlag{Name: "allow-empty", Usage: "run even when an --env-file defines no variable (else exit 4)"},
		},
		Action: action(env, runOptionsOf, runRun),
	}
}

// runOptions are run's command line and the variables' sources.
type runOptions struct {
	argv       []string
	envFiles   []string
	sets       []string
	mask       bool
	noInherit  bool
	allowEmpty bool
}

func runOptionsOf(c *cli.Context) (runOptions, error) {
	o := runOptions{argv: c.Args().Slice(), envFiles: c.StringSlice("env-file"), sets: c.StringSlice("set"),
		mask: c.Bool("mask"), noInherit: c.Bool("no-inherit"), allowEmpty: c.Bool("allow-empty")}
	if len(o.argv) == 0 {
		return o, usageError("for example: akv run -- ./deploy.sh", "run needs a command")
	}
	return o, nil
}

func runRun(c *call, o runOptions) error {
	vars, err := runEnvironment(c, o)
	if err != nil {
		return err
	}
	values, err := resolveVars(c, vars)
	if err != nil {
		return err
	}
	childEnv := make([]string, 0, len(vars))
	for _, v := range vars {
		childEnv = append(childEnv, v.name+"="+v.value)
	}
	path, err := lookPath(o.argv[0], vars)
	if err != nil {
		return err
	}
	if o.mask {
		warnUnmasked(c.env, vars)
		return runMasked(c.env, path, o.argv, childEnv, values)
	}
	return execve(c.env, path, o.argv, childEnv)
}

// runEnvironment builds the child's variables: the inherited environment
// (or PATH and HOME), then env files, then --set, later ones winning.
func runEnvironment(c *call, o runOptions) ([]variable, error) {
	byName := map[string]int{}
	var vars []variable
	set := func(v variable) {
		if i, ok := byName[v.name]; ok {
			vars[i] = v
			return
		}
		byName[v.name] = len(vars)
		vars = append(vars, v)
	}
	for _, kv := range c.env.Environ() {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			continue
		}
		v := variable{name: name, value: value, origin: "the environment"}
		if err := c.backing(&v); err != nil {
			return nil, err
		}
		if o.noInherit && v.ref == nil && name != "PATH" && name != "HOME" {
			continue
		}
		set(v)
	}
	var empty []string
	for _, path := range o.envFiles {
		vs, err := readEnvFile(path, c)
		if err != nil {
			return nil, err
		}
		if len(vs) == 0 {
			empty = append(empty, path)
		}
		for _, v := range vs {
			set(v)
		}
	}
	if len(empty) > 0 && !o.allowEmpty {
		return nil, emptyEnvFiles(empty)
	}
	for _, kv := range o.sets {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, usageError("for example --set DB_PASSWORD=akv://myvault/db-password", "bad --set %q: want NAME=VALUE", kv)
		}
		if !templates.ValidName(name) {
			return nil, usageError(fmt.Sprintf("variable names are letters, digits and _, not starting with a digit: --set %s=%s", suggestName(name), value),
				"bad --set %q: %q is not a valid variable name", kv, name)
		}
		v := variable{name: name, value: value, origin: "--set"}
		if err := c.backing(&v); err != nil { // as in env files: a reference is fetched, the rest is a literal
			return nil, err
		}
		set(v)
	}
	return vars, nil
}

// backing makes v backed by a reference when its value is one; a value
// that is a reference but a bad one is an error naming v and its origin.
func (s *settings) backing(v *variable) error {
	isRef, err := s.isReference(v.value)
	if err != nil || !isRef {
		return err
	}
	r, err := vault.Parse(v.value, s.vault)
	if err != nil {
		return fmt.Errorf("%s (from %s): %w", v.name, v.origin, err)
	}
	v.ref = &r
	return nil
}

// isReference tells references from other values in the environment and
// in reference env files (issue 11): an https URL counts only when it
// names a vault of the selected cloud or one mapped in AKV_VAULT_ENDPOINTS.
func (s *settings) isReference(value string) (bool, error) {
	var eps vault.Endpoints
	if strings.Contains(value, "/secrets/") {
		var err error
		if eps, err = s.endpoints(); err != nil {
			return false, err
		}
	}
	return eps.IsReference(value), nil
}

// resolveVars fetches every reference in one batch and fills in values.
// It returns the secret values, for masking, and warns about the ones too
// short to mask.
func resolveVars(c *call, vars []variable) ([]string, error) {
	var refs []vault.Ref
	for _, v := range vars {
		if v.ref != nil {
			refs = append(refs, *v.ref)
		}
	}
	if len(refs) == 0 {
		return nil, nil // nothing to fetch: no identity needed
	}
	secrets, err := c.get(refs)
	if err != nil {
		return nil, namedFailures(vars, err) // a client that failed to build passes through
	}
	values := make([]string, 0, len(secrets))
	i := 0
	for k := range vars {
		if vars[k].ref != nil {
			vars[k].value = secrets[i].Value
			vars[k].secret = &secrets[i]
			values = append(values, secrets[i].Value)
			i++
		}
	}
	sort.Strings(values)
	return values, nil
}

// warnUnmasked names the variables whose values --mask leaves alone
// because they are shorter than templates.MinMaskLen bytes.
func warnUnmasked(env *Env, vars []variable) {
	var names, values []string
	for _, v := range vars {
		if v.ref != nil {
			names = append(names, v.name)
			values = append(values, v.value)
		}
	}
	_, tooShort := templates.MaskPatterns(values)
	var short []string
	for _, i := range tooShort {
		short = append(short, names[i])
	}
	if len(short) > 0 {
		fmt.Fprintf(env.Stderr, "akv: warning: not masking %s: shorter than %d bytes\n", strings.Join(short, ", "), templates.MinMaskLen)
	}
}

// lookPath finds the command on the child's PATH, with the shell's exit
// codes: 127 not found, 126 not executable.
func lookPath(name string, vars []variable) (string, error) {
	path := ""
	for _, v := range vars {
		if v.name == "PATH" {
			path = v.value
		}
	}
	candidates := []string{name}
	if !strings.Contains(name, "/") {
		candidates = nil
		for _, dir := range filepath.SplitList(path) {
			if dir == "" {
				dir = "."
			}
			candidates = append(candidates, filepath.Join(dir, name))
		}
	}
	var found string
	for _, p := range candidates {
		err := executable(p)
		if err == nil {
			return p, nil
		}
		if errors.Is(err, fs.ErrPermission) && found == "" {
			found = p
		}
	}
	if found != "" {
		return "", &exitError{code: exitNotExecutable, msg: fmt.Sprintf("run: %s: permission denied", found),
			hint: "make it executable (chmod +x) or run it through its interpreter"}
	}
	return "", &exitError{code: exitCommandNotFound, msg: fmt.Sprintf("run: %s: command not found", name),
		hint: "check the name and PATH"}
}

// executable reports whether path is a file we may execute.
func executable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return os.ErrPermission
	}
	return mayExecute(path)
}

// exitStatus turns a finished child into akv's exit code: its own status,
// or 128+N when signal N killed it.
func exitStatus(err error) error {
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &exitError{code: waitCode(ee), silent: true}
	}
	return err
}
