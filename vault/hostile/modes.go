package hostile

import (
	"compress/gzip"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Mode is one attack. Every mode but Honest breaks one rule; the
// comment says what the client must do.
type Mode string

const (
	// Honest is a well-behaved vault: two secrets over two list pages.
	Honest Mode = "honest"

	// ForeignNextLink: the first list page's nextLink points at the
	// stranger. The client refuses it and sends nothing there.
	ForeignNextLink Mode = "foreign-nextlink"
	// RedirectPlain: every read answers 307 to the same host's plain-HTTP
	// port. The client follows no redirect.
	RedirectPlain Mode = "redirect-plain"
	// RedirectForeign: every read answers 307 to the stranger.
	RedirectForeign Mode = "redirect-foreign"

	// ForeignAudience: the challenge names https://management.azure.com.
	// The client asks for no such token and sends none.
	ForeignAudience Mode = "foreign-audience"
	// OtherCloudAudience: the challenge names another cloud's Key Vault
	// audience (https://vault.azure.cn).
	OtherCloudAudience Mode = "other-cloud-audience"
	// MalformedChallenge: the challenge's authorization URL has no tenant
	// (azsecrets indexes the path and panics on it).
	MalformedChallenge Mode = "malformed-challenge"
	// ClaimsNoClaims: the challenge says error="insufficient_claims" but
	// carries no claims, and its authorization URL has no tenant: azcore
	// does not take it for a claims challenge, so without care it reaches
	// azsecrets's parser unverified (and panics it).
	ClaimsNoClaims Mode = "claims-no-claims"

	// MissingID: a list item without an id.
	MissingID Mode = "missing-id"
	// ShortID: a list item whose id is https://host/secrets (no name).
	ShortID Mode = "short-id"
	// NotASecretID: a list item whose id is a key's, /keys/NAME.
	NotASecretID Mode = "not-a-secret-id"
	// BadName: a list item whose name is not a valid Key Vault name (an
	// escape sequence that writes the clipboard).
	BadName Mode = "bad-name"
	// DuplicateNames: api-key is listed on both pages, the second time as
	// API-KEY. The client lists it once.
	DuplicateNames Mode = "duplicate-names"
	// ControlChars: valid names, but tags, content types and error
	// messages full of terminal escape sequences. Data, to be escaped.
	ControlChars Mode = "control-chars"

	// MissingValue: a secret read answers 200 without a value.
	MissingValue Mode = "missing-value"
	// WrongSecret: a secret read answers with another secret's id.
	WrongSecret Mode = "wrong-secret"
	// EmptyBody: every read answers 200 with an empty body.
	EmptyBody Mode = "empty-body"
	// InvalidJSON: a secret read answers 200 with a complete but invalid
	// JSON body.
	InvalidJSON Mode = "invalid-json"
	// CorruptGzip: a secret read answers Content-Encoding: gzip with a
	// body that is no gzip stream: a malformed answer, final, not a
	// network fault to retry.
	CorruptGzip Mode = "corrupt-gzip"
	// GzipBomb: a secret read answers 64 KiB of gzip that expands to
	// 64 MiB. The client stops after 1 MiB of what it expands to.
	GzipBomb Mode = "gzip-bomb"
	// HugeBody: a secret read answers 1 GiB, chunked. The client stops
	// after 1 MiB.
	HugeBody Mode = "huge-body"
	// HugeBodyLength: a secret read announces a 1 GiB Content-Length.
	HugeBodyLength Mode = "huge-body-length"
	// TruncatedBody: a secret read announces 500 bytes and hangs up after
	// 17 (a network fault: retried, then reported).
	TruncatedBody Mode = "truncated-body"
	// SlowDrip: a secret read sends its body a byte every 50 ms, forever.
	SlowDrip Mode = "slow-drip"

	// VaultSlow: authenticated reads never answer.
	VaultSlow Mode = "vault-slow"
	// VaultThrottle: authenticated reads answer 429, Retry-After: 86400.
	VaultThrottle Mode = "vault-throttle"
	// VaultFailing: authenticated reads answer 503.
	VaultFailing Mode = "vault-failing"
	// IdentitySlow: the identity endpoint never answers.
	IdentitySlow Mode = "identity-slow"
	// IdentityThrottle: the identity endpoint answers 429, Retry-After:
	// 86400.
	IdentityThrottle Mode = "identity-throttle"
	// IdentityFailing: the identity endpoint answers 500.
	IdentityFailing Mode = "identity-failing"
	// ExpiredToken: the identity endpoint hands out tokens that expired
	// an hour ago. Sending one to the vault is unexpected.
	ExpiredToken Mode = "expired-token"
)

type modeSpec struct {
	mode  Mode
	about string
	// challenge replaces the honest WWW-Authenticate header.
	challenge string
	// vault answers an authenticated vault request; false means nobody
	// expected it. Nil expects none.
	vault func(s *Server, w http.ResponseWriter, r *http.Request) bool
	// identity answers a token request for the audience; nil hands out
	// the honest token.
	identity func(s *Server, w http.ResponseWriter, r *http.Request)
}

// escapes is what ControlChars and BadName put into server text: an OSC 52
// clipboard write, a screen clear and a tab.
const escapes = "\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J\t"

func modes() []modeSpec {
	return []modeSpec{
		{mode: Honest, about: "a well-behaved vault: db-password and api-key over two list pages",
			vault: (*Server).honest},
		{mode: ForeignNextLink, about: "the first list page's nextLink points at another origin",
			vault: func(s *Server, w http.ResponseWriter, r *http.Request) bool {
				if isList(r) {
					writeJSON(w, 200, map[string]any{"value": []any{s.item("db-password")},
						"nextLink": s.Stranger + "/secrets?api-version=2026-04-01&$skiptoken=2"})
					return true
				}
				return s.honestGet(w, r)
			}},
		{mode: RedirectPlain, about: "every read answers 307 to the same host's plain-HTTP port",
			vault: func(s *Server, w http.ResponseWriter, r *http.Request) bool {
				return redirect(w, r, s.Plain+r.URL.RequestURI())
			}},
		{mode: RedirectForeign, about: "every read answers 307 to another HTTPS origin",
			vault: func(s *Server, w http.ResponseWriter, r *http.Request) bool {
				return redirect(w, r, s.Stranger+r.URL.RequestURI())
			}},
		{mode: ForeignAudience, about: "the challenge asks for an ARM token (https://management.azure.com)",
			challenge: `Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://management.azure.com"`},
		{mode: OtherCloudAudience, about: "the challenge names another cloud's Key Vault audience",
			challenge: `Bearer authorization="https://login.chinacloudapi.cn/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.cn"`},
		{mode: MalformedChallenge, about: "the challenge's authorization URL has no tenant",
			challenge: `Bearer authorization="https:", resource="https://vault.azure.net"`},
		{mode: ClaimsNoClaims, about: "a claims challenge without claims, whose authorization URL has no tenant",
			challenge: `Bearer error="insufficient_claims", authorization="https:", resource="https://vault.azure.net"`},
		{mode: MissingID, about: "a list item has no id",
			vault: listOf(func(s *Server) any { return map[string]any{"attributes": map[string]any{"enabled": true}} })},
		{mode: ShortID, about: "a list item's id has no secret name",
			vault: listOf(func(s *Server) any { return map[string]any{"id": s.URL + "/secrets"} })},
		{mode: NotASecretID, about: "a list item's id is a key's",
			vault: listOf(func(s *Server) any { return map[string]any{"id": s.URL + "/keys/db-password"} })},
		{mode: BadName, about: "a list item's name is an escape sequence",
			vault: listOf(func(s *Server) any {
				return map[string]any{"id": s.URL + "/secrets/" + url.PathEscape("x"+escapes)}
			})},
		{mode: DuplicateNames, about: "api-key is listed on both pages, once as API-KEY",
			vault: func(s *Server, w http.ResponseWriter, r *http.Request) bool {
				if !isList(r) {
					return s.honestGet(w, r)
				}
				if r.URL.Query().Get("$skiptoken") == "" {
					writeJSON(w, 200, map[string]any{"value": []any{s.item("db-password"), s.item("api-key")}, "nextLink": s.URL + "/secrets?$skiptoken=2"})
				} else {
					writeJSON(w, 200, map[string]any{"value": []any{s.item("API-KEY"), s.item("db-password")}, "nextLink": nil})
				}
				return true
			}},
		{mode: ControlChars, about: "tags, content types and error messages carry terminal escapes",
			vault: func(s *Server, w http.ResponseWriter, r *http.Request) bool {
				if isList(r) {
					it := s.item("db-password")
					it["tags"] = map[string]string{"note" + escapes: "v" + escapes}
					it["contentType"] = "text/plain" + escapes
					writeJSON(w, 200, map[string]any{"value": []any{it}, "nextLink": nil})
					return true
				}
				name, _, ok := secretPath(r)
				if !ok {
					return false
				}
				if name == "db-password" {
					b := s.bundle(name)
					b["tags"] = map[string]string{"note" + escapes: "v" + escapes}
					b["contentType"] = "text/plain" + escapes
					writeJSON(w, 200, b)
					return true
				}
				writeJSON(w, 404, kvError("SecretNotFound"+escapes, "A secret with (name/id) "+name+escapes+" was not found in this key vault."))
				return true
			}},
		{mode: MissingValue, about: "a secret read answers 200 without a value",
			vault: getOf(func(s *Server, name string) any {
				b := s.bundle(name)
				delete(b, "value")
				return b
			})},
		{mode: WrongSecret, about: "a secret read answers with another secret's id",
			vault: getOf(func(s *Server, name string) any {
				b := s.bundle(name)
				b["id"] = s.URL + "/secrets/someone-elses/" + Version
				return b
			})},
		{mode: EmptyBody, about: "every read answers 200 with an empty body",
			vault: func(s *Server, w http.ResponseWriter, r *http.Request) bool {
				w.WriteHeader(200)
				return true
			}},
		{mode: InvalidJSON, about: "a secret read answers 200 with invalid JSON",
			vault: func(s *Server, w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"value":"unterminated}`))
				return true
			}},
		{mode: CorruptGzip, about: "a secret read answers Content-Encoding: gzip with a body that is no gzip stream",
			vault: func(s *Server, w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", "gzip")
				w.WriteHeader(200)
				w.Write([]byte("\x1f\x8b\x08\x00not a gzip stream"))
				return true
			}},
		{mode: GzipBomb, about: "a secret read answers 64 KiB of gzip that expands to 64 MiB",
			vault: func(s *Server, w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Encoding", "gzip")
				w.WriteHeader(200)
				zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
				zw.Write([]byte(`{"value":"`))
				chunk := []byte(strings.Repeat("a", 1<<20))
				for range 64 {
					if _, err := zw.Write(chunk); err != nil {
						return true
					}
				}
				zw.Write([]byte(`"}`))
				zw.Close()
				return true
			}},
		{mode: HugeBody, about: "a secret read answers a chunked 1 GiB body",
			vault: func(s *Server, w http.ResponseWriter, r *http.Request) bool {
				s.huge(w, r, false)
				return true
			}},
		{mode: HugeBodyLength, about: "a secret read announces a 1 GiB Content-Length",
			vault: func(s *Server, w http.ResponseWriter, r *http.Request) bool {
				s.huge(w, r, true)
				return true
			}},
		{mode: TruncatedBody, about: "a secret read hangs up 17 bytes into a 500-byte body",
			vault: func(s *Server, w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Length", "500")
				w.WriteHeader(200)
				w.Write([]byte(`{"value":"partial`))
				w.(http.Flusher).Flush()
				if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
					conn.Close()
				}
				return true
			}},
		{mode: SlowDrip, about: "a secret read drips its body a byte every 50 ms, forever",
			vault: func(s *Server, w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(200)
				w.Write([]byte(`{"value":"`))
				for {
					w.(http.Flusher).Flush()
					if !s.wait(r, 50*time.Millisecond) {
						return true
					}
					if _, err := w.Write([]byte("a")); err != nil {
						return true
					}
				}
			}},
		{mode: VaultSlow, about: "authenticated reads never answer",
			vault: func(s *Server, w http.ResponseWriter, r *http.Request) bool {
				s.wait(r, 24*time.Hour)
				return true
			}},
		{mode: VaultThrottle, about: "authenticated reads answer 429 with Retry-After: 86400",
			vault: func(s *Server, w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Retry-After", "86400")
				writeJSON(w, 429, kvError("Throttled", "Request was not processed because too many requests were received."))
				return true
			}},
		{mode: VaultFailing, about: "authenticated reads answer 503",
			vault: func(s *Server, w http.ResponseWriter, r *http.Request) bool {
				writeJSON(w, 503, kvError("ServiceUnavailable", "The service is unavailable."))
				return true
			}},
		{mode: IdentitySlow, about: "the identity endpoint never answers", vault: (*Server).honest,
			identity: func(s *Server, w http.ResponseWriter, r *http.Request) { s.wait(r, 24*time.Hour) }},
		{mode: IdentityThrottle, about: "the identity endpoint answers 429 with Retry-After: 86400", vault: (*Server).honest,
			identity: func(s *Server, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "86400")
				writeJSON(w, 429, map[string]any{"error": map[string]string{"code": "TooManyRequests", "message": "slow down"}})
			}},
		{mode: IdentityFailing, about: "the identity endpoint answers 500", vault: (*Server).honest,
			identity: func(s *Server, w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 500, map[string]any{"error": map[string]string{"code": "InternalError", "message": "identity endpoint failure"}})
			}},
		{mode: ExpiredToken, about: "the identity endpoint hands out tokens that expired an hour ago; none may reach the vault",
			identity: func(s *Server, w http.ResponseWriter, r *http.Request) {
				past := time.Now().Add(-time.Hour)
				s.writeToken(w, fakeJWT(s.Audience, s.Tenant, past, s.Canary), past)
			}},
	}
}

func lookup(m Mode) (modeSpec, bool) {
	if m == "" {
		m = Honest
	}
	for _, spec := range modes() {
		if spec.mode == m {
			return spec, true
		}
	}
	return modeSpec{}, false
}

func isList(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.TrimSuffix(r.URL.Path, "/") == "/secrets"
}

// secretPath reads GET /secrets/NAME/ or /secrets/NAME/VERSION.
func secretPath(r *http.Request) (name, version string, ok bool) {
	rest, found := strings.CutPrefix(r.URL.Path, "/secrets/")
	if r.Method != http.MethodGet || !found {
		return "", "", false
	}
	name, version, _ = strings.Cut(rest, "/")
	return name, version, name != "" && !strings.Contains(version, "/")
}

func (s *Server) honest(w http.ResponseWriter, r *http.Request) bool {
	if isList(r) {
		if r.URL.Query().Get("$skiptoken") == "" {
			writeJSON(w, 200, map[string]any{"value": []any{s.item("db-password")}, "nextLink": s.URL + "/secrets?api-version=2026-04-01&$skiptoken=2"})
		} else {
			writeJSON(w, 200, map[string]any{"value": []any{s.item("api-key")}, "nextLink": nil})
		}
		return true
	}
	return s.honestGet(w, r)
}

func (s *Server) honestGet(w http.ResponseWriter, r *http.Request) bool {
	name, version, ok := secretPath(r)
	if !ok || !contains(honestNames[:], name) || (version != "" && version != Version) {
		return false
	}
	writeJSON(w, 200, s.bundle(name))
	return true
}

// listOf answers the listing with one honest item and one made by bad,
// and reads of the honest one.
func listOf(bad func(*Server) any) func(*Server, http.ResponseWriter, *http.Request) bool {
	return func(s *Server, w http.ResponseWriter, r *http.Request) bool {
		if isList(r) {
			writeJSON(w, 200, map[string]any{"value": []any{s.item("db-password"), bad(s)}, "nextLink": nil})
			return true
		}
		return s.honestGet(w, r)
	}
}

// getOf answers reads of the honest secrets with what bad makes of them.
func getOf(bad func(*Server, string) any) func(*Server, http.ResponseWriter, *http.Request) bool {
	return func(s *Server, w http.ResponseWriter, r *http.Request) bool {
		name, _, ok := secretPath(r)
		if !ok || !contains(honestNames[:], name) {
			return false
		}
		writeJSON(w, 200, bad(s, name))
		return true
	}
}

func redirect(w http.ResponseWriter, r *http.Request, to string) bool {
	w.Header().Set("Location", to)
	w.WriteHeader(http.StatusTemporaryRedirect)
	return true
}

// Value is what the honest vault holds for name.
func (s *Server) Value(name string) string { return s.Canary + "-" + strings.ToLower(name) }

func (s *Server) bundle(name string) map[string]any {
	return map[string]any{
		"value": s.Value(name), "id": s.URL + "/secrets/" + name + "/" + Version, "contentType": "text/plain",
		"attributes": map[string]any{"enabled": true, "created": 1764000000, "updated": 1764000000, "recoveryLevel": "Recoverable+Purgeable"},
		"tags":       map[string]string{"env": "test"},
	}
}

func (s *Server) item(name string) map[string]any {
	return map[string]any{
		"id": s.URL + "/secrets/" + name, "contentType": "text/plain",
		"attributes": map[string]any{"enabled": true, "created": 1764000000, "updated": 1764000000},
		"tags":       map[string]string{"env": "test"},
	}
}

// huge streams a 1 GiB JSON string until the client hangs up.
func (s *Server) huge(w http.ResponseWriter, r *http.Request, announce bool) {
	const size = 1 << 30
	w.Header().Set("Content-Type", "application/json")
	if announce {
		w.Header().Set("Content-Length", fmt.Sprint(size))
	}
	w.WriteHeader(200)
	w.Write([]byte(`{"value":"`))
	chunk := []byte(strings.Repeat("a", 32<<10))
	for sent := 10; sent < size; sent += len(chunk) {
		if _, err := w.Write(chunk[:min(len(chunk), size-sent)]); err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		default:
		}
	}
}

// wait sleeps d or until the client or the server gives up; it reports
// whether d passed.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.done:
	}
	return false
}
