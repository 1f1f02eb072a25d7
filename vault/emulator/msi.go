package emulator

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Audiences the Cloud Shell endpoint serves; anything else gets
// AudienceNotSupported, as the real one answers.
var audiences = map[string]bool{
	"https://management.azure.com":              true,
	"https://management.core.windows.net":       true,
	"https://vault.azure.net":                   true,
	"https://vault.azure.cn":                    true,
	"https://vault.usgovcloudapi.net":           true,
	"https://storage.azure.com":                 true,
	"https://graph.microsoft.com":               true,
	"https://graph.windows.net":                 true,
	"https://database.windows.net":              true,
	"https://ossrdbms-aad.database.windows.net": true,
}

// Expiry formats for --msi-expiry-format.
var ExpiryFormats = []string{"unix", "unixstr", "mdy", "mdy12", "iso", "rfc3339", "expires_in"}

type msiServer struct {
	emu *Emulator

	mu    sync.Mutex
	cache map[string]cachedToken // the real endpoint caches too
}

type cachedToken struct {
	token             string
	issued, expiresOn time.Time
}

// ServeHTTP answers Cloud Shell's POST form, and the GET forms of IMDS
// (Metadata: true), App Service (X-IDENTITY-HEADER) and Azure ML (secret),
// so every credential of akv can be tried against it.
func (m *msiServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := m.emu.tokenRequests.Add(1)
	var resource string
	switch r.Method {
	case http.MethodPost:
		if r.Header.Get("Metadata") != "true" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": kvError{Code: "BadRequest", Message: "Required metadata header not specified"}})
			return
		}
		if err := r.ParseForm(); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": kvError{Code: "BadRequest", Message: "cannot parse form body"}})
			return
		}
		resource = r.PostForm.Get("resource")
	case http.MethodGet:
		if r.Header.Get("Metadata") != "true" && r.Header.Get("X-IDENTITY-HEADER") == "" && r.Header.Get("secret") == "" {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": kvError{Code: "BadRequest", Message: "Required metadata header not specified"}})
			return
		}
		resource = r.URL.Query().Get("resource")
	default:
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": kvError{Code: "MethodNotAllowed", Message: "use POST"}})
		return
	}
	if int(n) <= m.emu.opts.MSIFail {
		http.Error(w, "upstream token service unavailable", http.StatusServiceUnavailable)
		return
	}
	trimmed := strings.TrimSuffix(resource, "/")
	if !audiences[trimmed] {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": kvError{Code: "AudienceNotSupported",
			Message: fmt.Sprintf("Audience %s is not a supported MSI token audience. Supported audiences: %s.", resource, "https://management.azure.com/, https://vault.azure.net, https://storage.azure.com/, …")}})
		return
	}
	tok := m.token(trimmed)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	fmt.Fprintf(w, `{"access_token":%q,"refresh_token":"",%s,"not_before":"%d","resource":%q,"token_type":"Bearer"}`,
		tok.token, m.expiry(tok), tok.issued.Unix(), trimmed)
}

// token returns the cached token for resource while more than half of its
// lifetime remains, else a new one.
func (m *msiServer) token(resource string) cachedToken {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.emu.now()
	if c, ok := m.cache[resource]; ok && now.Before(c.issued.Add(c.expiresOn.Sub(c.issued)/2)) {
		return c
	}
	now = now.Truncate(time.Second)
	exp := now.Add(m.emu.opts.TokenLifetime)
	c := cachedToken{issued: now, expiresOn: exp, token: m.emu.signer.sign(claims{
		Aud: resource, Iss: "https://sts.windows.net/" + m.emu.opts.Tenant + "/", Tid: m.emu.opts.Tenant,
		Oid: m.emu.opts.ObjectID, UniqueName: "live.com#demo@example.com",
		Iat: now.Unix(), Nbf: now.Unix(), Exp: exp.Unix(),
	})}
	m.cache[resource] = c
	return c
}

func (m *msiServer) expiry(t cachedToken) string {
	in := strconv.Itoa(int(t.expiresOn.Sub(m.emu.now()).Seconds()))
	on := t.expiresOn.UTC()
	var onJSON string
	switch m.emu.opts.MSIExpiryFormat {
	case "unix":
		onJSON = strconv.FormatInt(on.Unix(), 10)
	case "", "unixstr":
		onJSON = strconv.Quote(strconv.FormatInt(on.Unix(), 10))
	case "mdy":
		onJSON = strconv.Quote(on.Format("01/02/2006 15:04:05 -07:00"))
	case "mdy12":
		onJSON = strconv.Quote(on.Format("01/02/2006 3:04:05 PM -07:00"))
	case "iso":
		onJSON = strconv.Quote(on.Format("2006-01-02 15:04:05"))
	case "rfc3339":
		onJSON = strconv.Quote(on.Format(time.RFC3339))
	case "expires_in":
		return fmt.Sprintf(`"expires_in":%s`, in)
	}
	return fmt.Sprintf(`"expires_in":%q,"expires_on":%s`, in, onJSON)
}
