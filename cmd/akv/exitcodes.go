package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/akv-cli/akv/vault"
)

// Exit codes: the one table (design.md).
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

// kindCode maps the error kinds of credential, vault and templates to
// exit codes. The kinds are plain strings so templates stays independent.
func kindCode(kind string) int {
	switch kind {
	case "usage":
		return exitUsage
	case "unauthenticated":
		return exitUnauthenticated
	case "not found":
		return exitNotFound
	case "forbidden":
		return exitForbidden
	case "unrepresentable":
		return exitUnrepresentable
	case "network":
		return exitNetwork
	}
	return exitInternal
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

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return kindCode(vault.KindOf(err))
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
	var h interface{ ErrorHint() string }
	if errors.As(err, &h) && h.ErrorHint() != "" {
		for _, line := range inertLines(h.ErrorHint()) {
			fmt.Fprintf(&b, "hint: %s\n", line)
		}
	}
	io.WriteString(w, b.String())
	return code
}
