package templates

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// readmeFormatsHeader is the header row of the README's formats table; its
// columns are table's documented fields, in this order.
const readmeFormatsHeader = "| `--format` | escaper | use | proven against | refuses |"

// readmeFormatRows returns the rows of the README's formats table, each
// split into trimmed cells ("\|" inside a cell is a literal |).
func readmeFormatRows(readme string) [][]string {
	var rows [][]string
	in := false
	for _, line := range strings.Split(readme, "\n") {
		switch {
		case line == readmeFormatsHeader:
			in = true
		case in && strings.HasPrefix(line, "|---"):
		case in && strings.HasPrefix(line, "|"):
			var cells []string
			for _, c := range strings.Split(strings.ReplaceAll(line, `\|`, "\x00"), "|") {
				cells = append(cells, strings.ReplaceAll(strings.TrimSpace(c), "\x00", "|"))
			}
			rows = append(rows, cells[1:len(cells)-1])
		default:
			in = false
		}
	}
	return rows
}

// readmeFormatRow is the README row table's entry f must have.
func readmeFormatRow(f Format) []string {
	code := func(s string) string {
		if s == "" {
			return "—"
		}
		return "`" + s + "`"
	}
	name := code(f.Name)
	if f.Name == DefaultFormat {
		name += " (default)"
	}
	return []string{name, code(f.Escaper), f.Help, f.Proof, f.Refuses}
}

// formatsTableDrift lists how the README's formats table differs from
// table, with the table it should hold.
func formatsTableDrift(readme string) []string {
	var drift []string
	got, want := readmeFormatRows(readme), table()
	for i := 0; i < max(len(got), len(want)); i++ {
		switch {
		case i >= len(got):
			drift = append(drift, fmt.Sprintf("row %d missing: %q", i+1, readmeFormatRow(want[i])))
		case i >= len(want):
			drift = append(drift, fmt.Sprintf("row %d is not in the code's table: %q", i+1, got[i]))
		default:
			w := readmeFormatRow(want[i])
			if len(got[i]) != len(w) {
				drift = append(drift, fmt.Sprintf("row %d has %d columns, want %d", i+1, len(got[i]), len(w)))
				continue
			}
			for j := range w {
				if got[i][j] != w[j] {
					drift = append(drift, fmt.Sprintf("row %d, column %d: README has %q, the code %q", i+1, j+1, got[i][j], w[j]))
				}
			}
		}
	}
	if len(drift) > 0 {
		var b strings.Builder
		b.WriteString(readmeFormatsHeader + "\n|---|---|---|---|---|\n")
		for _, f := range want {
			cells := readmeFormatRow(f)
			for j := range cells {
				cells[j] = strings.ReplaceAll(cells[j], "|", `\|`)
			}
			b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
		}
		drift = append(drift, "README.md's ## Formats table should read:\n"+b.String())
	}
	return drift
}

func readREADME(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// Issue 12, point 3: the README's formats table is the code's table,
// row for row and column for column (format, escaper, help line,
// proof, refusals).
func TestREADMEFormatsTableMatchesTheCode(t *testing.T) {
	for _, d := range formatsTableDrift(readREADME(t)) {
		t.Error(d)
	}
}

// The check above fails on a drifted README: a changed help line, a
// renamed escaper, a lost row, an extra column.
func TestREADMEFormatsTableDriftIsCaught(t *testing.T) {
	readme := readREADME(t)
	row := func(f Format) string {
		cells := readmeFormatRow(f)
		for j := range cells {
			cells[j] = strings.ReplaceAll(cells[j], "|", `\|`)
		}
		return "| " + strings.Join(cells, " | ") + " |"
	}
	py, _ := FormatNamed("dotenv-python")
	line := row(py)
	if !strings.Contains(readme, line+"\n") {
		t.Fatalf("README has no row %s", line)
	}
	for name, drifted := range map[string]string{
		"help":    strings.Replace(line, py.Help+" |", "python-dotenv 1.x |", 1),
		"escaper": strings.Replace(line, "`pydotenv`", "`python`", 1),
		"refuses": strings.Replace(line, py.Refuses, "NUL", 1),
		"lost":    "",
		"column":  line + " extra |",
	} {
		if len(formatsTableDrift(strings.Replace(readme, line+"\n", drifted+"\n", 1))) == 0 {
			t.Errorf("a README with a drifted row (%s) passes the check", name)
		}
	}
}

// The README's formats table is held to the code (issue 11, point 14):
// every format has a row, and its "refuses" column names NUL, invalid
// UTF-8 and CR exactly when the format refuses them.
func TestREADMEFormatsTableListsEveryRefusal(t *testing.T) {
	rows := map[string]string{} // format → refuses column
	for _, cells := range readmeFormatRows(readREADME(t)) {
		if len(cells) != 5 || !strings.HasPrefix(cells[0], "`") {
			continue
		}
		name := strings.Trim(strings.Fields(cells[0])[0], "`")
		rows[name] = cells[4]
	}
	probes := []struct{ word, value string }{
		{"NUL", "a\x00b"},
		{"invalid UTF-8", "a\xffb"},
		{"CR", "a\rb"},
	}
	for _, f := range Formats() {
		col, ok := rows[f.Name]
		if !ok {
			t.Errorf("README's formats table has no row for %s", f.Name)
			continue
		}
		for _, p := range probes {
			_, err := Export(f.Name, []Pair{{"V", p.value}})
			if listed := strings.Contains(col, p.word); listed != (err != nil) {
				t.Errorf("README: %s refuses %s = %v, but the code refuses it = %v", f.Name, p.word, listed, err != nil)
			}
		}
	}
}
