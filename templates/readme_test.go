package templates

import (
	"os"
	"strings"
	"testing"
)

// The README's formats table is held to the code (issue 11, point 14):
// every format has a row, and its "refuses" column names NUL, invalid
// UTF-8 and CR exactly when the format refuses them.
func TestREADMEFormatsTableListsEveryRefusal(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{} // format → refuses column
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 5 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		name := strings.Trim(strings.Fields(strings.TrimSpace(cells[1]))[0], "`")
		rows[name] = cells[3]
	}
	probes := []struct{ word, value string }{
		{"NUL", "a\x00b"},
		{"invalid UTF-8", "a\xffb"},
		{"CR", "a\rb"},
	}
	for _, f := range Formats() {
		col, ok := rows[f[0]]
		if !ok {
			t.Errorf("README's formats table has no row for %s", f[0])
			continue
		}
		for _, p := range probes {
			_, err := Export(f[0], []Pair{{"V", p.value}})
			if listed := strings.Contains(col, p.word); listed != (err != nil) {
				t.Errorf("README: %s refuses %s = %v, but the code refuses it = %v", f[0], p.word, listed, err != nil)
			}
		}
	}
}
