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
