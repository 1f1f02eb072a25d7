package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMECitesWhatExists: every test file and test function the README
// names as the proof of a guarantee exists, so a moved or renamed test
// cannot leave the README pointing at nothing.
func TestREADMECitesWhatExists(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(data)
	files := map[string]bool{}  // repo-relative paths and base names
	var sources strings.Builder // every Go test file, to find functions in
	err = filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel("../..", path)
		files[filepath.ToSlash(rel)], files[d.Name()] = true, true
		if strings.HasSuffix(path, "_test.go") {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sources.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cited := 0
	for _, m := range regexp.MustCompile("`([A-Za-z0-9_./-]+(?:_test\\.go|\\.txtar))`").FindAllStringSubmatch(readme, -1) {
		cited++
		if !files[m[1]] {
			t.Errorf("README cites %s, which the repository does not hold", m[1])
		}
	}
	for _, m := range regexp.MustCompile("`((?:Test|Fuzz|Benchmark)[A-Z][A-Za-z0-9_]*)`").FindAllStringSubmatch(readme, -1) {
		cited++
		if !regexp.MustCompile(`(?m)^func ` + m[1] + `\(`).MatchString(sources.String()) {
			t.Errorf("README cites %s, which no test file defines", m[1])
		}
	}
	if cited < 10 {
		t.Fatalf("found only %d citations in README.md: the patterns no longer match its style", cited)
	}
}
