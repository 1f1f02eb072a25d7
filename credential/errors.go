package credential

import "strings"

// Kind says what sort of failure an Error is; cmd maps each Kind to an
// exit code (cmd/akv/exitcodes.go, whose test enumerates Kinds). The zero
// Kind is no kind: cmd treats it as an internal error.
type Kind int

const (
	KindAuth     Kind = iota + 1 // no identity, endpoint unreachable, audience refused
	KindUsage                    // malformed configuration such as MSI_ENDPOINT
	KindInternal                 // a bug in akv (a panic while getting a token)
)

// Kinds lists every Kind an Error of this package can carry.
func Kinds() []Kind { return []Kind{KindAuth, KindUsage, KindInternal} }

// String is the kind's word, as `akv check` and --verbose show it.
func (k Kind) String() string {
	switch k {
	case KindAuth:
		return "unauthenticated"
	case KindUsage:
		return "usage"
	case KindInternal:
		return "internal"
	}
	return ""
}

// Error is a credential failure. Msg says what went wrong, Hint what to do.
// Neither ever holds a token.
type Error struct {
	Credential string // the credential Msg starts with, e.g. "CloudShell"; Chain names a failure once by it
	Kind       Kind
	Msg        string
	Hint       string
	Err        error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorKind is read by cmd to choose an exit code.
func (e *Error) ErrorKind() Kind { return e.Kind }

// Misconfigured reports a configuration mistake (KindUsage) rather than
// an identity that could not authenticate. vault, which must not import
// credential, reads it to give a credential failure its own kind.
func (e *Error) Misconfigured() bool { return e.Kind == KindUsage }

// Bug reports a failure of akv itself (KindInternal), read by vault as
// Misconfigured is.
func (e *Error) Bug() bool { return e.Kind == KindInternal }

// ErrorHint is a line telling the user what to do next.
func (e *Error) ErrorHint() string { return e.Hint }

// NotInCloudShellMessage starts every "nothing to authenticate with" error.
const NotInCloudShellMessage = "not in Azure Cloud Shell: MSI_ENDPOINT is not set; run inside Cloud Shell, on an Azure host with a managed identity, or use --auth azcli"
