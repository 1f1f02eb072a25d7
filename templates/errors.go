package templates

// Kind says what sort of failure an Error is; cmd maps each Kind to an
// exit code (cmd/akv/exitcodes.go, whose test enumerates Kinds). The zero
// Kind is no kind: cmd treats it as an internal error.
type Kind int

const (
	KindUsage           Kind = iota + 1 // a bad template, env file or format name
	KindUnrepresentable                 // a value the chosen format cannot carry
)

// Kinds lists every Kind an Error of this package can carry.
func Kinds() []Kind { return []Kind{KindUsage, KindUnrepresentable} }

// String is the kind's word.
func (k Kind) String() string {
	switch k {
	case KindUsage:
		return "usage"
	case KindUnrepresentable:
		return "unrepresentable"
	}
	return ""
}

// Error is a refusal or a usage problem. It names variables and formats,
// never values.
type Error struct {
	Kind Kind
	Msg  string
	Hint string
}

func (e *Error) Error() string     { return e.Msg }
func (e *Error) ErrorKind() Kind   { return e.Kind }
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
