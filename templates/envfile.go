package templates

import (
	"fmt"
	"strings"
)

// EnvEntry is one NAME=value line of a reference env file.
type EnvEntry struct {
	Name  string
	Value string
	Line  int
}

// ParseEnvFile reads the reference env file format shared by run, export
// and check: dotenv syntax with NAME=value lines, # comments, an optional
// "export " prefix, 'single quotes' (literal, may span lines) and "double
// quotes" (\n \r \t \\ \" \$ escapes, may span lines). Unquoted values end
// at " #" and are trimmed. name is used in errors.
func ParseEnvFile(name, data string) ([]EnvEntry, error) {
	var out []EnvEntry
	data = strings.ReplaceAll(data, "\r\n", "\n")
	line := 1
	i := 0
	fail := func(format string, args ...any) error {
		return &Error{Kind: KindUsage, Msg: fmt.Sprintf("%s:%d: %s", name, line, fmt.Sprintf(format, args...)),
			Hint: "env file lines look like NAME=value, NAME='value', NAME=\"value\" or # comment"}
	}
	for i < len(data) {
		// Skip blank space and comment lines.
		j := i
		for j < len(data) && (data[j] == ' ' || data[j] == '\t') {
			j++
		}
		if j >= len(data) {
			break
		}
		if data[j] == '\n' || data[j] == '#' {
			end := strings.IndexByte(data[j:], '\n')
			if end < 0 {
				break
			}
			i = j + end + 1
			line++
			continue
		}
		i = j
		startLine := line
		rest := data[i:]
		if r, ok := strings.CutPrefix(rest, "export "); ok {
			rest = strings.TrimLeft(r, " \t")
			i = len(data) - len(rest)
		}
		eq := strings.IndexByte(rest, '=')
		nl := strings.IndexByte(rest, '\n')
		if eq < 0 || (nl >= 0 && nl < eq) {
			return nil, fail("missing '=' in %q", firstLine(rest))
		}
		key := strings.TrimRight(rest[:eq], " \t")
		if !ValidName(key) {
			return nil, fail("%q is not a valid variable name", key)
		}
		i += eq + 1
		for i < len(data) && (data[i] == ' ' || data[i] == '\t') {
			i++
		}
		var value string
		switch {
		case i < len(data) && data[i] == '\'':
			end := strings.IndexByte(data[i+1:], '\'')
			if end < 0 {
				return nil, fail("unterminated single quote for %s", key)
			}
			value = data[i+1 : i+1+end]
			line += strings.Count(value, "\n")
			i += end + 2
		case i < len(data) && data[i] == '"':
			var b strings.Builder
			k := i + 1
			closed := false
			for k < len(data) {
				c := data[k]
				if c == '"' {
					closed = true
					break
				}
				if c == '\\' && k+1 < len(data) {
					k++
					switch data[k] {
					case 'n':
						b.WriteByte('\n')
					case 'r':
						b.WriteByte('\r')
					case 't':
						b.WriteByte('\t')
					case '\\', '"', '$':
						b.WriteByte(data[k])
					default:
						b.WriteByte('\\')
						b.WriteByte(data[k])
					}
					k++
					continue
				}
				if c == '\n' {
					line++
				}
				b.WriteByte(c)
				k++
			}
			if !closed {
				return nil, fail("unterminated double quote for %s", key)
			}
			value = b.String()
			i = k + 1
		default:
			end := strings.IndexByte(data[i:], '\n')
			if end < 0 {
				end = len(data) - i
			}
			raw := data[i : i+end]
			if h := strings.Index(raw, " #"); h >= 0 {
				raw = raw[:h]
			} else if h := strings.Index(raw, "\t#"); h >= 0 {
				raw = raw[:h]
			}
			value = strings.TrimSpace(raw)
			i += end
		}
		// After a value only blanks and a comment may follow on its line.
		k := i
		for k < len(data) && (data[k] == ' ' || data[k] == '\t') {
			k++
		}
		if k < len(data) && data[k] != '\n' && data[k] != '#' {
			return nil, fail("unexpected text after the value of %s", key)
		}
		if end := strings.IndexByte(data[k:], '\n'); end >= 0 {
			i = k + end + 1
			line++
		} else {
			i = len(data)
		}
		out = append(out, EnvEntry{Name: key, Value: value, Line: startLine})
	}
	return out, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}
