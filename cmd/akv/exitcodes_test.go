package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/akv-cli/akv/credential"
	"github.com/akv-cli/akv/templates"
	"github.com/akv-cli/akv/vault"
)

// everyKind is every kind credential, vault and templates say they can
// return: what codeOf must map.
func everyKind() []any {
	var kinds []any
	for _, k := range credential.Kinds() {
		kinds = append(kinds, k)
	}
	for _, k := range vault.Kinds() {
		kinds = append(kinds, k)
	}
	for _, k := range templates.Kinds() {
		kinds = append(kinds, k)
	}
	return kinds
}

// unmapped lists the kinds codeOf has no row for, each as "pkg.Kind(word)".
func unmapped(kinds []any) []string {
	var missing []string
	for _, k := range kinds {
		if _, ok := codeOf(k); !ok {
			missing = append(missing, fmt.Sprintf("%T(%v)", k, k))
		}
	}
	return missing
}

// Issue 12 point 2: a kind without an exit code would exit 1 silently.
func TestEveryKindHasAnExitCode(t *testing.T) {
	if missing := unmapped(everyKind()); len(missing) > 0 {
		t.Errorf("kinds with no exit code in codeOf: %v", missing)
	}
}

// The check above catches what it is for: a kind codeOf does not know,
// of each package's type, and the zero (unset) kind.
func TestUnmappedKindIsCaught(t *testing.T) {
	bogus := []any{credential.Kind(99), vault.Kind(99), templates.Kind(99), credential.Kind(0), vault.Kind(0), templates.Kind(0)}
	if got := unmapped(append(everyKind(), bogus...)); len(got) != len(bogus) {
		t.Errorf("unmapped found %v, want the %d bogus kinds", got, len(bogus))
	}
	for _, k := range bogus {
		if code, ok := codeOf(k); ok || code != exitInternal {
			t.Errorf("codeOf(%T(%d)) = %d, %v; want exitInternal, false", k, k, code, ok)
		}
	}
}

// Each package's kinds have distinct, non-empty words (what `akv check`
// shows), and each maps to the exit code README.md's table gives it.
func TestKindCodes(t *testing.T) {
	want := map[string]int{
		"usage":           exitUsage,
		"unauthenticated": exitUnauthenticated,
		"not found":       exitNotFound,
		"forbidden":       exitForbidden,
		"unrepresentable": exitUnrepresentable,
		"network":         exitNetwork,
		"internal":        exitInternal,
	}
	seen := map[string]bool{}
	for _, k := range everyKind() {
		word := fmt.Sprint(k)
		if id := fmt.Sprintf("%T %s", k, word); word == "" || seen[id] {
			t.Errorf("%T(%d): empty or repeated word %q", k, k, word)
		} else {
			seen[id] = true
		}
		if code, _ := codeOf(k); code != want[word] {
			t.Errorf("%T %q: exit %d, want %d", k, word, code, want[word])
		}
	}
}

// The precedence: a code cmd chose wins anywhere in the chain; else the
// outermost kind; a batch has the kind that explains the most.
func TestExitCodePrecedence(t *testing.T) {
	notFound := &vault.Error{Kind: vault.KindNotFound, Msg: "x"}
	auth := &vault.Error{Kind: vault.KindAuth, Msg: "y"}
	cred := &credential.Error{Kind: credential.KindUsage, Msg: "z"}
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, exitOK},
		{"no kind", errors.New("plain"), exitInternal},
		{"wrapped vault", fmt.Errorf("get: %w", notFound), exitNotFound},
		{"credential", fmt.Errorf("login: %w", cred), exitUsage},
		{"templates", &templates.Error{Kind: templates.KindUnrepresentable}, exitUnrepresentable},
		{"outermost kind decides", &vault.Error{Kind: vault.KindNetwork, Err: cred}, exitNetwork},
		{"joined: first decides", errors.Join(errors.New("plain"), notFound, auth), exitNotFound},
		{"exitError anywhere wins", &vault.Error{Kind: vault.KindAuth, Err: &exitError{code: exitExpiring}}, exitExpiring},
		{"batch: auth explains the rest", &vault.FetchError{Failed: []vault.Secret{{Err: notFound}, {Err: auth}}}, exitUnauthenticated},
		{"zero kind", &vault.Error{Msg: "unset"}, exitInternal},
		{"recovered panic", recovered(), exitInternal},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("%s: exitCode(%v) = %d, want %d", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestHintOf(t *testing.T) {
	inner := &vault.Error{Kind: vault.KindUsage, Msg: "bad", Hint: "inner"}
	if h := hintOf(fmt.Errorf("parse: %w", inner)); h != "inner" {
		t.Errorf("wrapped: hint %q", h)
	}
	if h := hintOf(&exitError{msg: "m", hint: "outer"}); h != "outer" {
		t.Errorf("exitError: hint %q", h)
	}
	if h := hintOf(errors.New("plain")); h != "" {
		t.Errorf("plain: hint %q", h)
	}
}
