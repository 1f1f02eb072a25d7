package main

import (
	"testing"
	"time"
)

// TestParseWindow: --expiring's days and weeks, and Go durations; what
// does not fit a time.Duration (about 292 years) is an error on every
// platform, not whatever a float-to-int conversion gives there.
func TestParseWindow(t *testing.T) {
	day := 24 * time.Hour
	for in, want := range map[string]time.Duration{"30d": 30 * day, "2w": 14 * day, "1.5d": 36 * time.Hour, "72h": 72 * time.Hour, "106751d": 106751 * day} {
		if got, err := parseWindow(in); err != nil || got != want {
			t.Errorf("parseWindow(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"99999999d", "15251w", "1e400d", "NaNd", "Infd", "-Infd", "1y", "30", "d", ""} {
		if got, err := parseWindow(in); err == nil {
			t.Errorf("parseWindow(%q) = %v, want an error", in, got)
		}
	}
	for _, in := range []string{"0", "0d", "-1d", "-5m", "99999999d"} {
		if _, err := newCertCheck(in, time.Now()); err == nil || exitCode(err) != exitUsage {
			t.Errorf("--expiring %s: %v, want a usage error", in, err)
		}
	}
}
