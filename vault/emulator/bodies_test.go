package emulator

import (
	"fmt"
	"strings"
	"testing"
)

// asciiJSON encodes v as Python's json.dumps does by default (the Azure
// SDK for Python sends its bodies so): every non-ASCII or control
// character as \uXXXX.
func asciiJSON(t *testing.T, v map[string]string) rawBody {
	t.Helper()
	var b strings.Builder
	b.WriteString("{")
	first := true
	for k, s := range v {
		if !first {
			b.WriteString(",")
		}
		first = false
		fmt.Fprintf(&b, "%q:\"", k)
		for _, r := range s {
			switch {
			case r < 0x20 || r > 0x7e || r == '"' || r == '\\':
				if r > 0xffff {
					r -= 0x10000
					fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
					continue
				}
				fmt.Fprintf(&b, `\u%04x`, r)
			default:
				b.WriteRune(r)
			}
		}
		b.WriteString(`"`)
	}
	b.WriteString("}")
	return rawBody(b.String())
}

// TestRequestBodies: what the service takes, the emulator takes, however
// the client spells its JSON. A value within Key Vault's 25 KB sent with
// \u escapes (Python's default) was refused as "not JSON" by a 64 KiB
// body limit, and so was the restore of a backup of a few large versions
// (the Python SDK hit both); a body with something after its JSON object
// was taken.
func TestRequestBodies(t *testing.T) {
	e := start(t, Options{Seeds: map[string]Seed{}})
	w := newWire(t, e)

	for name, value := range map[string]string{
		"accents":  strings.Repeat("é", 12000),    // 24,000 bytes, 72,000 escaped
		"controls": strings.Repeat("\x01", 25600), // 25 KB, 153,600 escaped
		"emoji":    strings.Repeat("🔑", 6400),     // 25 KB, 76,800 escaped
	} {
		r := w.do("PUT", "/secrets/"+name, asciiJSON(t, map[string]string{"value": value}))
		w.want(r, 200, "")
		if r.str("value") != value {
			t.Errorf("%s: the value came back changed", name)
		}
		// Tags spelled the same way go through PATCH too.
		w.want(w.do("PATCH", "/secrets/"+name, asciiJSON(t, map[string]string{"contentType": strings.Repeat("ü", 255)})), 200, "")
	}
	// Over 25 KB is still refused, and says why.
	r := w.do("PUT", "/secrets/too-big", asciiJSON(t, map[string]string{"value": strings.Repeat("é", 12801)}))
	w.want(r, 400, "BadParameter")
	if !strings.Contains(r.str("error", "message"), "25 KB") {
		t.Errorf("oversized value: %s", r.raw)
	}

	// Backup of three 25 KB versions, purge, restore.
	for range 3 {
		w.want(w.do("PUT", "/secrets/history", map[string]string{"value": strings.Repeat("x", 25600)}), 200, "")
	}
	r = w.do("POST", "/secrets/history/backup", nil)
	w.want(r, 200, "")
	blob := r.str("value")
	w.want(w.do("DELETE", "/secrets/history", nil), 200, "")
	w.want(w.do("DELETE", "/deletedsecrets/history", nil), 204, "")
	w.want(w.do("POST", "/secrets/restore", map[string]string{"value": blob}), 200, "")
	if r := w.do("GET", "/secrets/history/versions", nil); strings.Count(r.raw, `"id"`) != 3 {
		t.Fatalf("restored versions: %s", r.raw)
	}

	// One JSON object, nothing after it.
	for _, body := range []string{`{"value":"x"} {"value":"y"}`, `{"value":"x"}]`, `{"value":"x"}{}`} {
		w.want(w.do("PUT", "/secrets/trailing", rawBody(body)), 400, "BadParameter")
	}
	w.want(w.do("PATCH", "/secrets/accents", rawBody(`{"tags":{}} x`)), 400, "BadParameter")
	w.want(w.do("POST", "/secrets/restore", rawBody(`{"value":"`+blob+`"} {}`)), 400, "BadParameter")
	w.want(w.do("PUT", "/secrets/trailing", rawBody("{\"value\":\"x\"}\n")), 200, "")

	// A body past every limit is refused as too large, not as bad JSON.
	huge := map[string]string{"value": "x", "contentType": strings.Repeat("y", 2<<20)}
	r = w.do("PUT", "/secrets/huge", huge)
	w.want(r, 400, "BadParameter")
	if !strings.Contains(r.str("error", "message"), "too large") {
		t.Errorf("huge body: %s", r.raw)
	}
}

// TestDateRange: exp and nbf are dates the clients must read back. A
// number past int64 was stored as -9223372036854775808 (Go's float
// conversion), which no SDK turns into a date; now anything outside the
// years 1-9999 is refused, on set and on update.
func TestDateRange(t *testing.T) {
	e := start(t, Options{Seeds: map[string]Seed{"s": {Value: "v"}}})
	w := newWire(t, e)
	for _, tc := range []struct {
		date string
		ok   bool
	}{
		{"1e300", false},
		{"-1e300", false},
		{"9223372036854775807", false},
		{"253402300800", false}, // 10000-01-01
		{"-62135596801", false}, // before 0001-01-01
		{"253402300799", true},  // 9999-12-31T23:59:59Z
		{"-62135596800", true},  // 0001-01-01
		{"1577934245", true},
		{"1.577934245e9", true},
		{"0", true},
	} {
		for _, field := range []string{"exp", "nbf"} {
			body := rawBody(`{"value":"v","attributes":{"` + field + `":` + tc.date + `}}`)
			put := w.do("PUT", "/secrets/s", body)
			patch := w.do("PATCH", "/secrets/s", rawBody(`{"attributes":{"`+field+`":`+tc.date+`}}`))
			if !tc.ok {
				w.want(put, 400, "BadParameter")
				w.want(patch, 400, "BadParameter")
				continue
			}
			w.want(put, 200, "")
			w.want(patch, 200, "")
			var want int64
			fmt.Sscan(strings.Replace(tc.date, "1.577934245e9", "1577934245", 1), &want)
			for _, r := range []reply{put, patch} {
				if got := r.str("attributes", field); got != fmt.Sprint(want) {
					t.Errorf("%s %s: answered %s", field, tc.date, got)
				}
			}
		}
	}
}
