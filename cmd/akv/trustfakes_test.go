package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Fakes of a broken or hostile identity endpoint and vault, for the
// testscripts of issue 11 (trust). They run in the test process on
// 127.0.0.1 and count what reaches them.

// hostileText holds what a terminal must never receive raw: OSC 52 (write
// the clipboard), CSI 2J (clear the screen), a C1 CSI, BEL, CR and a
// right-to-left override.
const hostileText = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\u009b31m\r\u202e"

type trustFakes struct {
	idRequests, elsewhere atomic.Int32
}

func fakesOf(ts *testscript.TestScript) *trustFakes { return ts.Value("trust").(*trustFakes) }

// fakeJWT is token-shaped (so whoami decodes its claims) and unsigned.
func fakeJWT(claims map[string]any) string {
	payload, _ := json.Marshal(claims)
	return "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(payload) + ".c2ln"
}

func tokenBody(token string, expires time.Time) string {
	return fmt.Sprintf(`{"access_token":%q,"expires_in":"3599","expires_on":"%d","resource":"https://vault.azure.net","token_type":"Bearer"}`,
		token, expires.Unix())
}

// cmdIDFake starts a fake identity endpoint and sets $IDFAKE to its URL:
// idfake redirect|expired|nan-expiry|crlf-token|controls|claims.
//   - redirect: every answer is a 307 to another server (which counts hits)
//   - expired: tokens that expired an hour ago
//   - nan-expiry: a token whose expires_on is "NaN"
//   - crlf-token: a token with a line break and a header after it
//   - controls: a 400 whose error code and message hold terminal controls
//   - claims: a good token whose claims hold terminal controls
func cmdIDFake(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: idfake redirect|expired|nan-expiry|crlf-token|controls|claims")
	}
	f := fakesOf(ts)
	f.idRequests.Store(0)
	f.elsewhere.Store(0)
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.elsewhere.Add(1)
		io.WriteString(w, tokenBody(fakeJWT(map[string]any{"tid": "stolen"}), time.Now().Add(time.Hour)))
	}))
	ts.Defer(elsewhere.Close)
	mode := args[0]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.idRequests.Add(1)
		switch mode {
		case "redirect":
			http.Redirect(w, r, elsewhere.URL+"/oauth2/token?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
		case "expired":
			io.WriteString(w, tokenBody(fakeJWT(map[string]any{"tid": "t"}), time.Now().Add(-time.Hour)))
		case "controls":
			w.WriteHeader(http.StatusBadRequest)
			b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": "Bad" + hostileText, "message": "refused" + hostileText}})
			w.Write(b)
		case "nan-expiry":
			io.WriteString(w, `{"access_token":"`+fakeJWT(map[string]any{"tid": "t"})+`","expires_on":"NaN","resource":"https://vault.azure.net","token_type":"Bearer"}`)
		case "crlf-token":
			b, _ := json.Marshal(map[string]string{"access_token": fakeJWT(map[string]any{"tid": "t"}) + "\r\nX-Evil: 1",
				"expires_on": fmt.Sprint(time.Now().Add(time.Hour).Unix()), "token_type": "Bearer"})
			w.Write(b)
		case "claims":
			io.WriteString(w, tokenBody(fakeJWT(map[string]any{"tid": "tenant" + hostileText, "oid": "oid" + hostileText,
				"unique_name": "user" + hostileText, "aud": "https://vault.azure.net" + hostileText}), time.Now().Add(time.Hour)))
		default:
			http.Error(w, "unknown mode", http.StatusInternalServerError)
		}
	}))
	ts.Defer(srv.Close)
	ts.Setenv("IDFAKE", srv.URL+"/oauth2/token")
}

// cmdIDFakeStat checks a counter of the last idfake:
// idfakestat requests|elsewhere N.
func cmdIDFakeStat(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: idfakestat requests|elsewhere N")
	}
	f := fakesOf(ts)
	got := map[string]int32{"requests": f.idRequests.Load(), "elsewhere": f.elsewhere.Load()}[args[0]]
	if (strconv.Itoa(int(got)) == args[1]) == neg {
		ts.Fatalf("idfake %s = %d, want %s%s", args[0], got, map[bool]string{true: "not ", false: ""}[neg], args[1])
	}
}

// cmdKVFake starts a vault whose every text field holds terminal controls,
// with a token endpoint beside it, and points akv at both (vault "evil"):
//   - the listing: "ok-name" (content type and tags with controls), a
//     disabled "off-name", and with badname a name that is itself hostile
//   - GET ok-name: a value; GET denied: a 403 whose code, inner code and
//     message hold controls
func cmdKVFake(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 1 || len(args) == 1 && args[0] != "badname" {
		ts.Fatalf("usage: kvfake [badname]")
	}
	badName := len(args) == 1
	id := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, tokenBody(fakeJWT(map[string]any{"tid": "72f988bf-0000-4000-8000-00000000a4e1"}), time.Now().Add(time.Hour)))
	}))
	ts.Defer(id.Close)
	var base string
	item := func(name string, enabled bool) map[string]any {
		return map[string]any{"id": base + "/secrets/" + name,
			"attributes":  map[string]any{"enabled": enabled, "created": 1764000000, "updated": 1764000000},
			"contentType": "text/plain" + hostileText,
			"tags":        map[string]string{"k" + hostileText: "v" + hostileText}}
	}
	kv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") == "" {
			w.Header().Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/72f988bf-0000-4000-8000-00000000a4e1", resource="https://vault.azure.net"`)
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":{"code":"Unauthorized","message":"AKV10000: Request is missing a Bearer or PoP token."}}`)
			return
		}
		var body any
		switch p := strings.TrimSuffix(r.URL.Path, "/"); {
		case p == "/secrets":
			items := []any{item("ok-name", true), item("off-name", false)}
			if badName {
				items = append(items, item("evil"+hostileText, true))
			}
			body = map[string]any{"value": items, "nextLink": nil}
		case p == "/secrets/denied":
			w.WriteHeader(http.StatusForbidden)
			body = map[string]any{"error": map[string]any{"code": "Forbidden" + hostileText, "message": "denied" + hostileText,
				"innererror": map[string]string{"code": "ForbiddenByPolicy" + hostileText}}}
		case strings.HasPrefix(p, "/secrets/"):
			name := strings.TrimPrefix(p, "/secrets/")
			if name != "ok-name" && name != "evil"+hostileText {
				w.WriteHeader(http.StatusNotFound)
				body = map[string]any{"error": map[string]string{"code": "SecretNotFound" + hostileText, "message": "no such secret" + hostileText}}
				break
			}
			it := item(name, true)
			it["id"] = base + "/secrets/" + name + "/0123456789abcdef0123456789abcdef"
			it["value"] = "fine-value"
			body = it
		default:
			w.WriteHeader(http.StatusBadRequest)
			body = map[string]any{"error": map[string]string{"code": "BadParameter", "message": "unknown path"}}
		}
		json.NewEncoder(w).Encode(body)
	}))
	ts.Defer(kv.Close)
	base = kv.URL
	ca := ts.MkAbs("kvfake-ca.pem")
	ts.Check(os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: kv.Certificate().Raw}), 0o644))
	ts.Setenv("AKV_CA_FILE", ca)
	ts.Setenv("AKV_VAULT_ENDPOINTS", "evil="+kv.URL)
	ts.Setenv("AKV_VAULT", "evil")
	ts.Setenv("MSI_ENDPOINT", id.URL+"/oauth2/token")
}

// crashingMain is akv with a panic planted where AKV_TEST_PANIC says, for
// the last-resort recover's testscript (the production binary has no such
// path). The panic value holds $CANARY, which must never be printed.
func crashingMain() {
	env := osEnv()
	canary := os.Getenv("CANARY")
	switch os.Getenv("AKV_TEST_PANIC") {
	case "stdout":
		env.Stdout = panicWriter{canary}
	case "stderr-log":
		// --verbose lines are written from the goroutines a selection
		// fetches in: the panic happens off the main goroutine.
		env.Stderr = panicOnWrite{w: os.Stderr, when: "page 1", value: canary}
	case "stderr-token":
		// The first token request runs on a goroutine of its own, early,
		// while the first challenge is in flight; --verbose logs from it.
		env.Stderr = panicOnWrite{w: os.Stderr, when: "requesting a token", value: canary}
	case "getenv":
		env.Getenv = func(string) string { panic(fmt.Errorf("getenv %s", canary)) }
	}
	os.Exit(run(context.Background(), env, os.Args))
}

type panicWriter struct{ value string }

func (p panicWriter) Write([]byte) (int, error) { panic("stdout write " + p.value) }

// panicOnWrite passes writes through until one contains when.
type panicOnWrite struct {
	w     io.Writer
	when  string
	value string
}

func (p panicOnWrite) Write(b []byte) (int, error) {
	if strings.Contains(string(b), p.when) {
		var none []string
		_ = none[len(p.value)] // index out of range: a runtime error, as real bugs are
	}
	return p.w.Write(b)
}
