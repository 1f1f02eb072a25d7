package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/akv-cli/akv/vault"
)

// runFailure is a failed fetch of `run`, told per variable: which
// variable, where it came from (--set, FILE:LINE, the environment) and
// what happened to its secret. Kind and hint stay the batch's.
type runFailure struct {
	msg string
	err *vault.FetchError
}

func (e *runFailure) Error() string { return e.msg }
func (e *runFailure) Unwrap() error { return e.err }

// namedFailures rewrites a batch failure so that each line names the
// variables whose secret failed; one cause shared by several variables
// (a dead identity) is said once, with all of them.
func namedFailures(vars []variable, err error) error {
	var fe *vault.FetchError
	if !errors.As(err, &fe) {
		return err
	}
	var order []string
	who := map[string][]string{}
	for _, f := range fe.Failed {
		msg := f.Err.Error()
		for _, v := range vars {
			if v.ref == nil || *v.ref != f.Ref {
				continue
			}
			if _, ok := who[msg]; !ok {
				order = append(order, msg)
			}
			who[msg] = append(who[msg], fmt.Sprintf("%s (from %s)", v.name, v.origin))
		}
	}
	if len(order) == 0 {
		return err
	}
	lines := make([]string, len(order))
	for i, msg := range order {
		lines[i] = strings.Join(who[msg], ", ") + ": " + msg
	}
	return &runFailure{msg: strings.Join(lines, "\n"), err: fe}
}
