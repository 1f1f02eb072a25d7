package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/akv-cli/akv/credential"
	"github.com/akv-cli/akv/templates"
	"github.com/akv-cli/akv/vault"
)

// Exit codes: the one table; README.md's "Exit codes" lists them for users.
const (
	exitOK              = 0
	exitInternal        = 1
	exitUsage           = 2
	exitUnauthenticated = 3
	exitNotFound        = 4
	exitForbidden       = 5
	exitUnrepresentable = 6
	exitNetwork         = 7
	exitExpiring        = 8 // check --expiring: a selected certificate expires within the window
	exitNotExecutable   = 126
	exitCommandNotFound = 127
)

// codeOf is the one table from the error kinds of credential, vault and
// templates to exit codes. Every kind each package lists (its Kinds) has a
// row: TestEveryKindHasAnExitCode fails on one without. ok is false for a
// kind with no row, which exits as an internal error.
func codeOf(kind any) (code int, ok bool) {
	switch kind {
	case credential.KindUsage, vault.KindUsage, templates.KindUsage:
		return exitUsage, true
	case credential.KindAuth, vault.KindAuth:
		return exitUnauthenticated, true
	case vault.KindNotFound:
		return exitNotFound, true
	case vault.KindForbidden:
		return exitForbidden, true
	case templates.KindUnrepresentable:
		return exitUnrepresentable, true
	case vault.KindNetwork:
		return exitNetwork, true
	case credential.KindInternal, vault.KindInternal:
		return exitInternal, true
	}
	return exitInternal, false
}

// kindOf is the kind of the outermost error in err's chain that carries
// one, searching as errors.As does (err, then what it wraps, depth
// first), or nil. Wrapping only adds context: the error nearest the
// surface has the last word on what went wrong.
func kindOf(err error) any {
	switch e := err.(type) {
	case nil:
		return nil
	case interface{ ErrorKind() vault.Kind }: // *vault.Error, *vault.FetchError
		return e.ErrorKind()
	case interface{ ErrorKind() credential.Kind }:
		return e.ErrorKind()
	case interface{ ErrorKind() templates.Kind }:
		return e.ErrorKind()
	case interface{ Unwrap() error }:
		return kindOf(e.Unwrap())
	case interface{ Unwrap() []error }:
		for _, w := range e.Unwrap() {
			if k := kindOf(w); k != nil {
				return k
			}
		}
	}
	return nil
}

// exitError carries a code decided in cmd: usage errors, a child's status.
type exitError struct {
	code   int
	msg    string
	hint   string
	silent bool // print nothing: the child already spoke
}

func (e *exitError) Error() string     { return e.msg }
func (e *exitError) ErrorHint() string { return e.hint }

func usageError(hint, format string, args ...any) error {
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...), hint: hint}
}

// exitCode is err's exit code. The precedence, once: a code cmd chose
// (an exitError anywhere in the chain) wins; else the outermost kind in
// the chain (kindOf) decides through codeOf; else it is exitInternal. A
// batch of failures (vault.FetchError) has already one kind, the one that
// explains the most: auth, forbidden, not found, network, usage
// (vault.Kinds).
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	code, _ := codeOf(kindOf(err))
	return code
}

// hintOf is the hint of the outermost error in err's chain that has one
// (the ErrorHint of exitError, vault, credential and templates errors): the
// one hint cmd shows or passes on.
func hintOf(err error) string {
	var h interface{ ErrorHint() string }
	if errors.As(err, &h) {
		return h.ErrorHint()
	}
	return ""
}

// report prints err as "akv: …" lines and a hint, and returns the code.
// Errors quote what servers said (codes, messages, names): every line is
// made inert before it reaches the terminal.
func report(w io.Writer, err error) int {
	code := exitCode(err)
	var ee *exitError
	if errors.As(err, &ee) && ee.silent {
		return code
	}
	var b strings.Builder
	for _, line := range inertLines(err.Error()) {
		fmt.Fprintf(&b, "akv: %s\n", line)
	}
	if hint := hintOf(err); hint != "" {
		for _, line := range inertLines(hint) {
			fmt.Fprintf(&b, "hint: %s\n", line)
		}
	}
	io.WriteString(w, b.String())
	return code
}
