package hostile

import (
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	stdlog "log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options configures Start. The zero value is an honest vault with a
// valid certificate for loopback.
type Options struct {
	Mode Mode
	Cert Cert
	// Names are extra DNS names the certificate carries and the proxy
	// tunnels to the vault (e.g. kv.corp.internal).
	Names []string
	// Dir, when set, receives ca.pem (the CA that signed a valid
	// certificate) and CAFile names it.
	Dir string
	// Canary prefixes every secret value; empty means a fresh one.
	Canary string
	// Audience is the Key Vault audience of the client's cloud: what the
	// honest challenge names and the only resource the identity endpoint
	// expects requests for. Empty means https://vault.azure.net.
	Audience string
}

// Server is a running hostile vault with its identity endpoint and the
// listeners that must never be contacted.
type Server struct {
	Mode     Mode
	URL      string // the vault: https://127.0.0.1:PORT
	MSI      string // Cloud Shell-shaped identity endpoint: http://127.0.0.1:PORT/oauth2/token
	Stranger string // an HTTPS origin a nextLink or redirect points to; never to be contacted
	Plain    string // plain HTTP on the vault's host; never to be contacted
	Proxy    string // HTTP CONNECT proxy that tunnels Names to the vault
	CAPEM    []byte // PEM of the CA that signed the valid certificates
	CAFile   string // Dir/ca.pem when Options.Dir was set
	Token    string // the token the identity endpoint hands out; the vault accepts only it
	Canary   string
	Audience string
	Tenant   string

	spec  modeSpec
	names []string
	done  chan struct{}

	mu         sync.Mutex
	log        []string
	unexpected []string
	tokens     int
	conns      int
	servers    []*httptest.Server
	closeOnce  sync.Once
}

// Secret names the honest vault holds; values are Canary + "-" + name.
var honestNames = [...]string{"db-password", "api-key"}

// Version is the version id of every secret.
const Version = "0123456789abcdef0123456789abcdef"

// Start runs a hostile server for o.Mode. Close it when done.
func Start(o Options) (*Server, error) {
	spec, ok := lookup(o.Mode)
	if !ok {
		return nil, fmt.Errorf("hostile: unknown mode %q (want one of %s)", o.Mode, strings.Join(ModeNames(), ", "))
	}
	s := &Server{Mode: spec.mode, spec: spec, names: o.Names, done: make(chan struct{}), Canary: o.Canary,
		Audience: o.Audience, Tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47"}
	if s.Canary == "" {
		s.Canary = fmt.Sprintf("hostile-canary-%x", time.Now().UnixNano())
	}
	if s.Audience == "" {
		s.Audience = "https://vault.azure.net"
	}
	s.Token = fakeJWT(s.Audience, s.Tenant, time.Now().Add(time.Hour), s.Canary)
	trusted, err := newAuthority("hostile trusted CA")
	if err != nil {
		return nil, err
	}
	rogue, err := newAuthority("hostile rogue CA")
	if err != nil {
		return nil, err
	}
	s.CAPEM = trusted.PEM()
	if o.Dir != "" {
		s.CAFile = filepath.Join(o.Dir, "ca.pem")
		if err := os.WriteFile(s.CAFile, s.CAPEM, 0o600); err != nil {
			return nil, err
		}
	}
	vaultCert, err := certFor(o.Cert, o.Names, trusted, rogue)
	if err != nil {
		return nil, err
	}
	strangerCert, err := certFor(CertValid, nil, trusted, rogue)
	if err != nil {
		return nil, err
	}

	vault := s.serveTLS(http.HandlerFunc(s.serveVault), vaultCert, func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
		}
	})
	s.URL = vault.URL
	s.Stranger = s.serveTLS(s.never("stranger"), strangerCert, nil).URL
	s.Plain = s.serve(s.never("plain-http")).URL
	s.MSI = s.serve(http.HandlerFunc(s.serveIdentity)).URL + "/oauth2/token"
	s.Proxy = s.serve(s.proxy(vault.Listener.Addr().String())).URL
	return s, nil
}

// T is the part of testing.TB that StartT needs.
type T interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	TempDir() string
}

// StartT starts a server for a Go test: its CA goes to a temp dir, and
// when the test ends the server stops and every request nobody expected
// fails the test.
func StartT(t T, o Options) *Server {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	s, err := Start(o)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		s.Close()
		for _, u := range s.Unexpected() {
			t.Errorf("hostile %s: a request nobody expected: %s", s.Mode, u)
		}
	})
	return s
}

func (s *Server) serveTLS(h http.Handler, cert tls.Certificate, connState func(net.Conn, http.ConnState)) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = connState
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.Config.ErrorLog = quietLog()
	srv.StartTLS()
	s.servers = append(s.servers, srv)
	return srv
}

func (s *Server) serve(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = quietLog()
	srv.Start()
	s.servers = append(s.servers, srv)
	return srv
}

// Close stops every listener; handlers that stall or drip return.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		for _, srv := range s.servers {
			srv.CloseClientConnections()
			srv.Close()
		}
	})
}

// Unexpected lists the requests nobody expected, in arrival order.
func (s *Server) Unexpected() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.unexpected...)
}

// Log lists every request the server saw, one line each, without tokens.
func (s *Server) Log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.log...)
}

// TokenRequests counts the identity endpoint's token requests.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens
}

// Connections counts the connections the vault accepted (one per TLS
// handshake attempt).
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Env is the environment that points akv at the server: the vault as
// VAULT in AKV_VAULT_ENDPOINTS (at host, when not empty, through Proxy),
// its CA in AKV_CA_FILE and the identity endpoint in MSI_ENDPOINT.
func (s *Server) Env(vault, host string) map[string]string {
	base := s.URL
	env := map[string]string{"MSI_ENDPOINT": s.MSI, "AKV_CA_FILE": s.CAFile}
	if host != "" {
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.URL, "https://"))
		base = "https://" + net.JoinHostPort(host, port)
		env["HTTPS_PROXY"] = s.Proxy
	}
	env["AKV_VAULT_ENDPOINTS"] = vault + "=" + base
	return env
}

func (s *Server) record(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, line)
}

func (s *Server) unexpectedRequest(w http.ResponseWriter, line string) {
	s.mu.Lock()
	s.unexpected = append(s.unexpected, line)
	s.mu.Unlock()
	http.Error(w, "hostile: nobody expected this request", 599)
}

func describe(where string, r *http.Request) string {
	auth := "no token"
	if r.Header.Get("Authorization") != "" {
		auth = "WITH A TOKEN"
	}
	for _, h := range []string{"X-Identity-Header", "Secret", "Metadata"} {
		if r.Header.Get(h) != "" {
			auth += ", " + h + " header"
		}
	}
	return fmt.Sprintf("%s: %s %s (%s)", where, r.Method, r.URL.RequestURI(), auth)
}

// never is a listener every request to which is unexpected.
func (s *Server) never(where string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		line := describe(where, r)
		s.record(line)
		s.unexpectedRequest(w, line)
	})
}

func (s *Server) serveVault(w http.ResponseWriter, r *http.Request) {
	line := describe("vault", r)
	s.record(line)
	auth := r.Header.Get("Authorization")
	// A challenge mode answers with its challenge whether or not the
	// request carries a token: akv sends the Key Vault token with a mapped
	// vault's first request (issue 14), and the attack is the challenge
	// that answers it.
	if auth == "" || (s.spec.challenge != "" && s.spec.vault == nil) {
		challenge := s.spec.challenge
		if challenge == "" {
			challenge = fmt.Sprintf(`Bearer authorization="https://login.microsoftonline.com/%s", resource="%s"`, s.Tenant, s.Audience)
		}
		w.Header().Set("WWW-Authenticate", challenge)
		writeJSON(w, http.StatusUnauthorized, kvError("Unauthorized", "AKV10000: Request is missing a Bearer or PoP token."))
		return
	}
	if auth != "Bearer "+s.Token || s.spec.vault == nil || !s.spec.vault(s, w, r) {
		s.unexpectedRequest(w, line)
	}
}

func (s *Server) serveIdentity(w http.ResponseWriter, r *http.Request) {
	line := describe("identity", r)
	s.record(line)
	if r.Method != http.MethodPost || r.URL.Path != "/oauth2/token" || r.Header.Get("Metadata") != "true" {
		s.unexpectedRequest(w, line)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		s.unexpectedRequest(w, line)
		return
	}
	s.mu.Lock()
	s.tokens++
	s.mu.Unlock()
	if res := r.PostForm.Get("resource"); res != s.Audience {
		// A token for anything but the vault audience is what an attacker
		// wants: nobody should ask for one.
		s.unexpectedRequest(w, fmt.Sprintf("%s for resource %q", line, res))
		return
	}
	if s.spec.identity != nil {
		s.spec.identity(s, w, r)
		return
	}
	s.writeToken(w, s.Token, time.Now().Add(time.Hour))
}

func (s *Server) writeToken(w http.ResponseWriter, tok string, exp time.Time) {
	writeJSON(w, http.StatusOK, map[string]string{
		"access_token": tok, "refresh_token": "", "expires_in": fmt.Sprint(int(time.Until(exp).Seconds())),
		"expires_on": fmt.Sprint(exp.Unix()), "not_before": fmt.Sprint(time.Now().Unix()),
		"resource": s.Audience, "token_type": "Bearer",
	})
}

// proxy tunnels CONNECT requests for Names to the vault, so a client can
// reach made-up DNS names without a resolver.
func (s *Server) proxy(vaultAddr string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		line := fmt.Sprintf("proxy: %s %s", r.Method, r.Host)
		s.record(line)
		host, _, _ := net.SplitHostPort(r.Host)
		if r.Method != http.MethodConnect || !contains(s.names, host) {
			s.unexpectedRequest(w, line)
			return
		}
		upstream, err := net.Dial("tcp", vaultAddr)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			upstream.Close()
			return
		}
		conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
		go pipe(upstream, buf)
		go pipe(conn, upstream)
		go func() {
			<-s.done
			conn.Close()
			upstream.Close()
		}()
	})
}

func pipe(dst io.WriteCloser, src io.Reader) {
	io.Copy(dst, src)
	dst.Close()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// ModeNames lists every mode, sorted.
func ModeNames() []string {
	var names []string
	for _, m := range modes() {
		names = append(names, string(m.mode))
	}
	sort.Strings(names)
	return names
}

// About describes mode m in a line.
func About(m Mode) string {
	spec, _ := lookup(m)
	return spec.about
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func kvError(code, msg string) map[string]any {
	return map[string]any{"error": map[string]string{"code": code, "message": msg}}
}

func fakeJWT(aud, tid string, exp time.Time, canary string) string {
	enc := base64.RawURLEncoding.EncodeToString
	head, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
	body, _ := json.Marshal(map[string]any{"aud": aud, "tid": tid, "oid": "00000000-0000-0000-0000-0000000000aa",
		"exp": exp.Unix(), "appid": "hostile"})
	return enc(head) + "." + enc(body) + "." + enc([]byte("token-"+canary))
}

// quietLog drops the server's own complaints (TLS handshakes the client
// refused are the point of some tests).
func quietLog() *stdlog.Logger { return stdlog.New(io.Discard, "", 0) }
