package credential

import (
	"testing"
	"time"
)

func TestParseExpiry(t *testing.T) {
	now := time.Date(2026, 11, 25, 17, 5, 53, 0, time.UTC)
	want := time.Date(2026, 11, 25, 18, 5, 53, 0, time.UTC)
	tests := []struct {
		name, on, in string
		want         time.Time
	}{
		{"unix", "1795629953", "", want},
		{"unix float", "1795629953.0", "", want},
		{"mdy 24h", "11/25/2026 18:05:53 +00:00", "", want},
		{"mdy 12h PM", "11/25/2026 6:05:53 PM +00:00", "", want},
		{"mdy offset", "11/25/2026 19:05:53 +01:00", "", want},
		{"iso UTC", "2026-11-25 18:05:53", "", want},
		{"rfc3339", "2026-11-25T18:05:53Z", "", want},
		{"rfc3339 nano", "2026-11-25T18:05:53.000Z", "", want},
		{"expires_in only", "", "3600", want},
		{"expires_in float", "", "3600.0", want},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseExpiry(tt.on, tt.in, now)
			if err != nil {
				t.Fatalf("ParseExpiry(%q, %q): %v", tt.on, tt.in, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseExpiry(%q, %q) = %v, want %v", tt.on, tt.in, got, tt.want)
			}
		})
	}
}

func TestParseExpiryRefusesGarbage(t *testing.T) {
	for _, tt := range []struct{ on, in string }{
		{"tomorrow", ""}, {"", ""}, {"", "soon"}, {"0", ""}, {"-5", ""}, {"", "-1"}, {"13/45/2026 18:05:53 +00:00", ""},
		// Numbers that are no time: strconv reads them, a conversion to
		// int64 or Duration would wrap them into the past or the far future.
		{"NaN", ""}, {"Inf", ""}, {"1e300", ""}, {"253402300800", ""}, {"", "NaN"}, {"", "+Inf"}, {"", "1e300"}, {"", "9.3e9"},
	} {
		if got, err := ParseExpiry(tt.on, tt.in, time.Now()); err == nil {
			t.Errorf("ParseExpiry(%q, %q) = %v, want an error", tt.on, tt.in, got)
		}
	}
}

func FuzzParseExpiry(f *testing.F) {
	for _, s := range []string{"1795633553", "11/25/2026 6:05:53 PM +00:00", "2026-11-25 18:05:53", "2026-11-25T18:05:53Z", "", "x"} {
		f.Add(s, "3599")
	}
	now := time.Unix(1764000000, 0)
	f.Fuzz(func(t *testing.T, on, in string) {
		got, err := ParseExpiry(on, in, now)
		if err == nil && got.IsZero() {
			t.Fatalf("ParseExpiry(%q, %q) returned a zero time without error", on, in)
		}
	})
}
