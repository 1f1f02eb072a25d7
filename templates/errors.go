package templates

import "regexp"

// Error kinds (plain strings, read by cmd through ErrorKind).
const (
	KindUsage           = "usage"
	KindUnrepresentable = "unrepresentable"
)

// Error is a refusal or a usage problem. It names variables and formats,
// never values.
type Error struct {
	Kind string
	Msg  string
	Hint string
}

func (e *Error) Error() string     { return e.Msg }
func (e *Error) ErrorKind() string { return e.Kind }
func (e *Error) ErrorHint() string { return e.Hint }

var nameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ValidName reports whether s is a variable name every format accepts.
func ValidName(s string) bool { return nameRE.MatchString(s) }
