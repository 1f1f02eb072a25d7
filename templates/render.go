package templates

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"text/template"
	"text/template/parse"
)

// MaxTemplateSize bounds a template (10 MiB): anything larger is refused
// before it is parsed.
const MaxTemplateSize = 10 << 20

// Resolver fetches every reference a template names, in one batch, and
// returns reference → value.
type Resolver func(refs []string) (map[string]string, error)

// escaper is f's quoting as a template function that refuses what f
// cannot carry.
func escaper(f Format) func(string) (string, error) {
	refuse := f.refuse
	if f.escRefuse != nil {
		refuse = f.escRefuse
	}
	return func(v string) (string, error) {
		if why := refuse("", v); why != "" {
			return "", &Error{Kind: KindUnrepresentable, Msg: fmt.Sprintf("%s cannot quote this value: %s", f.Escaper, why),
				Hint: "pick the escaper of the format that reads the file"}
		}
		return f.quote(v), nil
	}
}

func funcs(secret func(string) (string, error)) template.FuncMap {
	m := template.FuncMap{
		"secret": secret,
		"base64": func(v string) string { return base64.StdEncoding.EncodeToString([]byte(v)) },
		"b64dec": func(v string) (string, error) {
			b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
			if err != nil {
				return "", &Error{Kind: KindUnrepresentable, Msg: "b64dec: the value is not valid base64"}
			}
			return string(b), nil
		},
	}
	for _, f := range Escapers() {
		m[f.Escaper] = escaper(f)
	}
	for name, f := range certFuncs() {
		m[name] = f
	}
	return m
}

// Render parses text as a Go text/template, collects every
// {{ secret "REF" }}, resolves them all in one call, then executes.
// Strict: unknown functions, missing keys and failed escapers are errors,
// and nothing is returned on error.
func Render(name, text string, resolve Resolver) ([]byte, error) {
	if len(text) > MaxTemplateSize {
		return nil, &Error{Kind: KindUsage, Msg: fmt.Sprintf("template %s is larger than 10 MiB", name),
			Hint: "split it, or render the large static parts some other way"}
	}
	placeholder := func(string) (string, error) { return "", nil }
	t, err := template.New(name).Option("missingkey=error").Funcs(funcs(placeholder)).Parse(text)
	if err != nil {
		return nil, &Error{Kind: KindUsage, Msg: err.Error(), Hint: "functions: secret, pemKey, pemCert, pemChain, pemCA, " + strings.Join(EscaperNames(), ", ") + " and text/template's own"}
	}
	var refs []string
	seen := map[string]bool{}
	for _, tt := range t.Templates() {
		if tt.Tree == nil {
			continue
		}
		c := collector{tree: tt.Tree, add: func(ref string) {
			if !seen[ref] {
				seen[ref] = true
				refs = append(refs, ref)
			}
		}}
		if err := c.walk(tt.Tree.Root); err != nil {
			return nil, &Error{Kind: KindUsage, Msg: err.Error(), Hint: `write {{ secret "akv://VAULT/NAME" }} with a quoted reference`}
		}
	}
	values := map[string]string{}
	if len(refs) > 0 {
		if values, err = resolve(refs); err != nil {
			return nil, err
		}
	}
	t.Funcs(template.FuncMap{"secret": func(ref string) (string, error) {
		v, ok := values[ref]
		if !ok {
			return "", &Error{Kind: KindUsage, Msg: fmt.Sprintf("secret %q was not resolved", ref)}
		}
		return v, nil
	}})
	var out bytes.Buffer
	if err := t.Execute(&out, nil); err != nil {
		return nil, execError(name, err)
	}
	return out.Bytes(), nil
}

// collector finds every call of secret in a template; each must take one
// string literal, so all references are known before execution.
type collector struct {
	tree *parse.Tree
	add  func(string)
}

func (c collector) fail(n parse.Node, format string, args ...any) error {
	loc, _ := c.tree.ErrorContext(n)
	return fmt.Errorf("%s: %s", loc, fmt.Sprintf(format, args...))
}

func (c collector) walk(n parse.Node) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, x := range n.Nodes {
			if err := c.walk(x); err != nil {
				return err
			}
		}
	case *parse.ActionNode:
		return c.walk(n.Pipe)
	case *parse.PipeNode:
		if n == nil {
			return nil
		}
		for i, cmd := range n.Cmds {
			if id, ok := cmd.Args[0].(*parse.IdentifierNode); ok && id.Ident == "secret" {
				if len(cmd.Args) != 2 || i > 0 {
					return c.fail(cmd, "secret takes exactly one quoted reference")
				}
				s, ok := cmd.Args[1].(*parse.StringNode)
				if !ok {
					return c.fail(cmd, "secret takes a quoted reference, not %s", cmd.Args[1])
				}
				c.add(s.Text)
				continue
			}
			for _, a := range cmd.Args {
				if err := c.walk(a); err != nil {
					return err
				}
			}
		}
	case *parse.IdentifierNode:
		if n.Ident == "secret" {
			return c.fail(n, `secret used as a value: call it as {{ secret "REF" }}`)
		}
	case *parse.IfNode:
		return c.branch(&n.BranchNode)
	case *parse.RangeNode:
		return c.branch(&n.BranchNode)
	case *parse.WithNode:
		return c.branch(&n.BranchNode)
	case *parse.TemplateNode:
		return c.walk(n.Pipe)
	case *parse.ChainNode:
		return c.walk(n.Node)
	}
	return nil
}

func (c collector) branch(b *parse.BranchNode) error {
	for _, n := range []parse.Node{b.Pipe, b.List, b.ElseList} {
		if err := c.walk(n); err != nil {
			return err
		}
	}
	return nil
}
