package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// VaultResource is the audience Key Vault tokens are for, and what the
// emulator's challenge names.
const VaultResource = "https://vault.azure.net"

const pageSize = 25

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
}

type counters struct {
	challenges, gets, lists, puts, throttled, requests, inFlight, maxInFlight atomic.Int64
}

type vaultServer struct {
	name    string
	baseURL string // https://127.0.0.1:port, for ids and nextLinks
	tenant  string
	store   *store
	emu     *Emulator
	c       counters

	goodTokens sync.Map // token → expiry, for tokens already verified

	throttleMu    sync.Mutex
	throttleStart time.Time
	throttleCount int
}

type kvError struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	InnerError *struct {
		Code string `json:"code"`
	} `json:"innererror,omitempty"`
}

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
	if r.URL.Path == "/_emulator/stats" {
		writeJSON(w, http.StatusOK, v.stats())
		return
	}
	v.c.requests.Add(1)
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
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "Throttled", "", "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached")
		return
	}
	if !v.authorized(w, r) {
		return
	}
	v.route(w, r)
}

// throttled implements --throttle: N requests per second per vault.
func (v *vaultServer) throttled() bool {
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
// authorization server and resource; a bad token → 401 with a reason.
func (v *vaultServer) authorized(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	challenge := fmt.Sprintf(`Bearer authorization="https://login.microsoftonline.com/%s", resource="%s"`, v.tenant, VaultResource)
	if auth == "" {
		v.c.challenges.Add(1)
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
	if err := v.verified(tok); err != nil {
		w.Header().Set("WWW-Authenticate", challenge)
		writeError(w, http.StatusUnauthorized, "Unauthorized", "", err.Error())
		return false
	}
	return true
}

// verified checks a bearer token, remembering good ones until they
// expire: every request of a run carries the same token.
func (v *vaultServer) verified(tok string) error {
	now := v.emu.now()
	if exp, ok := v.goodTokens.Load(tok); ok && now.Before(exp.(time.Time)) {
		return nil
	}
	c, err := v.emu.signer.verify(tok, now, VaultResource, v.tenant)
	if err != nil {
		return err
	}
	v.goodTokens.Store(tok, time.Unix(c.Exp, 0))
	return nil
}

func (v *vaultServer) route(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	parts := strings.Split(path, "/")
	if len(parts) > 0 && parts[len(parts)-1] == "" { // trailing slash
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 || parts[0] != "secrets" {
		writeError(w, http.StatusNotFound, "NotFound", "", "The requested resource was not found.")
		return
	}
	switch {
	case len(parts) == 1 && r.Method == http.MethodGet:
		v.list(w, r, "")
	case len(parts) >= 2 && !validName(parts[1]):
		writeError(w, http.StatusBadRequest, "BadParameter", "", "The request URI contains an invalid name: "+url.PathEscape(parts[1]))
	case len(parts) == 2 && r.Method == http.MethodPut:
		v.put(w, r, parts[1])
	case len(parts) == 2 && r.Method == http.MethodGet:
		v.get(w, parts[1], "")
	case len(parts) == 3 && parts[2] == "versions" && r.Method == http.MethodGet:
		v.list(w, r, parts[1])
	case len(parts) == 3 && r.Method == http.MethodGet:
		v.get(w, parts[1], parts[2])
	default:
		writeError(w, http.StatusMethodNotAllowed, "BadParameter", "", "Method "+r.Method+" is not supported for "+r.URL.Path)
	}
}

// secretBundle is Key Vault's secret JSON; list items leave Value nil.
type secretBundle struct {
	Value       *string           `json:"value,omitempty"`
	ID          string            `json:"id"`
	Attributes  bundleAttributes  `json:"attributes"`
	ContentType string            `json:"contentType,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
}

type bundleAttributes struct {
	Enabled         bool   `json:"enabled"`
	Created         int64  `json:"created"`
	Updated         int64  `json:"updated"`
	RecoveryLevel   string `json:"recoveryLevel"`
	RecoverableDays int    `json:"recoverableDays"`
}

func (v *vaultServer) bundle(name string, ver *version, withValue bool) secretBundle {
	b := secretBundle{
		ID: v.baseURL + "/secrets/" + name + "/" + ver.id,
		Attributes: bundleAttributes{Enabled: ver.enabled, Created: ver.created.Unix(), Updated: ver.updated.Unix(),
			RecoveryLevel: "Recoverable+Purgeable", RecoverableDays: 90},
		ContentType: ver.contentType,
		Tags:        ver.tags,
	}
	if withValue {
		b.Value = &ver.value
	}
	return b
}

func (v *vaultServer) get(w http.ResponseWriter, name, id string) {
	v.c.gets.Add(1)
	var ver *version
	if id == "" {
		ver = v.store.latest(name)
	} else {
		ver = v.store.version(name, id)
	}
	if ver == nil {
		what := name
		if id != "" {
			what = name + "/" + id
		}
		writeError(w, http.StatusNotFound, "SecretNotFound", "",
			fmt.Sprintf("A secret with (name/id) %s was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.", what))
		return
	}
	if !ver.enabled {
		writeError(w, http.StatusForbidden, "Forbidden", "SecretDisabled", "Operation get is not allowed on a disabled secret.")
		return
	}
	writeJSON(w, http.StatusOK, v.bundle(name, ver, true))
}

// list pages by maxresults (25 when absent) with $skiptoken nextLinks. The
// first page is followed by an empty page that still carries a nextLink,
// as the real service sometimes sends.
func (v *vaultServer) list(w http.ResponseWriter, r *http.Request, versionsOf string) {
	v.c.lists.Add(1)
	q := r.URL.Query()
	size := pageSize
	if m, err := strconv.Atoi(q.Get("maxresults")); err == nil && m > 0 && m <= pageSize {
		size = m
	}
	type item struct {
		name string
		ver  *version
	}
	var items []item
	if versionsOf == "" {
		names, latest := v.store.names()
		for _, n := range names {
			items = append(items, item{n, latest[n]})
		}
	} else {
		for _, ver := range v.store.versions(versionsOf) {
			items = append(items, item{versionsOf, ver})
		}
	}
	skip := q.Get("$skiptoken")
	empty := strings.HasPrefix(skip, "e")
	offset, _ := strconv.Atoi(strings.TrimLeft(skip, "eo"))
	offset = max(0, min(offset, len(items)))
	page := []secretBundle{}
	next := offset
	if !empty {
		end := min(offset+size, len(items))
		for _, it := range items[offset:end] {
			b := v.bundle(it.name, it.ver, false)
			if versionsOf == "" {
				b.ID = v.baseURL + "/secrets/" + it.name
			}
			page = append(page, b)
		}
		next = end
	}
	var nextLink any // JSON null on the last page
	if next < len(items) {
		token := fmt.Sprintf("o%d", next)
		if offset == 0 && !empty {
			token = fmt.Sprintf("e%d", next)
		}
		path := "/secrets"
		if versionsOf != "" {
			path += "/" + versionsOf + "/versions"
		}
		nq := url.Values{"api-version": {q.Get("api-version")}, "$skiptoken": {token}, "maxresults": {strconv.Itoa(size)}}
		nextLink = v.baseURL + path + "?" + nq.Encode()
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": page, "nextLink": nextLink})
}

func (v *vaultServer) put(w http.ResponseWriter, r *http.Request, name string) {
	v.c.puts.Add(1)
	var body struct {
		Value       *string           `json:"value"`
		ContentType string            `json:"contentType"`
		Tags        map[string]string `json:"tags"`
		Attributes  struct {
			Enabled *bool `json:"enabled"`
		} `json:"attributes"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&body); err != nil || body.Value == nil {
		writeError(w, http.StatusBadRequest, "BadParameter", "", "The request body must be JSON with a string 'value'.")
		return
	}
	if len(*body.Value) > 25*1024 {
		writeError(w, http.StatusBadRequest, "BadParameter", "", "Secret value exceeds the maximum size of 25 KB.")
		return
	}
	now := v.emu.now().Truncate(time.Second)
	ver := &version{id: newID(), value: *body.Value, contentType: body.ContentType, tags: body.Tags,
		enabled: body.Attributes.Enabled == nil || *body.Attributes.Enabled, created: now, updated: now}
	v.store.put(name, ver)
	writeJSON(w, http.StatusOK, v.bundle(name, ver, true))
}

func (v *vaultServer) stats() Stats {
	return Stats{
		TokenRequests: v.emu.tokenRequests.Load(),
		Challenges:    v.c.challenges.Load(),
		Gets:          v.c.gets.Load(),
		Lists:         v.c.lists.Load(),
		Puts:          v.c.puts.Load(),
		Throttled:     v.c.throttled.Load(),
		Requests:      v.c.requests.Load(),
		MaxInFlight:   v.c.maxInFlight.Load(),
	}
}
