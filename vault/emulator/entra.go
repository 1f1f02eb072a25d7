package emulator

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// The emulator also plays Entra ID and the OIDC issuers of the CI and
// Kubernetes platforms, on one HTTPS listener of its own:
//
//	POST /{tenant}/oauth2/v2.0/token                     Entra ID's client-credentials grant
//	GET  /github/idtoken?api-version=2.0&audience=…      GitHub Actions' OIDC token service
//	POST /azdo/…/oidctoken?api-version=7.1&serviceConnectionId=…   Azure Pipelines'
//	POST /_emulator/rotate                               rotate the projected token file now
//	GET  /_emulator/stats                                counters
//
// One application is registered, with a client secret, a certificate
// (for --identity serviceprincipal) and a federated credential for each
// issuer. Assertions are checked as Entra ID checks them, and refused
// with its error shapes.

// Identities for Options.Identity (akv emulator --identity).
var Identities = []string{"cloudshell", "workload", "github", "azurepipelines", "serviceprincipal"}

// IdentityFaults for Options.IdentityFault: what is wrong with every
// assertion the emulator's issuers mint.
var IdentityFaults = []string{"expired", "foreign", "forged", "audience", "subject"}

// The registered application and what its federated credentials trust.
const (
	AppClientID         = "0bd1b0b2-0000-4000-8000-00000000c1d0"
	AppObjectID         = "00000000-0000-4000-8000-0000000a1b0c"
	ServiceConnectionID = "00000000-0000-4000-8000-00000000a5c0"
	federatedAudience   = "api://AzureADTokenExchange"
	jwtBearerType       = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

// issuer is one OIDC issuer the emulator plays, with the subject its
// federated credential on the application expects.
type issuer struct {
	iss, sub string
	kid      string
	key      *ecdsa.PrivateKey
}

type identityServer struct {
	emu     *Emulator
	baseURL string
	dir     string

	k8s, github, azdo *issuer
	foreign           *ecdsa.PrivateKey // signs "foreign" assertions

	githubToken, azdoToken string // the runners' request tokens
	clientSecret           string
	spCert                 *x509.Certificate // nil unless serviceprincipal
	pfxPassword            string
	tokenFile              string

	mu          sync.Mutex
	generation  int            // of the projected token file
	generations map[string]int // jti → generation
	rotateTimer *time.Timer
	closed      bool
	stats       IdentityStats
}

// IdentityStats are the counters of GET /_emulator/stats on the identity
// listener.
type IdentityStats struct {
	Exchanges      int64 `json:"exchanges"` // tokens issued by the token endpoint
	Refused        int64 `json:"refused"`   // token requests answered with an AADSTS error
	GitHubTokens   int64 `json:"githubTokens"`
	PipelineTokens int64 `json:"pipelineTokens"`
	Rotations      int64 `json:"rotations"`      // of the projected token file
	LastGeneration int64 `json:"lastGeneration"` // of the projected token last exchanged
}

// projectedLifetime is the projected token's lifetime (the AKS webhook
// asks for an hour); the kubelet rotates at 80% of it.
const projectedLifetime = time.Hour

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func newIssuer(iss, sub string) (*issuer, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return &issuer{iss: iss, sub: sub, kid: randomHex(8), key: key}, nil
}

// startIdentity listens for Entra ID and the issuers, and writes the
// projected token file and (for serviceprincipal) the certificate files.
func (e *Emulator) startIdentity(tlsCfg *tls.Config, dir string) error {
	if e.opts.Identity == "" {
		e.opts.Identity = "cloudshell"
	}
	if !slices.Contains(Identities, e.opts.Identity) {
		return fmt.Errorf("unknown identity %q (want one of %s)", e.opts.Identity, strings.Join(Identities, ", "))
	}
	if e.opts.IdentityFault != "" && !slices.Contains(IdentityFaults, e.opts.IdentityFault) {
		return fmt.Errorf("unknown identity fault %q (want one of %s)", e.opts.IdentityFault, strings.Join(IdentityFaults, ", "))
	}
	s := &identityServer{emu: e, dir: dir, githubToken: randomHex(20), azdoToken: randomHex(26),
		clientSecret: "akvemu~" + randomHex(16), generations: map[string]int{}}
	var err error
	tenant := e.opts.Tenant
	if s.k8s, err = newIssuer("https://eastus.oic.prod-aks.azure.com/"+tenant+"/00000000-0000-4000-8000-00000000aa5c/", "system:serviceaccount:default:akv"); err != nil {
		return err
	}
	if s.github, err = newIssuer("https://token.actions.githubusercontent.com", "repo:akv-cli/demo:ref:refs/heads/main"); err != nil {
		return err
	}
	if s.azdo, err = newIssuer("https://vstoken.dev.azure.com/00000000-0000-4000-8000-00000000a2d0", "sc://akv-cli/demo/akv-demo"); err != nil {
		return err
	}
	if s.foreign, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return err
	}
	if e.opts.Identity == "serviceprincipal" {
		if err := s.issueCertificate(); err != nil {
			return fmt.Errorf("service principal certificate: %w", err)
		}
	}
	ln, err := listenLoopback("127.0.0.1:0")
	if err != nil {
		return err
	}
	s.baseURL = "https://" + ln.Addr().String()
	s.tokenFile = filepath.Join(dir, "workload-identity", "azure-identity-token")
	e.identity = s
	if err := s.rotate(); err != nil {
		return fmt.Errorf("projected token file: %w", err)
	}
	e.serve(s, ln, tlsCfg)
	return nil
}

// stopIdentity stops the rotation timer.
func (e *Emulator) stopIdentity() {
	if s := e.identity; s != nil {
		s.mu.Lock()
		s.closed = true
		if s.rotateTimer != nil {
			s.rotateTimer.Stop()
		}
		s.mu.Unlock()
	}
}

// IdentityStats returns the identity listener's counters.
func (e *Emulator) IdentityStats() IdentityStats {
	s := e.identity
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// RotateProjectedToken writes a new projected token, as the kubelet does.
func (e *Emulator) RotateProjectedToken() error { return e.identity.rotate() }

// IdentityURL is the base URL of Entra ID and the issuers
// (AZURE_AUTHORITY_HOST).
func (e *Emulator) IdentityURL() string { return e.identity.baseURL }

// identityVars is the part of Environ that selects the identity
// (NAME=value), and the notes Env prints with it as comments.
func (e *Emulator) identityVars() (vars, notes []string) {
	s := e.identity
	export := func(k, v string) { vars = append(vars, k+"="+v) }
	record := func(is *issuer) {
		notes = append(notes, fmt.Sprintf("federated credential on application %s: issuer %s, subject %s, audience %s", AppClientID, is.iss, is.sub, federatedAudience))
	}
	tenant := e.opts.Tenant
	switch e.opts.Identity {
	case "cloudshell":
		export("MSI_ENDPOINT", e.MSIEndpoint)
	case "workload":
		export("AZURE_CLIENT_ID", AppClientID)
		export("AZURE_TENANT_ID", tenant)
		export("AZURE_FEDERATED_TOKEN_FILE", s.tokenFile)
		export("AZURE_AUTHORITY_HOST", s.baseURL+"/")
		record(s.k8s)
	case "github":
		export("ACTIONS_ID_TOKEN_REQUEST_URL", s.baseURL+"/github/idtoken?api-version=2.0")
		export("ACTIONS_ID_TOKEN_REQUEST_TOKEN", s.githubToken)
		export("AZURE_CLIENT_ID", AppClientID)
		export("AZURE_TENANT_ID", tenant)
		export("AZURE_AUTHORITY_HOST", s.baseURL)
		record(s.github)
	case "azurepipelines":
		export("SYSTEM_OIDCREQUESTURI", s.baseURL+"/azdo/akv-cli/demo/_apis/distributedtask/hubs/build/plans/"+
			"00000000-0000-4000-8000-0000000001a1/jobs/00000000-0000-4000-8000-0000000001b1/oidctoken")
		export("SYSTEM_ACCESSTOKEN", s.azdoToken)
		export("AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", ServiceConnectionID)
		export("AZURESUBSCRIPTION_CLIENT_ID", AppClientID)
		export("AZURESUBSCRIPTION_TENANT_ID", tenant)
		export("AZURE_AUTHORITY_HOST", s.baseURL)
		record(s.azdo)
	case "serviceprincipal":
		export("AZURE_CLIENT_ID", AppClientID)
		export("AZURE_TENANT_ID", tenant)
		export("AZURE_CLIENT_SECRET", s.clientSecret)
		export("AZURE_AUTHORITY_HOST", s.baseURL)
		notes = append(notes, fmt.Sprintf("or its certificate: unset AZURE_CLIENT_SECRET; AZURE_CLIENT_CERTIFICATE_PATH=%s", shellQuote(filepath.Join(s.dir, "sp.pem"))),
			fmt.Sprintf("  or AZURE_CLIENT_CERTIFICATE_PATH=%s AZURE_CLIENT_CERTIFICATE_PASSWORD=%s",
				shellQuote(filepath.Join(s.dir, "sp.pfx")), shellQuote(s.pfxPassword)))
	}
	return vars, notes
}

// issueCertificate makes the application's certificate: sp.pem (key and
// certificate) and sp.pfx (with a password), both mode 0600.
func (s *identityServer) issueCertificate() error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	now := s.emu.now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "akv emulator service principal"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(7 * 24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	if s.spCert, err = x509.ParseCertificate(der); err != nil {
		return err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	pemData := append(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	if err := os.WriteFile(filepath.Join(s.dir, "sp.pem"), pemData, 0o600); err != nil {
		return err
	}
	s.pfxPassword = randomHex(8)
	pfx, err := pkcs12.Modern.Encode(key, s.spCert, nil, s.pfxPassword)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.dir, "sp.pfx"), pfx, 0o600)
}

// mint signs an assertion of is, with the configured fault.
func (s *identityServer) mint(is *issuer, aud string, lifetime time.Duration, extra map[string]any) (token, jti string) {
	now := s.emu.now().Truncate(time.Second)
	jti = randomHex(12)
	claims := map[string]any{"iss": is.iss, "sub": is.sub, "aud": aud, "jti": jti,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(lifetime).Unix()}
	for k, v := range extra {
		claims[k] = v
	}
	key, kid := is.key, is.kid
	switch s.emu.opts.IdentityFault {
	case "expired":
		claims["iat"], claims["nbf"], claims["exp"] = now.Add(-lifetime-time.Minute).Unix(), now.Add(-lifetime-time.Minute).Unix(), now.Add(-time.Minute).Unix()
	case "subject":
		claims["sub"] = strings.Replace(is.sub, "main", "feature", 1)
		if claims["sub"] == is.sub {
			claims["sub"] = is.sub + "-other"
		}
	case "foreign":
		key, kid = s.foreign, randomHex(8)
	}
	head, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT", "kid": kid})
	body, _ := json.Marshal(claims)
	msg := b64.EncodeToString(head) + "." + b64.EncodeToString(body)
	sum := sha256.Sum256([]byte(msg))
	r, sg, _ := ecdsa.Sign(rand.Reader, key, sum[:])
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	sg.FillBytes(sig[32:])
	if s.emu.opts.IdentityFault == "forged" {
		// Signed, then altered: the signature no longer covers the claims.
		claims["sub"] = is.sub + ":admin"
		body, _ = json.Marshal(claims)
		msg = b64.EncodeToString(head) + "." + b64.EncodeToString(body)
	}
	return msg + "." + b64.EncodeToString(sig), jti
}

// audienceFor applies the "audience" fault: the assertion names another
// audience than Entra ID's, as a misconfigured projected volume would.
func (s *identityServer) audienceFor(requested string) string {
	if s.emu.opts.IdentityFault == "audience" {
		return "https://kubernetes.default.svc.cluster.local"
	}
	return requested
}

// rotate writes a new projected token the way the kubelet does: a new
// timestamped directory, then an atomic swap of the ..data symlink that
// "token" points through.
func (s *identityServer) rotate() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.generation++
	tok, jti := s.mint(s.k8s, s.audienceFor(federatedAudience), projectedLifetime, map[string]any{
		"kubernetes.io": map[string]any{"namespace": "default", "serviceaccount": map[string]string{"name": "akv"}}})
	s.generations[jti] = s.generation
	root := filepath.Join(s.dir, "workload-identity")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	gen := filepath.Join(root, fmt.Sprintf("..%s.%d", s.emu.now().UTC().Format("2006_01_02_15_04_05"), s.generation))
	if err := os.Mkdir(gen, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(gen, "azure-identity-token"), []byte(tok), 0o644); err != nil {
		return err
	}
	old, _ := os.Readlink(filepath.Join(root, "..data"))
	tmp := filepath.Join(root, "..data_tmp")
	os.Remove(tmp)
	if err := os.Symlink(filepath.Base(gen), tmp); err != nil {
		// No symlinks here (some Windows setups): replace the file itself.
		if err := os.WriteFile(s.tokenFile+".tmp", []byte(tok), 0o644); err != nil {
			return err
		}
		return os.Rename(s.tokenFile+".tmp", s.tokenFile)
	}
	if err := os.Rename(tmp, filepath.Join(root, "..data")); err != nil {
		return err
	}
	if s.generation == 1 {
		if err := os.Symlink(filepath.Join("..data", "azure-identity-token"), s.tokenFile); err != nil {
			return err
		}
	}
	if old != "" {
		os.RemoveAll(filepath.Join(root, old))
	}
	s.stats.Rotations = int64(s.generation - 1)
	s.rotateTimer = time.AfterFunc(projectedLifetime*4/5, func() { s.rotate() })
	return nil
}

func (s *identityServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token"):
		s.token(w, r)
	case r.URL.Path == "/github/idtoken":
		s.githubIDToken(w, r)
	case strings.HasPrefix(r.URL.Path, "/azdo/") && strings.HasSuffix(r.URL.Path, "/oidctoken"):
		s.azdoOIDCToken(w, r)
	case r.URL.Path == "/_emulator/rotate" && r.Method == http.MethodPost:
		if err := s.rotate(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]int{"generation": s.generation})
	case r.URL.Path == "/_emulator/stats":
		writeJSON(w, http.StatusOK, s.emu.IdentityStats())
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not_found"})
	}
}

// githubIDToken answers as the Actions runtime's token service.
func (s *identityServer) githubIDToken(w http.ResponseWriter, r *http.Request) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if r.Method != http.MethodGet || !strings.EqualFold(scheme, "bearer") || tok != s.githubToken {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
		return
	}
	if r.URL.Query().Get("api-version") != "2.0" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "api-version 2.0 required"})
		return
	}
	aud := r.URL.Query().Get("audience")
	if aud == "" {
		aud = "https://github.com/akv-cli" // GitHub's default: the owner's URL
	}
	jwt, _ := s.mint(s.github, s.audienceFor(aud), 5*time.Minute, map[string]any{
		"repository": "akv-cli/demo", "repository_owner": "akv-cli", "ref": "refs/heads/main", "event_name": "push",
		"job_workflow_ref": "akv-cli/demo/.github/workflows/ci.yml@refs/heads/main"})
	s.mu.Lock()
	s.stats.GitHubTokens++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"value": jwt})
}

// azdoOIDCToken answers as Azure DevOps' OIDC token endpoint for a
// service connection.
func (s *identityServer) azdoOIDCToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("x-vss-e2eid", randomHex(16))
	w.Header().Set("x-msedge-ref", "Ref A: "+randomHex(8))
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "bearer") || tok != s.azdoToken {
		if r.Header.Get("X-TFS-FedAuthRedirect") != "Suppress" {
			http.Redirect(w, r, s.baseURL+"/azdo/_signin", http.StatusFound) // a sign-in page, as Azure DevOps does
			return
		}
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "TF400813: The user '' is not authorized to access this resource."})
		return
	}
	q := r.URL.Query()
	switch {
	case r.Method != http.MethodPost:
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"message": "use POST"})
	case q.Get("api-version") != "7.1" && q.Get("api-version") != "7.1-preview.1":
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": fmt.Sprintf("The requested REST API version of %s is not supported by this endpoint.", q.Get("api-version"))})
	case q.Get("serviceConnectionId") != ServiceConnectionID:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": fmt.Sprintf("Service connection %s was not found.", q.Get("serviceConnectionId"))})
	default:
		jwt, _ := s.mint(s.azdo, s.audienceFor(federatedAudience), 15*time.Minute, nil)
		s.mu.Lock()
		s.stats.PipelineTokens++
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]string{"oidcToken": jwt})
	}
}

// aadError writes Entra ID's error shape.
func (s *identityServer) aadError(w http.ResponseWriter, status int, errCode string, code int, desc string) {
	s.mu.Lock()
	s.stats.Refused++
	s.mu.Unlock()
	now := s.emu.now().UTC()
	trace, corr := uuidLike(), uuidLike()
	writeJSON(w, status, map[string]any{
		"error": errCode,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
			code, desc, trace, corr, now.Format("2006-01-02 15:04:05Z")),
		"error_codes": []int{code}, "timestamp": now.Format("2006-01-02 15:04:05Z"),
		"trace_id": trace, "correlation_id": corr, "error_uri": fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", code),
	})
}

func uuidLike() string {
	h := randomHex(16)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// token is Entra ID's client-credentials grant.
func (s *identityServer) token(w http.ResponseWriter, r *http.Request) {
	s.emu.tokenRequests.Add(1)
	tenant := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/oauth2/v2.0/token")
	if r.Method != http.MethodPost {
		s.aadError(w, http.StatusBadRequest, "invalid_request", 900561, "The endpoint only accepts POST requests.")
		return
	}
	if tenant != s.emu.opts.Tenant {
		s.aadError(w, http.StatusBadRequest, "invalid_request", 90002, fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant))
		return
	}
	if err := r.ParseForm(); err != nil {
		s.aadError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	f := r.PostForm
	if f.Get("grant_type") != "client_credentials" {
		s.aadError(w, http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
		return
	}
	if f.Get("client_id") != AppClientID {
		s.aadError(w, http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory 'akv emulator'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", f.Get("client_id")))
		return
	}
	resource, ok := strings.CutSuffix(f.Get("scope"), "/.default")
	if !ok || !audiences[strings.TrimSuffix(resource, "/")] {
		s.aadError(w, http.StatusBadRequest, "invalid_scope", 1002012, fmt.Sprintf("The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", f.Get("scope")))
		return
	}
	switch {
	case f.Get("client_secret") != "":
		if f.Get("client_secret") != s.clientSecret {
			s.aadError(w, http.StatusUnauthorized, "invalid_client", 7000215, fmt.Sprintf("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", AppClientID))
			return
		}
	case f.Get("client_assertion") != "" || f.Has("client_assertion"):
		if f.Get("client_assertion_type") != jwtBearerType {
			s.aadError(w, http.StatusBadRequest, "invalid_request", 7000219, "'client_assertion' or 'client_secret' is required; client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.")
			return
		}
		if !s.checkAssertion(w, r, f.Get("client_assertion")) {
			return
		}
	default:
		s.aadError(w, http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
		return
	}
	now := s.emu.now().Truncate(time.Second)
	exp := now.Add(s.emu.opts.TokenLifetime)
	body, _ := json.Marshal(map[string]any{
		"aud": strings.TrimSuffix(resource, "/"), "iss": "https://sts.windows.net/" + s.emu.opts.Tenant + "/", "tid": s.emu.opts.Tenant,
		"oid": AppObjectID, "appid": AppClientID, "idtyp": "app", "iat": now.Unix(), "nbf": now.Unix(), "exp": exp.Unix(),
	})
	msg := b64.EncodeToString([]byte(`{"typ":"JWT","alg":"HS256"}`)) + "." + b64.EncodeToString(body)
	tok := msg + "." + b64.EncodeToString(s.emu.signer.mac(msg))
	s.mu.Lock()
	s.stats.Exchanges++
	s.mu.Unlock()
	lifetime := int(exp.Sub(s.emu.now()).Seconds())
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": tok})
}

type jwtHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	X5t string `json:"x5t"`
}

type jwtClaims struct {
	Iss string          `json:"iss"`
	Sub string          `json:"sub"`
	Aud json.RawMessage `json:"aud"`
	Jti string          `json:"jti"`
	Nbf int64           `json:"nbf"`
	Exp int64           `json:"exp"`
}

func (c jwtClaims) audiences() []string {
	var one string
	if json.Unmarshal(c.Aud, &one) == nil {
		return []string{one}
	}
	var many []string
	json.Unmarshal(c.Aud, &many)
	return many
}

// checkAssertion validates a certificate or federated assertion, answering
// Entra ID's error when it fails.
func (s *identityServer) checkAssertion(w http.ResponseWriter, r *http.Request, a string) bool {
	malformed := func() bool {
		s.aadError(w, http.StatusBadRequest, "invalid_request", 50027, "JWT token is invalid or malformed.")
		return false
	}
	parts := strings.Split(a, ".")
	if len(parts) != 3 {
		return malformed()
	}
	var h jwtHeader
	var c jwtClaims
	hb, err1 := b64.DecodeString(parts[0])
	cb, err2 := b64.DecodeString(parts[1])
	sig, err3 := b64.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &h) != nil || json.Unmarshal(cb, &c) != nil {
		return malformed()
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	now := s.emu.now()
	timeRange := func() bool {
		if now.Unix() < c.Nbf-300 || now.Unix() >= c.Exp {
			s.aadError(w, http.StatusBadRequest, "invalid_client", 700024, fmt.Sprintf(
				"Client assertion is not within its valid time range. Current time: %s, assertion valid from %s, expiry time of assertion %s. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
				now.UTC().Format("2006-01-02T15:04:05.0000000Z"), time.Unix(c.Nbf, 0).UTC().Format("2006-01-02T15:04:05.0000000Z"), time.Unix(c.Exp, 0).UTC().Format("2006-01-02T15:04:05.0000000Z")))
			return false
		}
		return true
	}
	if h.X5t != "" {
		// A certificate assertion (RFC 7523) of the application itself.
		thumb := ""
		if s.spCert != nil {
			t := sha1.Sum(s.spCert.Raw)
			thumb = b64.EncodeToString(t[:])
		}
		refused := func(reason string) bool {
			s.aadError(w, http.StatusUnauthorized, "invalid_client", 700027, fmt.Sprintf("Client assertion contains an invalid signature. [Reason - %s, Thumbprint of key used by client: '%s', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'.]", reason, h.X5t, AppClientID))
			return false
		}
		if h.X5t != thumb {
			return refused("The key was not found.")
		}
		if h.Alg != "RS256" || rsa.VerifyPKCS1v15(s.spCert.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum[:], sig) != nil {
			return refused("The provided signature value did not match the expected signature value.")
		}
		if c.Iss != AppClientID || c.Sub != AppClientID {
			s.aadError(w, http.StatusBadRequest, "invalid_client", 700021, "Client assertion application identifier doesn't match 'client_id' parameter.")
			return false
		}
		if want := "https://" + r.Host + r.URL.Path; !slices.Contains(c.audiences(), want) {
			return malformed()
		}
		return timeRange()
	}
	// A federated assertion: its issuer's key, its time range, then the
	// federated credential that must match issuer, subject and audience.
	var is *issuer
	for _, cand := range []*issuer{s.k8s, s.github, s.azdo} {
		if cand.iss == c.Iss {
			is = cand
		}
	}
	noMatch := func() bool {
		s.aadError(w, http.StatusBadRequest, "invalid_request", 70021, fmt.Sprintf("No matching federated identity record found for presented assertion. Assertion Issuer: '%s'. Assertion Subject: '%s'. Assertion Audience: '%s'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation", c.Iss, c.Sub, strings.Join(c.audiences(), ", ")))
		return false
	}
	if is == nil {
		return noMatch()
	}
	if h.Kid != is.kid {
		s.aadError(w, http.StatusUnauthorized, "invalid_client", 7000272, fmt.Sprintf("The certificate with identifier %s used to sign the federated credential could not be found in the metadata of identity provider %s. Please validate that your Identity Provider's metadata exposes the key used to sign the incoming token.", strings.ToUpper(h.Kid), is.iss))
		return false
	}
	if h.Alg != "ES256" || len(sig) != 64 || !ecdsa.Verify(&is.key.PublicKey, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return malformed()
	}
	if !timeRange() {
		return false
	}
	if c.Sub != is.sub || !slices.Contains(c.audiences(), federatedAudience) {
		return noMatch()
	}
	if is == s.k8s {
		s.mu.Lock()
		s.stats.LastGeneration = int64(s.generations[c.Jti])
		s.mu.Unlock()
	}
	return true
}
