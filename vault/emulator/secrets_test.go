package emulator

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

// wire is a bare HTTP client for the emulator: it speaks the REST API
// directly, so these tests pin the wire itself (bodies, status codes,
// error codes), not what an SDK makes of it.
type wire struct {
	t     *testing.T
	hc    *http.Client
	base  string // vault URL
	token string
	api   string // api-version sent
}

func caPool(t *testing.T, e *Emulator) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(e.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return pool
}

// token asks the emulator's Cloud Shell endpoint for a token.
func token(t *testing.T, e *Emulator, resource string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.MSIEndpoint, strings.NewReader(url.Values{"resource": {resource}}.Encode()))
	req.Header.Set("Metadata", "true")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	return body.AccessToken
}

// newWire talks to vault "demo" on its loopback port.
func newWire(t *testing.T, e *Emulator) *wire {
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: caPool(t, e)}}}
	return &wire{t: t, hc: hc, base: e.Vaults["demo"], token: token(t, e, VaultResource), api: "7.6"}
}

// rawBody is a request body sent byte for byte, as a client spelled it.
type rawBody string

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// errCode is error.code, and error.innererror.code after a slash.
func (r reply) errCode() string {
	e, _ := r.body["error"].(map[string]any)
	code, _ := e["code"].(string)
	if inner, ok := e["innererror"].(map[string]any); ok {
		code += "/" + inner["code"].(string)
	}
	return code
}

func (r reply) str(path ...string) string {
	var v any = r.body
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

func (w *wire) do(method, path string, body any) reply {
	w.t.Helper()
	u := path
	if !strings.HasPrefix(u, "https://") {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		u = w.base + path + sep + "api-version=" + w.api
	}
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case rawBody:
		rd = strings.NewReader(string(b))
	default:
		j, err := json.Marshal(b)
		if err != nil {
			w.t.Fatalf("%s %s: %v", method, path, err)
		}
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, u, rd)
	if w.token != "" {
		req.Header.Set("Authorization", "Bearer "+w.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := w.hc.Do(req)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	json.Unmarshal(raw, &r.body)
	return r
}

// want fails unless r has the status (and error code, when given).
func (w *wire) want(r reply, status int, code string) {
	w.t.Helper()
	if r.status != status || (code != "" && r.errCode() != code) {
		w.t.Fatalf("got %d %s, want %d %s: %s", r.status, r.errCode(), status, code, r.raw)
	}
}

// TestSecretLifecycle walks every operation of the secrets REST reference
// and checks each answer against it: set with exp/nbf, get (an expired
// secret is still returned), update with and without a version, disable,
// soft delete with the deleted-secret bundle, the name held while deleted,
// get/list deleted, recover, purge, backup and restore.
func TestSecretLifecycle(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second) // the CA's certificates are valid around now
	e := start(t, Options{Seeds: map[string]Seed{}, Now: func() time.Time { return now }})
	w := newWire(t, e)

	// Set with exp in the past and nbf in the future: stored, returned, not enforced.
	r := w.do("PUT", "/secrets/db-pass", map[string]any{"value": "one", "contentType": "text/plain",
		"tags": map[string]string{"a": "1"}, "attributes": map[string]any{"exp": 1000, "nbf": 4102444800}})
	w.want(r, 200, "")
	first := r.str("id")
	if !strings.HasPrefix(first, w.base+"/secrets/db-pass/") || r.str("value") != "one" ||
		r.str("attributes", "exp") != "1000" || r.str("attributes", "nbf") != "4102444800" ||
		r.str("attributes", "recoveryLevel") != "Recoverable+Purgeable" || r.str("attributes", "recoverableDays") != "90" {
		t.Fatalf("set: %s", r.raw)
	}
	r = w.do("GET", "/secrets/db-pass/", nil)
	w.want(r, 200, "")
	if r.str("value") != "one" || r.str("attributes", "exp") != "1000" {
		t.Fatalf("expired, not-yet-valid secret: %s", r.raw)
	}
	// Names are case-insensitive; the stored spelling stays.
	if r := w.do("GET", "/secrets/DB-PASS", nil); r.status != 200 || r.str("id") != first {
		t.Fatalf("case-insensitive get: %s", r.raw)
	}
	w.want(w.do("PUT", "/secrets/db-pass", map[string]any{"value": "two"}), 200, "")
	w.want(w.do("PUT", "/secrets/bad_name", map[string]any{"value": "x"}), 400, "BadParameter")
	w.want(w.do("PUT", "/secrets/big", map[string]any{"value": strings.Repeat("x", 25*1024+1)}), 400, "BadParameter")

	// Update without a version touches the latest only, leaves the rest.
	now = now.Add(time.Minute)
	r = w.do("PATCH", "/secrets/db-pass/", map[string]any{"tags": map[string]string{"b": "2"}, "attributes": map[string]any{"enabled": false}})
	w.want(r, 200, "")
	if r.str("value") != "" || r.str("tags") != `{"b":"2"}` || r.str("attributes", "enabled") != "false" ||
		r.str("attributes", "updated") != fmt.Sprint(now.Unix()) || r.str("attributes", "created") == r.str("attributes", "updated") {
		t.Fatalf("update latest: %s", r.raw)
	}
	w.want(w.do("GET", "/secrets/db-pass", nil), 403, "Forbidden/SecretDisabled")
	older := w.do("GET", strings.TrimPrefix(first, w.base), nil)
	if older.str("value") != "one" || older.str("tags") != `{"a":"1"}` || older.str("contentType") != "text/plain" {
		t.Fatalf("older version changed: %s", older.raw)
	}
	// Update of one version, and clearing exp with null.
	r = w.do("PATCH", strings.TrimPrefix(first, w.base), map[string]any{"contentType": "x/y", "attributes": map[string]any{"exp": nil}})
	if r.status != 200 || r.str("contentType") != "x/y" || r.str("attributes", "exp") != "" || r.str("attributes", "nbf") != "4102444800" {
		t.Fatalf("update version: %s", r.raw)
	}
	w.want(w.do("PATCH", "/secrets/db-pass", map[string]any{"attributes": map[string]any{"enabled": true}}), 200, "")
	w.want(w.do("PATCH", "/secrets/nope/", map[string]any{}), 404, "SecretNotFound")
	w.want(w.do("PATCH", "/secrets/db-pass/0123456789abcdef0123456789abcdef", map[string]any{}), 404, "SecretNotFound")
	w.want(w.do("PATCH", "/secrets/db-pass/", map[string]any{"attributes": map[string]any{"exp": "soon"}}), 400, "BadParameter")

	// Soft delete: the deleted-secret bundle, the name held, get and list deleted.
	r = w.do("DELETE", "/secrets/db-pass", nil)
	w.want(r, 200, "")
	if r.str("recoveryId") != w.base+"/deletedsecrets/db-pass" || r.str("deletedDate") != fmt.Sprint(now.Unix()) ||
		r.str("scheduledPurgeDate") != fmt.Sprint(now.AddDate(0, 0, 90).Unix()) || r.str("value") != "" ||
		!strings.HasPrefix(r.str("id"), w.base+"/secrets/db-pass/") {
		t.Fatalf("deleted bundle: %s", r.raw)
	}
	w.want(w.do("GET", "/secrets/db-pass", nil), 404, "SecretNotFound")
	w.want(w.do("DELETE", "/secrets/db-pass", nil), 404, "SecretNotFound")
	w.want(w.do("PUT", "/secrets/db-pass", map[string]any{"value": "three"}), 409, "Conflict/ObjectIsDeletedButRecoverable")
	if r := w.do("GET", "/deletedsecrets/db-pass", nil); r.status != 200 || r.str("recoveryId") == "" {
		t.Fatalf("get deleted: %s", r.raw)
	}
	if r := w.do("GET", "/deletedsecrets", nil); r.str("value") == "[]" || !strings.Contains(r.raw, `"id":"`+w.base+`/secrets/db-pass"`) {
		t.Fatalf("list deleted: %s", r.raw)
	}
	if r := w.do("GET", "/secrets", nil); r.str("value") != "[]" {
		t.Fatalf("a deleted secret is listed: %s", r.raw)
	}

	// Recover brings back every version.
	r = w.do("POST", "/deletedsecrets/db-pass/recover", nil)
	if r.status != 200 || r.str("value") != "" || !strings.HasPrefix(r.str("id"), w.base+"/secrets/db-pass/") {
		t.Fatalf("recover: %s", r.raw)
	}
	if r := w.do("GET", "/secrets/db-pass/versions", nil); strings.Count(r.raw, `"id"`) != 2 {
		t.Fatalf("versions after recover: %s", r.raw)
	}
	w.want(w.do("POST", "/deletedsecrets/db-pass/recover", nil), 404, "SecretNotFound")
	if r := w.do("GET", "/deletedsecrets/db-pass", nil); r.status != 404 || r.str("error", "message") != "Deleted Secret not found: db-pass" {
		t.Fatalf("get deleted after recover: %s", r.raw)
	}

	// Backup, delete, purge (204), restore (all versions, ids kept), restore again (409).
	r = w.do("POST", "/secrets/db-pass/backup", nil)
	blob := r.str("value")
	if r.status != 200 || blob == "" || strings.ContainsAny(blob, "+/=") || strings.Contains(r.raw, "two") {
		t.Fatalf("backup (want opaque base64url): %s", r.raw)
	}
	w.want(w.do("POST", "/secrets/nope/backup", nil), 404, "SecretNotFound")
	w.want(w.do("DELETE", "/secrets/db-pass", nil), 200, "")
	w.want(w.do("POST", "/secrets/restore", map[string]string{"value": blob}), 409, "Conflict/ObjectIsDeletedButRecoverable")
	if r := w.do("DELETE", "/deletedsecrets/db-pass", nil); r.status != 204 || r.raw != "" {
		t.Fatalf("purge: %d %s", r.status, r.raw)
	}
	w.want(w.do("DELETE", "/deletedsecrets/db-pass", nil), 404, "SecretNotFound")
	w.want(w.do("GET", "/deletedsecrets/db-pass", nil), 404, "SecretNotFound")
	r = w.do("POST", "/secrets/restore", map[string]string{"value": blob})
	if r.status != 200 || r.str("value") != "" || !strings.HasPrefix(r.str("id"), w.base+"/secrets/db-pass/") {
		t.Fatalf("restore: %s", r.raw)
	}
	if r := w.do("GET", strings.TrimPrefix(first, w.base), nil); r.str("value") != "one" || r.str("contentType") != "x/y" {
		t.Fatalf("restored older version: %s", r.raw)
	}
	if r := w.do("GET", "/secrets/db-pass", nil); r.str("value") != "two" {
		t.Fatalf("restored latest: %s", r.raw)
	}
	w.want(w.do("POST", "/secrets/restore", map[string]string{"value": blob}), 409, "Conflict")
	w.want(w.do("POST", "/secrets/restore", map[string]string{"value": "bm90IGEgYmFja3Vw"}), 400, "BadParameter")
	w.want(w.do("POST", "/secrets/restore", map[string]string{"value": "***"}), 400, "BadParameter")

	// A blob opens only in the emulator that made it (the service restores
	// within its subscription and geography).
	other := start(t, Options{Seeds: map[string]Seed{}})
	w2 := newWire(t, other)
	w2.want(w2.do("POST", "/secrets/restore", map[string]string{"value": blob}), 400, "BadParameter")
}

// TestAPIVersion checks the api-version the way Key Vault does: after the
// challenge, 400 BadParameter naming the version and the latest one.
func TestAPIVersion(t *testing.T) {
	e := start(t, Options{})
	w := newWire(t, e)
	for _, v := range []string{"7.3", "7.4", "7.6", "2025-07-01", "2026-04-01"} {
		w.api = v
		w.want(w.do("GET", "/secrets/db-password", nil), 200, "")
	}
	for _, v := range []string{"", "7.9", "2099-01-01", "latest"} {
		w.api = v
		r := w.do("GET", "/secrets/db-password", nil)
		w.want(r, 400, "BadParameter")
		want := fmt.Sprintf("The specified version (%s) is not recognized. Consider using the latest supported version (2026-04-01).", v)
		if r.str("error", "message") != want {
			t.Errorf("api-version %q: %s", v, r.raw)
		}
	}
	// No token: the challenge comes first, whatever the version.
	w.token, w.api = "", "2099-01-01"
	if r := w.do("GET", "/secrets/db-password", nil); r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("unauthenticated, bad version: %d %s", r.status, r.raw)
	}
}

// TestListPaging checks the listing's pages: 25 without maxresults, an
// empty page after the first that still links on, nextLink null at the
// end, every secret once even when secrets come and go while paging.
func TestListPaging(t *testing.T) {
	seeds := map[string]Seed{}
	for i := range 60 {
		seeds[fmt.Sprintf("s%02d", i)] = Seed{Value: "v"}
	}
	e := start(t, Options{Seeds: seeds})
	w := newWire(t, e)
	var sizes []int
	seen := map[string]int{}
	next := "/secrets"
	for next != "" {
		r := w.do("GET", next, nil)
		w.want(r, 200, "")
		var page struct {
			Value []struct {
				ID    string `json:"id"`
				Value *string
			} `json:"value"`
			NextLink *string `json:"nextLink"`
		}
		if err := json.Unmarshal([]byte(r.raw), &page); err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Value))
		for _, it := range page.Value {
			if it.Value != nil {
				t.Fatalf("a list item carries a value: %s", r.raw)
			}
			seen[strings.TrimPrefix(it.ID, w.base+"/secrets/")]++
		}
		if len(sizes) == 2 { // mid-listing: one before the marker, one after
			w.want(w.do("PUT", "/secrets/a-new", map[string]any{"value": "x"}), 200, "")
			w.want(w.do("PUT", "/secrets/z-new", map[string]any{"value": "x"}), 200, "")
			w.want(w.do("DELETE", "/secrets/s40", nil), 200, "")
		}
		next = ""
		if page.NextLink != nil {
			if !strings.HasPrefix(*page.NextLink, w.base+"/secrets?api-version=7.6&$skiptoken=") {
				t.Fatalf("nextLink %s", *page.NextLink)
			}
			next = *page.NextLink
		}
	}
	if fmt.Sprint(sizes) != "[25 0 25 10]" {
		t.Errorf("page sizes %v, want [25 0 25 10]", sizes)
	}
	if len(seen) != 60 || seen["a-new"] != 0 || seen["z-new"] != 1 || seen["s40"] != 0 {
		t.Errorf("listed %d names: %v", len(seen), seen)
	}
	for n, c := range seen {
		if c != 1 {
			t.Errorf("%s listed %d times", n, c)
		}
	}
	r := w.do("GET", "/secrets?maxresults=7", nil)
	if strings.Count(r.raw, `"id"`) != 7 || !strings.Contains(r.str("nextLink"), "maxresults=7") {
		t.Errorf("maxresults=7: %s", r.raw)
	}
	w.want(w.do("GET", "/secrets?$skiptoken=%25%25", nil), 400, "BadParameter")
	if r := w.do("GET", "/secrets/none/versions", nil); r.str("value") != "[]" || r.str("nextLink") != "" {
		t.Errorf("versions of a missing secret: %s", r.raw)
	}
}

// TestThrottleControl checks the 429 a test can ask for: Key Vault's
// Throttled body with Retry-After, then service as usual.
func TestThrottleControl(t *testing.T) {
	e := start(t, Options{})
	w := newWire(t, e)
	ctl, err := w.hc.Post(w.base+"/_emulator/throttle?next=2", "", nil)
	if err != nil || ctl.StatusCode != 204 {
		t.Fatalf("throttle control: %v %v", ctl, err)
	}
	for range 2 {
		r := w.do("GET", "/secrets/db-password", nil)
		w.want(r, 429, "Throttled")
		if r.header.Get("Retry-After") != "1" {
			t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
		}
	}
	w.want(w.do("GET", "/secrets/db-password", nil), 200, "")
	if st, _ := e.Stats("demo"); st.Throttled != 2 {
		t.Errorf("throttled = %d", st.Throttled)
	}
}
