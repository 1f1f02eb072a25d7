package templates

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// text/template quotes the values it works on in some of its execution
// errors ("range can't iterate over <value>", call's "non-function <value>",
// eq's "non-comparable types <value>: …"), and every value in a template
// may be a secret. So an execution error is rebuilt: the position and the
// action (template text) stay, and text/template's reason is kept only when
// it has a shape known to hold types, counts and names, never a value.

// safeReasons are text/template reasons that carry no value (from
// text/template's own exec.go and funcs.go, Go 1.26). A reason of any
// other shape is withheld.
var safeReasons = sync.OnceValue(func() []*regexp.Regexp {
	var rs []*regexp.Regexp
	for _, p := range []string{
		// text/template's exec.go: names from the template, types, counts.
		`wrong number of args for [\w.$]+: want (at least )?\d+ got \d+`,
		`wrong type for value; expected [^;]+; got [^;]+`,
		`invalid value; expected [^;]+`,
		`can't evaluate field \w+ in type [^;]+`,
		`nil pointer evaluating [^;]+\.\w+`,
		`nil data; no entry for key "\w*"`,
		`map has no entry for key "\w*"`,
		`\w+ is an unexported field of struct type [^;]+`,
		`\w+ is not a method but has arguments`,
		`\w+ has arguments but cannot be invoked as function`,
		`template "[^"]*" not defined`,
		`exceeded maximum template depth \(\d+\)`,
		`undefined variable: \$\w*`,
		`"\w+" is not a defined function`,
		`dereference of nil pointer of type \S+`,
		`cannot assign nil to \S+`,
		// text/template's funcs.go, after "error calling FUNC: ".
		`cannot index slice/array with (nil|type \S+)`,
		`index of (untyped nil|nil pointer)`,
		`can't index item of type \S+`,
		`(arg \d+: )?value is nil; should be of type \S+`,
		`(arg \d+: )?value has type \S+; should be \S+`,
		`slice of (untyped nil|nil pointer)`,
		`too many slice indexes: \d+`,
		`cannot 3-index slice a string`,
		`can't slice item of type \S+`,
		`len of (nil pointer|type \S+)`,
		`call of nil`,
		`incompatible types for comparison: \S+ and \S+`,
		`invalid type for comparison`,
		`missing argument for comparison`,
	} {
		rs = append(rs, regexp.MustCompile(`^(?:`+p+`)$`))
	}
	return rs
})

// valueFreeReason rewrites a reason known to quote a value, keeps one of a
// safe shape, and withholds the rest.
func valueFreeReason(reason string) string {
	fn, inner, calling := strings.Cut(reason, ": ")
	if calling {
		if f, ok := strings.CutPrefix(fn, "error calling "); ok && isIdent(f) {
			fn = f
		} else {
			calling = false
		}
	}
	if !calling {
		fn, inner = "", reason
	}
	switch {
	case strings.HasPrefix(inner, "range can't iterate over "):
		return "range can't iterate over this value"
	case strings.HasPrefix(inner, "range over send-only channel"):
		return "range can't iterate over this value"
	case strings.HasPrefix(inner, "if/with can't use "):
		return "if/with can't use this value"
	case strings.HasPrefix(inner, "can't use ") && strings.Contains(inner, "iterate over more than one variable"):
		return "range can't give this value more than one variable"
	case fn == "call" && strings.HasPrefix(inner, "non-function "):
		typ := inner[strings.LastIndex(inner, " of type ")+len(" of type "):]
		if !IsWord(typ) {
			typ = "another kind"
		}
		return "error calling call: its first argument is not a function but of type " + typ
	case fn != "" && (strings.HasPrefix(inner, "index out of range: ") || strings.HasPrefix(inner, "invalid slice index: ")):
		// The index may be computed from a value (a byte of it, its
		// length); a literal one is in the action already.
		what, _, _ := strings.Cut(inner, ": ")
		return "error calling " + fn + ": " + what
	case fn != "" && strings.HasPrefix(inner, "non-comparable type"):
		return "error calling " + fn + ": non-comparable types"
	}
	if fn == "call" && strings.HasPrefix(inner, "wrong number of args for ") {
		// call names its callee by printing it: that may be a value.
		return "error calling call: wrong number of arguments for the function"
	}
	for _, re := range safeReasons() {
		if re.MatchString(inner) {
			if fn != "" {
				return "error calling " + fn + ": " + inner
			}
			return inner
		}
	}
	if fn != "" {
		return "error calling " + fn + " (text/template's reason is not shown: it may quote a value)"
	}
	return "text/template refused this action (its reason is not shown: it may quote a value)"
}

func isIdent(s string) bool {
	return s != "" && IsWord(s)
}

// execError is Render's error for a failed execution: name:line:col, the
// action, and a reason without values. akv's own errors (escapers,
// b64dec) never hold values and keep their kind and hint.
func execError(name string, err error) error {
	pos, action, reason := splitExecError(name, err.Error())
	var e *Error
	if errors.As(err, &e) {
		return &Error{Kind: e.Kind, Msg: joinPos(pos, action, e.Msg), Hint: e.Hint}
	}
	return &Error{Kind: KindUsage, Msg: joinPos(pos, action, valueFreeReason(reason)),
		Hint: "the position points at the action; values are never shown in errors"}
}

func joinPos(pos, action, msg string) string {
	var b strings.Builder
	b.WriteString(pos)
	if action != "" {
		fmt.Fprintf(&b, ": at <%s>", action)
	}
	b.WriteString(": ")
	b.WriteString(msg)
	return b.String()
}

// splitExecError takes text/template's
// `template: NAME:LINE:COL: executing "TNAME" at <ACTION>: REASON` apart
// (TNAME is the defined template that ran, NAME:LINE:COL where). The
// action is template text, cut at 20 bytes by text/template; the first
// ">: " after it ends it: an action holding ">: " itself only makes the
// reason unrecognised, and so withheld.
func splitExecError(name, msg string) (pos, action, reason string) {
	rest, ok := strings.CutPrefix(msg, "template: ")
	if !ok {
		return name, "", msg
	}
	if i := strings.Index(rest, `: executing "`); i >= 0 {
		pos = rest[:i]
		after := rest[i+len(`: executing "`):]
		if j := strings.Index(after, `" at <`); j >= 0 {
			after = after[j+len(`" at <`):]
			if k := strings.Index(after, ">: "); k >= 0 {
				return pos, after[:k], after[k+3:]
			}
		}
		return pos, "", after
	}
	// No node: `template: NAME: REASON`.
	if p, r, ok := strings.Cut(rest, ": "); ok {
		return p, "", r
	}
	return name, "", rest
}
