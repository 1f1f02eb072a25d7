package templates

import "testing"

// Issue 12, point 3: the table is the only list of formats. Every
// --format has a real-consumer reader in TestRoundTripThroughRealConsumers
// (its Proof), every reader reads a format of the table, names are
// unique, and every entry has the rules export and render need.
func TestFormatTableIsComplete(t *testing.T) {
	read := map[string]bool{}
	for _, r := range readers() {
		read[r.format] = true
	}
	seen := map[string]bool{}
	for _, f := range table() {
		for _, n := range append([]string{f.Name, f.Escaper}, f.Aliases...) {
			if n != "" && seen[n] && n != f.Escaper {
				t.Errorf("%q is declared twice", n)
			}
		}
		seen[f.Name], seen[f.Escaper] = true, true
		if f.Help == "" || f.Proof == "" || f.Refuses == "" || f.refuse == nil {
			t.Errorf("%s%s: help, proof, refuses and refuse are required", f.Name, f.Escaper)
		}
		if f.Name != "" && (f.write == nil) == (f.line == "") {
			t.Errorf("%s: a format writes by line or by write, exactly one", f.Name)
		}
		if (f.Escaper != "" || f.line != "") && f.quote == nil {
			t.Errorf("%s%s: an escaper or a line format needs quote", f.Name, f.Escaper)
		}
		if len(f.Aliases) > 0 && f.AliasWhy == "" {
			t.Errorf("%s: aliases need AliasWhy for their hint", f.Name)
		}
		if f.AppendEnv != "" && f.Runner == "" {
			t.Errorf("%s: AppendEnv needs Runner for its hint", f.Name)
		}
		if f.Name != "" && !read[f.Name] {
			t.Errorf("--format %s has no reader in readers(): nothing proves it", f.Name)
		}
	}
	for name := range read {
		if _, err := FormatNamed(name); err != nil {
			t.Errorf("readers() reads %s, which is not in the table", name)
		}
	}
	if f, err := FormatNamed(DefaultFormat); err != nil || f.Name != DefaultFormat {
		t.Errorf("DefaultFormat %q is not a format: %v", DefaultFormat, err)
	}
}
