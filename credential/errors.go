package credential

import "strings"

// Error kinds reported by ErrorKind. cmd maps them to exit codes.
const (
	KindAuth  = "unauthenticated" // no identity, endpoint unreachable, audience refused
	KindUsage = "usage"           // malformed configuration such as MSI_ENDPOINT
)

// Error is a credential failure. Msg says what went wrong, Hint what to do.
// Neither ever holds a token.
type Error struct {
	Credential string // the credential Msg starts with, e.g. "CloudShell"; Chain names a failure once by it
	Kind       string
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
func (e *Error) ErrorKind() string { return e.Kind }

// ErrorHint is a line telling the user what to do next.
func (e *Error) ErrorHint() string { return e.Hint }

// NotInCloudShellMessage starts every "nothing to authenticate with" error.
const NotInCloudShellMessage = "not in Azure Cloud Shell: MSI_ENDPOINT is not set; run inside Cloud Shell, on an Azure host with a managed identity, or use --auth azcli"
