package templates

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

// ValidName reports whether s is a variable name every format accepts:
// [A-Za-z_][A-Za-z0-9_]*.
func ValidName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	return IsWord(s)
}

// IsWord reports whether s is one or more of A-Z, a-z, 0-9 and _.
func IsWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return s != ""
}
