package vault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// Kind says what sort of failure an Error is; cmd maps each Kind to an
// exit code (cmd/akv/exitcodes.go, whose test enumerates Kinds). The zero
// Kind is no kind: cmd treats it as an internal error.
type Kind int

const (
	KindAuth Kind = iota + 1
	KindForbidden
	KindNotFound
	KindNetwork
	KindUsage
	KindInternal
)

// Kinds lists every Kind this package's errors carry, in the one order of
// precedence: how much a kind explains. An auth failure explains the rest,
// so a batch with several failures has the first of their kinds
// (FetchError.ErrorKind, package doc).
func Kinds() []Kind {
	return []Kind{KindAuth, KindForbidden, KindNotFound, KindNetwork, KindUsage, KindInternal}
}

// String is the kind's word, as `akv check` and --verbose show it.
func (k Kind) String() string {
	switch k {
	case KindAuth:
		return "unauthenticated"
	case KindForbidden:
		return "forbidden"
	case KindNotFound:
		return "not found"
	case KindNetwork:
		return "network"
	case KindUsage:
		return "usage"
	case KindInternal:
		return "internal"
	}
	return ""
}

// Error is a failure about one reference or one vault. It never holds a
// secret value.
type Error struct {
	Kind Kind
	Op   string // "get db-password", "list vault demo"
	Msg  string
	Hint string
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Err != nil && e.Msg == "" {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error        { return e.Err }
func (e *Error) ErrorKind() Kind      { return e.Kind }
func (e *Error) ErrorHint() string    { return e.Hint }
func usageErr(msg, hint string) error { return &Error{Kind: KindUsage, Msg: msg, Hint: hint} }

// NoVaultError says how to name a vault.
func NoVaultError(what string) error {
	return usageErr(fmt.Sprintf("%s needs a vault", what), "pass --vault NAME or set AKV_VAULT")
}

// credentialFailure is a credential error (credential.Error), known
// without importing credential by the methods that tell its kinds apart:
// a configuration mistake, a bug in akv, or an identity that could not
// authenticate.
type credentialFailure interface {
	error
	Misconfigured() bool
	Bug() bool
}

func credentialKind(err credentialFailure) Kind {
	switch {
	case err.Misconfigured():
		return KindUsage
	case err.Bug():
		return KindInternal
	}
	return KindAuth
}

// KindOf returns the kind of the outermost Error or FetchError in err's
// chain, else that of a credential failure in it, else KindInternal.
func KindOf(err error) Kind {
	var k interface{ ErrorKind() Kind }
	if errors.As(err, &k) {
		return k.ErrorKind()
	}
	var cf credentialFailure
	if errors.As(err, &cf) {
		return credentialKind(cf)
	}
	return KindInternal
}

// hasKind reports whether err's chain says what went wrong already: a
// vault error or a credential failure.
func hasKind(err error) bool {
	var k interface{ ErrorKind() Kind }
	var cf credentialFailure
	return errors.As(err, &k) || errors.As(err, &cf)
}

// classify turns what azsecrets returned into an *Error naming op.
func (v *vaultClient) classify(op string, err error) error {
	if e := hostNotFound(v.label, err); e != nil && KindOf(err) == KindInternal {
		return e
	}
	tenant, _ := v.tokenTenant.Load().(string)
	return withCAHint(classify(op, v.label, tenant, err), v.caFile)
}

// classify turns what azsecrets returned into an *Error naming op;
// tokenTenant is the tenant of the token that was sent, when known.
func classify(op, vaultName, tokenTenant string, err error) error {
	if err == nil {
		return nil
	}
	var ve *Error
	if errors.As(err, &ve) {
		return err
	}
	var f *fault
	if errors.As(err, &f) { // refused below azsecrets: the message names the vault
		return &Error{Kind: KindNetwork, Op: op, Msg: f.msg, Hint: f.hint, Err: err}
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		inner := innerCode(re)
		code := re.ErrorCode
		if inner != "" {
			code += "/" + inner
		}
		status := fmt.Sprintf("(%d %s)", re.StatusCode, code)
		switch {
		case re.StatusCode == http.StatusNotFound:
			return &Error{Kind: KindNotFound, Op: op, Msg: fmt.Sprintf("secret not found in vault %s %s", vaultName, status),
				Hint: "check the name with `akv list`", Err: err}
		case re.StatusCode == http.StatusForbidden && inner == "SecretDisabled":
			return &Error{Kind: KindForbidden, Op: op, Msg: "secret is disabled " + status,
				Hint: "enable it in the portal or with `az keyvault secret set-attributes --enabled true`", Err: err}
		case re.StatusCode == http.StatusForbidden:
			return &Error{Kind: KindForbidden, Op: op, Msg: fmt.Sprintf("access denied by vault %s %s", vaultName, status),
				Hint: "the identity needs the Key Vault Secrets User role (RBAC) or a get/list access policy on this vault", Err: err}
		case re.StatusCode == http.StatusUnauthorized:
			hint := "the token was rejected; check that the identity belongs to the vault's tenant"
			if strings.Contains(responseText(re), "AKV10032") {
				hint = fmt.Sprintf("the token is for tenant %s but vault %s belongs to tenant %s (AKV10032); Cloud Shell tokens are for your home tenant: use an identity in the vault's tenant",
					orUnknown(tokenTenant), vaultName, orUnknown(challengeTenant(re.RawResponse)))
			}
			return &Error{Kind: KindAuth, Op: op, Msg: fmt.Sprintf("vault %s rejected the token %s", vaultName, status), Hint: hint, Err: err}
		case re.StatusCode == http.StatusTooManyRequests || re.StatusCode >= 500:
			return &Error{Kind: KindNetwork, Op: op, Msg: fmt.Sprintf("vault %s is throttling or failing %s after retries", vaultName, status),
				Hint: "try again later or lower --concurrency", Err: err}
		case re.StatusCode == http.StatusBadRequest:
			return &Error{Kind: KindUsage, Op: op, Msg: fmt.Sprintf("vault %s refused the request %s", vaultName, status), Err: err}
		}
		// Not akv's bug: the vault said something Key Vault never says.
		return &Error{Kind: KindNetwork, Op: op, Msg: fmt.Sprintf("unexpected answer from vault %s %s", vaultName, status), Err: err}
	}
	var cf credentialFailure
	if errors.As(err, &cf) { // about the identity, not this secret
		return &Error{Kind: credentialKind(cf), Msg: cf.Error(), Hint: hintOf(err), Err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: KindNetwork, Op: op, Msg: "timed out talking to vault " + vaultName,
			Hint: "raise --timeout, or check the network path to the vault", Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Kind: KindNetwork, Op: op, Msg: "canceled", Err: err}
	}
	var ne *netError
	if errors.As(err, &ne) {
		return &Error{Kind: KindNetwork, Op: op, Msg: fmt.Sprintf("cannot reach vault %s: %s", vaultName, shortNetErr(ne.err)),
			Hint: "check the vault name, DNS and network (AKV_VAULT_ENDPOINTS maps names to private endpoints)", Err: err}
	}
	// Neither the network nor an HTTP status: azsecrets could not read
	// what the vault sent.
	why := "unreadable: " + quoteServer(err.Error())
	if strings.Contains(err.Error(), "unmarshalling type") {
		why = "invalid JSON"
	}
	return &Error{Kind: KindNetwork, Op: op, Msg: fmt.Sprintf("vault %s sent a malformed response (%s)", vaultName, why),
		Hint: "the endpoint does not answer like Key Vault: check AKV_VAULT_ENDPOINTS", Err: err}
}

func hintOf(err error) string {
	var h interface{ ErrorHint() string }
	if errors.As(err, &h) {
		return h.ErrorHint()
	}
	return ""
}

// shortNetErr drops the method and URL that *url.Error repeats.
func shortNetErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && strings.Contains(s, "://") {
		return s[i+2:]
	}
	return s
}

// innerCode reads innererror.code (SecretDisabled, ForbiddenByRbac, …)
// from a Key Vault error body.
func innerCode(re *azcore.ResponseError) string {
	s := responseText(re)
	i := strings.Index(s, `"innererror"`)
	if i < 0 {
		return ""
	}
	s = s[i:]
	j := strings.Index(s, `"code":"`)
	if j < 0 {
		return ""
	}
	s = s[j+len(`"code":"`):]
	if k := strings.IndexByte(s, '"'); k >= 0 {
		return s[:k]
	}
	return ""
}

func responseText(re *azcore.ResponseError) string {
	if re.RawResponse == nil || re.RawResponse.Body == nil {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(re.RawResponse.Body, 8<<10))
	re.RawResponse.Body = io.NopCloser(strings.NewReader(string(b)))
	return string(b)
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// challengeTenant reads the tenant from a 401's WWW-Authenticate header:
// authorization="https://login.microsoftonline.com/<tenant>".
func challengeTenant(resp *http.Response) string {
	if resp == nil {
		return ""
	}
	h := resp.Header.Get("WWW-Authenticate")
	_, after, ok := strings.Cut(h, `authorization="`)
	if !ok {
		return ""
	}
	u, _, _ := strings.Cut(after, `"`)
	parts := strings.Split(strings.TrimRight(u, "/"), "/")
	return parts[len(parts)-1]
}
