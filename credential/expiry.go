package credential

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// flexString accepts a JSON string or number, as managed-identity
// endpoints send expiries both ways.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a string or number, got %.20s", b)
	}
	*f = flexString(n.String())
	return nil
}

// Layouts of expires_on seen across managed-identity endpoints (doc.go).
var expiryLayouts = []string{
	"1/2/2006 15:04:05 -07:00",   // "11/25/2026 18:05:53 +00:00"
	"1/2/2006 3:04:05 PM -07:00", // App Service, 12-hour clock
	"2006-01-02 15:04:05",        // identity endpoints, UTC
	time.RFC3339Nano,
}

// latestExpiry, 9999-12-31T23:59:59Z in Unix seconds, is the latest
// expiry an endpoint may state: anything later is garbage, not a time.
const latestExpiry = 253402300799

// maxExpiresIn, a century, is the longest expires_in that is a lifetime
// (and well inside a time.Duration, which a larger one would wrap).
const maxExpiresIn = 100 * 365 * 24 * 3600

// ParseExpiry turns an endpoint's expires_on (or, when that is empty,
// expires_in counted from now) into a time. An expiry it cannot read is an
// error: treating it as "never expires" would hide a broken endpoint.
func ParseExpiry(expiresOn, expiresIn string, now time.Time) (time.Time, error) {
	on := strings.TrimSpace(expiresOn)
	if on != "" {
		if secs, err := strconv.ParseFloat(on, 64); err == nil {
			// NaN, Inf and 1e300 parse too; converted they would wrap.
			if !(secs > 0 && secs <= latestExpiry) {
				return time.Time{}, fmt.Errorf("expires_on %q is not a valid time", on)
			}
			return time.Unix(int64(secs), 0).UTC(), nil
		}
		for _, layout := range expiryLayouts {
			if t, err := time.Parse(layout, on); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("cannot parse expires_on %q", on)
	}
	in := strings.TrimSpace(expiresIn)
	if in == "" {
		return time.Time{}, fmt.Errorf("response has neither expires_on nor expires_in")
	}
	secs, err := strconv.ParseFloat(in, 64)
	if err != nil || !(secs > 0 && secs <= maxExpiresIn) {
		return time.Time{}, fmt.Errorf("cannot parse expires_in %q", in)
	}
	return now.Add(time.Duration(secs * float64(time.Second))).UTC(), nil
}
