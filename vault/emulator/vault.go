package emulator

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/akv-cli/akv/vault/names"
)

// VaultResource is the audience Key Vault tokens are for in the public
// cloud, and what the emulator's challenge names for loopback vaults.
const VaultResource = "https://vault.azure.net"

const pageSize = 25

// cloud is one Azure cloud as a Key Vault client sees it: the vaults' DNS
// suffix, the audience of their tokens, and the authority that issues them.
type cloud struct{ vaultSuffix, resource, login string }

func clouds() []cloud {
	return []cloud{
		{"vault.azure.net", VaultResource, "https://login.microsoftonline.com"},
		{"vault.azure.cn", "https://vault.azure.cn", "https://login.chinacloudapi.cn"},
		{"vault.usgovcloudapi.net", "https://vault.usgovcloudapi.net", "https://login.microsoftonline.us"},
	}
}

// cloudOf is the cloud of a vault host name; loopback is the public cloud.
func cloudOf(host string) cloud {
	host = strings.ToLower(hostOnly(host))
	for _, c := range clouds() {
		if strings.HasSuffix(host, "."+c.vaultSuffix) {
			return c
		}
	}
	return clouds()[0]
}

// hostOnly drops a port from host:port.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// Stats counts what one vault (or the token endpoint) saw.
type Stats struct {
	TokenRequests int64 `json:"tokenRequests"`
	Challenges    int64 `json:"challenges"`
	Gets          int64 `json:"gets"`
	Lists         int64 `json:"lists"`
	Puts          int64 `json:"puts"`
	Throttled     int64 `json:"throttled"`
	Requests      int64 `json:"requests"`
	MaxInFlight   int64 `json:"maxInFlight"`
	// Preauthorized counts requests that carried a good token on a
	// connection never challenged: clients that skipped the challenge.
	Preauthorized int64 `json:"preauthorized"`
	// Retries counts requests repeating a throttled one (same connection
	// and request line); EarliestRetryUs is the least time between that
	// 429's Retry-After running out and its retry arriving, in µs
	// (negative: too early), null before any retry.
	Retries         int64  `json:"retries"`
	EarliestRetryUs *int64 `json:"earliestRetryUs"`
}

type counters struct {
	challenges, gets, lists, puts, throttled, requests, inFlight, maxInFlight atomic.Int64
}

type vaultServer struct {
	name    string
	baseURL string // https://127.0.0.1:port
	tenant  string
	store   *store
	emu     *Emulator
	c       counters
	mux     *http.ServeMux

	goodTokens sync.Map // audience + " " + token → expiry, for tokens already verified
	clients    clients

	throttleMu    sync.Mutex
	throttleStart time.Time
	throttleCount int
	throttleNext  atomic.Int64 // requests still to refuse, set through /_emulator/throttle
}

func newVaultServer(e *Emulator, name, baseURL string) *vaultServer {
	v := &vaultServer{name: name, baseURL: baseURL, tenant: e.opts.VaultTenant, store: newStore(e.opts.Seeds, e.now()), emu: e}
	v.mux = v.routes()
	return v
}

// routes is the Key Vault data plane, one line per operation of the REST
// reference (learn.microsoft.com/rest/api/keyvault/secrets). A trailing
// "/" means the latest version, as the SDKs send it.
func (v *vaultServer) routes() *http.ServeMux {
	mux := http.NewServeMux()
	for pattern, h := range map[string]http.HandlerFunc{
		"GET /secrets":                        v.listSecrets,
		"GET /secrets/{$}":                    v.listSecrets,
		"PUT /secrets/{name}":                 v.named(v.setSecret),
		"GET /secrets/{name}":                 v.named(v.getSecret),
		"GET /secrets/{name}/{$}":             v.named(v.getSecret),
		"GET /secrets/{name}/{version}":       v.named(v.getSecret),
		"GET /secrets/{name}/versions":        v.named(v.listVersions),
		"PATCH /secrets/{name}":               v.named(v.updateSecret),
		"PATCH /secrets/{name}/{$}":           v.named(v.updateSecret),
		"PATCH /secrets/{name}/{version}":     v.named(v.updateSecret),
		"DELETE /secrets/{name}":              v.named(v.deleteSecret),
		"POST /secrets/{name}/backup":         v.named(v.backupSecret),
		"POST /secrets/restore":               v.restoreSecret,
		"GET /deletedsecrets":                 v.listDeleted,
		"GET /deletedsecrets/{$}":             v.listDeleted,
		"GET /deletedsecrets/{name}":          v.named(v.getDeleted),
		"DELETE /deletedsecrets/{name}":       v.named(v.purgeDeleted),
		"POST /deletedsecrets/{name}/recover": v.named(v.recoverDeleted),
	} {
		mux.HandleFunc(pattern, h)
	}
	return mux
}

// named checks the {name} of a route against Key Vault's naming rule.
func (v *vaultServer) named(h func(w http.ResponseWriter, r *http.Request, name string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if !names.Secret(name) {
			writeError(w, http.StatusBadRequest, "BadParameter", "", "The request URI contains an invalid name: "+name)
			return
		}
		h(w, r, name)
	}
}

type kvError struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	InnerError *struct {
		Code string `json:"code"`
	} `json:"innererror,omitempty"`
}

// writeError writes Key Vault's error body: {"error":{"code","message",
// "innererror":{"code"}}} (KeyVaultError in the REST reference).
func writeError(w http.ResponseWriter, status int, code, inner, msg string) {
	e := kvError{Code: code, Message: msg}
	if inner != "" {
		e.InnerError = &struct {
			Code string `json:"code"`
		}{inner}
	}
	writeJSON(w, status, map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (v *vaultServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_emulator/") {
		v.control(w, r)
		return
	}
	v.c.requests.Add(1)
	v.clients.arrived(r, v.emu.now())
	n := v.c.inFlight.Add(1)
	defer v.c.inFlight.Add(-1)
	for {
		m := v.c.maxInFlight.Load()
		if n <= m || v.c.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	if d := v.emu.opts.Latency; d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	if v.throttled() {
		v.c.throttled.Add(1)
		v.clients.throttled(r, v.emu.now(), time.Second)
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "Throttled", "", "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached")
		return
	}
	if !v.authorized(w, r) || !checkAPIVersion(w, r) {
		return
	}
	canonicalPath(r)
	if _, pattern := v.mux.Handler(r); pattern == "" {
		if strings.HasPrefix(r.URL.Path, "/secrets") || strings.HasPrefix(r.URL.Path, "/deletedsecrets") {
			writeError(w, http.StatusMethodNotAllowed, "BadParameter", "", "Method "+r.Method+" is not supported for "+r.URL.Path)
			return
		}
		writeError(w, http.StatusNotFound, "NotFound", "", "The requested resource was not found.")
		return
	}
	v.mux.ServeHTTP(w, r) // Handler found the route but sets no path values
}

// control serves the emulator's own endpoints: GET /_emulator/stats (the
// counters) and POST /_emulator/throttle?next=N (the next N Key Vault
// requests answer 429 Throttled with Retry-After, so a test can see a
// client honour it).
func (v *vaultServer) control(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/_emulator/stats":
		writeJSON(w, http.StatusOK, v.stats())
	case r.URL.Path == "/_emulator/throttle" && r.Method == http.MethodPost:
		n, err := strconv.Atoi(r.URL.Query().Get("next"))
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "BadParameter", "", "want ?next=N, N ≥ 0")
			return
		}
		v.throttleNext.Store(int64(n))
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, http.StatusNotFound, "NotFound", "", "The emulator serves /_emulator/stats and POST /_emulator/throttle?next=N.")
	}
}

// throttled implements --throttle (N requests per second per vault) and
// /_emulator/throttle.
func (v *vaultServer) throttled() bool {
	for {
		n := v.throttleNext.Load()
		if n <= 0 {
			break
		}
		if v.throttleNext.CompareAndSwap(n, n-1) {
			return true
		}
	}
	limit := v.emu.opts.Throttle
	if limit <= 0 {
		return false
	}
	v.throttleMu.Lock()
	defer v.throttleMu.Unlock()
	now := v.emu.now()
	if now.Sub(v.throttleStart) >= time.Second {
		v.throttleStart, v.throttleCount = now, 0
	}
	v.throttleCount++
	return v.throttleCount > limit
}

// authorized answers the challenge flow: no token → 401 with the
// authorization server and resource of the host's cloud; a bad token →
// 401 with a reason.
func (v *vaultServer) authorized(w http.ResponseWriter, r *http.Request) bool {
	c := cloudOf(r.Host)
	auth := r.Header.Get("Authorization")
	challenge := fmt.Sprintf(`Bearer authorization="%s/%s", resource="%s"`, c.login, v.tenant, c.resource)
	if auth == "" {
		v.c.challenges.Add(1)
		v.clients.challenge(r)
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, http.StatusUnauthorized, "Unauthorized", "", "AKV10000: Request is missing a Bearer or PoP token.")
		return false
	}
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok {
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, http.StatusUnauthorized, "Unauthorized", "", "AKV10001: Authorization header is not a Bearer token.")
		return false
	}
	if err := v.verified(tok, c.resource); err != nil {
		v.clients.challenge(r)
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, http.StatusUnauthorized, "Unauthorized", "", err.Error())
		return false
	}
	v.clients.authorized(r)
	return true
}

// verified checks a bearer token, remembering good ones until they
// expire: every request of a run carries the same token.
func (v *vaultServer) verified(tok, audience string) error {
	now := v.emu.now()
	cacheKey := audience + " " + tok
	if exp, ok := v.goodTokens.Load(cacheKey); ok && now.Before(exp.(time.Time)) {
		return nil
	}
	c, err := v.emu.signer.verify(tok, now, audience, v.tenant)
	if err != nil {
		return err
	}
	v.goodTokens.Store(cacheKey, time.Unix(c.Exp, 0))
	return nil
}

// base is the vault URL as the client addressed it (https://127.0.0.1:port
// directly, https://demo.vault.azure.net through the proxy): ids and
// nextLinks point back where the client already is.
func base(r *http.Request) string {
	return "https://" + strings.TrimSuffix(r.Host, ":443")
}

// canonicalPath resolves a request path's empty, "." and ".." segments,
// keeping a trailing "/" (the latest version): Key Vault takes //secrets
// as /secrets (its own REST samples send it), and where the mux would
// answer a redirect to the cleaned path, neither Key Vault nor ARM ever
// redirects.
func canonicalPath(r *http.Request) {
	p := path.Clean("/" + r.URL.Path)
	if strings.HasSuffix(r.URL.Path, "/") && p != "/" {
		p += "/"
	}
	r.URL.Path, r.URL.RawPath = p, ""
}

func (v *vaultServer) stats() Stats {
	s := Stats{
		TokenRequests: v.emu.tokenRequests.Load(),
		Challenges:    v.c.challenges.Load(),
		Gets:          v.c.gets.Load(),
		Lists:         v.c.lists.Load(),
		Puts:          v.c.puts.Load(),
		Throttled:     v.c.throttled.Load(),
		Requests:      v.c.requests.Load(),
		MaxInFlight:   v.c.maxInFlight.Load(),
	}
	v.clients.fill(&s)
	return s
}
