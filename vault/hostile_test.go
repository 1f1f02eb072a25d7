package vault

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/akv-cli/akv/credential"
	"github.com/akv-cli/akv/vault/hostile"
)

// The tests in this file attack the client with vault/hostile, one mode
// per attack; each names the point of issue 11 ("Trust") it guards. A
// request the mode did not expect (a token sent to the stranger, a read
// after a refused challenge) fails the test on its own.

// recordingCred hands out the hostile server's token and remembers every
// scope it was asked for.
type recordingCred struct {
	token string
	mu    sync.Mutex
	asked []string
}

func (c *recordingCred) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked = append(c.asked, strings.Join(o.Scopes, " "))
	return azcore.AccessToken{Token: c.token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func (c *recordingCred) scopes() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.asked...)
}

type hostileSetup struct {
	srv  *hostile.Server
	c    *Client
	cred *recordingCred
	base string
}

// hostileVault maps vault "evil" to s. With host set, it is mapped to
// https://HOST:PORT and every dial goes to s, as a resolver would send it.
func hostileVault(t *testing.T, s *hostile.Server, host string, cred azcore.TokenCredential) hostileSetup {
	t.Helper()
	base := s.URL
	var dial func(context.Context, string, string) (net.Conn, error)
	if host != "" {
		addr := strings.TrimPrefix(s.URL, "https://")
		_, port, _ := net.SplitHostPort(addr)
		base = "https://" + net.JoinHostPort(host, port)
		var d net.Dialer
		dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		}
	}
	hc, err := newHTTPClient(s.CAFile, 4, dial)
	if err != nil {
		t.Fatal(err)
	}
	rc := &recordingCred{token: s.Token}
	if cred == nil {
		cred = rc
	}
	c, err := New(Options{Credential: cred, HTTPClient: hc, MaxRetries: 2, TokenScope: "https://vault.azure.net/.default",
		Endpoints: Endpoints{Suffix: "vault.azure.net", Map: map[string]string{"evil": base}}})
	if err != nil {
		t.Fatal(err)
	}
	return hostileSetup{srv: s, c: c, cred: rc, base: base}
}

func (h hostileSetup) get(t *testing.T, refs ...string) ([]Secret, error) {
	t.Helper()
	var rs []Ref
	for _, s := range refs {
		r, err := Parse(s, "evil")
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return h.c.Get(ctx, rs)
}

func (h hostileSetup) list(t *testing.T) ([]Item, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return h.c.List(ctx, Ref{Vault: "evil"}, Filter{})
}

func (h hostileSetup) getMatching(t *testing.T) (Matched, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return h.c.GetMatching(ctx, Ref{Vault: "evil"}, Filter{})
}

// wantVaultError checks a clean, classified failure: network kind (exit
// 7), the vault named, every fragment present, no value, no token.
func wantVaultError(t *testing.T, s *hostile.Server, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one containing %q", fragments)
	}
	msg := err.Error() + "\nhint: " + hintOf(err)
	if k := KindOf(err); k != KindNetwork {
		t.Errorf("kind %q (exit %s), want %q: %s", k, "?", KindNetwork, msg)
	}
	for _, f := range fragments {
		if !strings.Contains(msg, f) {
			t.Errorf("error %q lacks %q", msg, f)
		}
	}
	if strings.Contains(msg, s.Canary) || strings.Contains(msg, s.Token) {
		t.Errorf("error carries a value or the token: %q", msg)
	}
}

func tokensSent(s *hostile.Server) int {
	n := 0
	for _, l := range s.Log() {
		if strings.Contains(l, "WITH A TOKEN") {
			n++
		}
	}
	return n
}

func TestHonestHostileVault(t *testing.T) {
	h := hostileVault(t, hostile.StartT(t, hostile.Options{}), "", nil)
	got, err := h.get(t, "db-password", "api-key")
	if err != nil || got[0].Value != h.srv.Value("db-password") || got[1].Value != h.srv.Value("api-key") {
		t.Fatalf("get = %+v, %v", got, err)
	}
	items, err := h.list(t)
	if err != nil || len(items) != 2 {
		t.Fatalf("list = %+v, %v", items, err)
	}
}

// Issue 11 point 2: TLS is verified by crypto/tls, names included, for
// endpoints given by IP and by DNS name; a certificate failure is final.
func TestTLSMatrix(t *testing.T) {
	const dnsName = "kv.corp.internal"
	tests := []struct {
		host string // "" is 127.0.0.1
		cert hostile.Cert
		want string // "" accepts
	}{
		{"", hostile.CertValid, ""},
		{"", hostile.CertWrongName, "doesn't contain any IP SANs"},
		{"", hostile.CertNoIPSAN, "doesn't contain any IP SANs"},
		{"", hostile.CertUnknownCA, "certificate signed by unknown authority"},
		{dnsName, hostile.CertValid, ""},
		{dnsName, hostile.CertWrongName, "certificate is valid for someone-else.example, not kv.corp.internal"},
		{dnsName, hostile.CertNoIPSAN, ""},
		{dnsName, hostile.CertUnknownCA, "certificate signed by unknown authority"},
	}
	for _, tt := range tests {
		name := tt.host
		if name == "" {
			name = "ip"
		}
		t.Run(name+"/"+string(tt.cert), func(t *testing.T) {
			s := hostile.StartT(t, hostile.Options{Cert: tt.cert, Names: []string{dnsName}})
			h := hostileVault(t, s, tt.host, nil)
			got, err := h.get(t, "db-password")
			if tt.want == "" {
				if err != nil || got[0].Value != s.Value("db-password") {
					t.Fatalf("get = %v; want the value", err)
				}
				return
			}
			wantVaultError(t, s, err, "vault evil", "TLS certificate", tt.want)
			// One handshake, or two for an unknown authority: AKV_CA_FILE's
			// CAs first, then with the system roots loaded. Never a retry.
			if n, max := s.Connections(), map[bool]int{true: 2, false: 1}[tt.cert == hostile.CertUnknownCA]; n > max {
				t.Errorf("%d connections: a refused certificate was tried again", n)
			}
			// Two asks at most, the prefetch and the first request's own
			// (issue 14: the token goes with it), which the credential's
			// cache makes one identity request; none after the refusal.
			if len(s.Log()) != 0 || len(h.cred.scopes()) > 2 {
				t.Errorf("requests %v, token requests %v after a refused handshake", s.Log(), h.cred.scopes())
			}
		})
	}
}

// Issue 11 point 2, the column without AKV_CA_FILE: the system roots do
// not know the hostile CA, whatever the names.
func TestTLSSystemRootsRefuseUnknownCA(t *testing.T) {
	s := hostile.StartT(t, hostile.Options{})
	hc, err := NewHTTPClient("", 4)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := New(Options{Credential: &recordingCred{}, HTTPClient: hc, Endpoints: Endpoints{Map: map[string]string{"evil": s.URL}}})
	_, err = c.Get(context.Background(), []Ref{{Vault: "evil", Name: "db-password"}})
	wantVaultError(t, s, err, "TLS certificate", "unknown authority")
}

// Issue 11 point 3: a token goes only to the vault's own origin; a
// foreign nextLink is an error and nothing goes there; no redirect is
// followed.
func TestTokenGoesOnlyToTheVault(t *testing.T) {
	t.Run("foreign nextLink", func(t *testing.T) {
		s := hostile.StartT(t, hostile.Options{Mode: hostile.ForeignNextLink})
		h := hostileVault(t, s, "", nil)
		_, err := h.list(t)
		wantVaultError(t, s, err, "vault evil", "nextLink", s.Stranger, "another origin")
		_, err = h.getMatching(t)
		wantVaultError(t, s, err, "nextLink")
	})
	for _, mode := range []hostile.Mode{hostile.RedirectPlain, hostile.RedirectForeign} {
		t.Run(string(mode), func(t *testing.T) {
			s := hostile.StartT(t, hostile.Options{Mode: mode})
			h := hostileVault(t, s, "", nil)
			_, err := h.get(t, "db-password")
			wantVaultError(t, s, err, "vault evil", "redirect", "307")
			_, err = h.list(t)
			wantVaultError(t, s, err, "redirect")
		})
	}
}

// Issue 11 point 4: a challenge for any resource but the cloud's Key
// Vault audience is refused before a token is asked for it, on loopback
// too, and no token is sent.
func TestNoTokenForAForeignAudience(t *testing.T) {
	tests := []struct {
		mode hostile.Mode
		want []string
	}{
		{hostile.ForeignAudience, []string{"https://management.azure.com", "not the Key Vault audience https://vault.azure.net"}},
		{hostile.OtherCloudAudience, []string{"https://vault.azure.cn", "--cloud china"}},
		{hostile.MalformedChallenge, []string{"malformed challenge"}},
		{hostile.ClaimsNoClaims, []string{"malformed challenge (a claims challenge without claims)"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			s := hostile.StartT(t, hostile.Options{Mode: tt.mode})
			h := hostileVault(t, s, "", nil)
			_, err := h.get(t, "db-password", "api-key")
			wantVaultError(t, s, err, append([]string{"vault evil"}, tt.want...)...)
			for _, sc := range h.cred.scopes() {
				if sc != "https://vault.azure.net/.default" {
					t.Errorf("a token was asked for %q", sc)
				}
			}
			// The mapped host gets the Key Vault token with each first
			// request (issue 14: the user mapped it), and nothing after
			// its challenge was refused.
			if n := tokensSent(s); n > 2 {
				t.Errorf("the vault received %d tokens for 2 secrets", n)
			}
		})
	}
}

// Issue 11 point 4: AKV_VAULT_ENDPOINTS may map a vault to any private
// host whose challenge names the Key Vault audience.
func TestMappedPrivateHostWorks(t *testing.T) {
	s := hostile.StartT(t, hostile.Options{Names: []string{"kv.corp.internal"}})
	h := hostileVault(t, s, "kv.corp.internal", nil)
	got, err := h.get(t, "db-password")
	if err != nil || got[0].Value != s.Value("db-password") {
		t.Fatalf("get through %s = %v", h.base, err)
	}
}

// Issue 11 point 4: a host neither mapped nor under the cloud's Key Vault
// domain gets no token, nor any request: loopback included.
func TestUnmappedHostGetsNothing(t *testing.T) {
	for _, host := range []string{"evil.example", ""} {
		t.Run("host="+host, func(t *testing.T) {
			s := hostile.StartT(t, hostile.Options{Names: []string{"evil.example"}})
			h := hostileVault(t, s, "evil.example", nil) // every dial reaches s
			h.c.opts.Endpoints.Map = map[string]string{"evil": "https://kv.corp.internal:8443"}
			_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.URL, "https://"))
			target := "https://evil.example:" + port
			if host == "" {
				target = s.URL // loopback, but not a mapped origin
			}
			r, err := Parse(target+"/secrets/db-password", "")
			if err != nil {
				t.Fatal(err)
			}
			_, err = h.c.Get(context.Background(), []Ref{r})
			if err == nil || !strings.Contains(err.Error(), "not a Key Vault host") {
				t.Fatalf("err = %v, want a refusal naming the rule", err)
			}
			if l := s.Log(); len(l) != 0 || len(h.cred.scopes()) != 0 {
				t.Fatalf("requests %v, token requests %v: want none", l, h.cred.scopes())
			}
		})
	}
}

// Issue 11 points 5 and 6: malformed answers are clean errors naming the
// vault; no panic, no empty value passed off as a secret.
func TestMalformedAnswersAreCleanErrors(t *testing.T) {
	tests := []struct {
		mode hostile.Mode
		list bool
		want string
	}{
		{hostile.MissingID, true, "vault evil sent a malformed listing: an item without an id"},
		{hostile.ShortID, true, "vault evil sent a malformed listing: item id"},
		{hostile.NotASecretID, true, "vault evil sent a malformed listing: item id"},
		{hostile.BadName, true, "vault evil listed a name that is not a valid Key Vault secret name"},
		{hostile.MissingValue, false, "vault evil sent a malformed secret: no value"},
		{hostile.WrongSecret, false, `vault evil sent a malformed secret: its id names "someone-elses", not "db-password"`},
		{hostile.EmptyBody, false, "vault evil sent a malformed secret: no value"},
		{hostile.EmptyBody, true, "vault evil sent a malformed listing: no value array"},
		{hostile.InvalidJSON, false, "vault evil sent a malformed response (invalid JSON)"},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			s := hostile.StartT(t, hostile.Options{Mode: tt.mode})
			h := hostileVault(t, s, "", nil)
			if tt.list {
				items, err := h.list(t)
				wantVaultError(t, s, err, tt.want)
				if items != nil {
					t.Errorf("a failed listing returned items %v", items)
				}
				_, err = h.getMatching(t)
				wantVaultError(t, s, err, tt.want)
				return
			}
			got, err := h.get(t, "db-password")
			wantVaultError(t, s, err, tt.want)
			if got[0].Value != "" {
				t.Errorf("a failed secret carries a value")
			}
		})
	}
}

// Issue 11 point 7: a body that does not decompress is a malformed
// answer, asked for once: not "cannot reach vault", retried for seconds.
func TestCorruptCompressedBodyIsMalformed(t *testing.T) {
	s := hostile.StartT(t, hostile.Options{Mode: hostile.CorruptGzip})
	h := hostileVault(t, s, "", nil)
	_, err := h.get(t, "db-password")
	wantVaultError(t, s, err, "vault evil sent a malformed response (a corrupt gzip body)")
	reads := 0
	for _, l := range s.Log() {
		if strings.Contains(l, "WITH A TOKEN") {
			reads++
		}
	}
	if reads != 1 {
		t.Errorf("the secret was read %d times, want once: %q", reads, s.Log())
	}
}

// Issue 11 point 5: a name listed twice (here once as API-KEY: names are
// case-insensitive) is listed and fetched once.
func TestDuplicateNamesListedOnce(t *testing.T) {
	s := hostile.StartT(t, hostile.Options{Mode: hostile.DuplicateNames})
	h := hostileVault(t, s, "", nil)
	items, err := h.list(t)
	if err != nil || len(items) != 2 || items[0].Name != "db-password" || items[1].Name != "api-key" {
		t.Fatalf("list = %+v, %v; want db-password and api-key once", items, err)
	}
	sel, err := h.getMatching(t)
	if err != nil || len(sel.Secrets) != 2 || sel.Secrets[1].Value != s.Value("api-key") {
		t.Fatalf("getMatching = %+v, %v", sel, err)
	}
}

// Issue 11 point 7: a body over 1 MiB is refused after at most 1 MiB,
// with or without a Content-Length; memory stays small.
func TestHugeBodyIsRefusedInBoundedMemory(t *testing.T) {
	for _, mode := range []hostile.Mode{hostile.HugeBody, hostile.HugeBodyLength, hostile.GzipBomb} {
		t.Run(string(mode), func(t *testing.T) {
			s := hostile.StartT(t, hostile.Options{Mode: mode})
			h := hostileVault(t, s, "", nil)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := h.get(t, "db-password")
			runtime.ReadMemStats(&after)
			wantVaultError(t, s, err, "vault evil", "response too large")
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("allocated %d MiB for a refused body", alloc>>20)
			}
			if n := s.Connections(); n != 1 {
				t.Errorf("%d connections: a too-large answer was asked for again", n)
			}
		})
	}
}

// Issue 11 point 7: a slow drip is bounded by the caller's deadline.
func TestSlowDripIsBoundedByTheDeadline(t *testing.T) {
	s := hostile.StartT(t, hostile.Options{Mode: hostile.SlowDrip})
	h := hostileVault(t, s, "", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	_, err := h.c.Get(ctx, []Ref{{Vault: "evil", Name: "db-password"}})
	wantVaultError(t, s, err, "timed out talking to vault evil")
}

// Issue 11 point 10: when time runs out, the party that was slow or
// failing is blamed, every time: the identity endpoint (exit 3) or the
// vault (exit 7).
func TestBlameTheRightParty(t *testing.T) {
	tests := []struct {
		mode hostile.Mode
		kind Kind
		want string
	}{
		{hostile.IdentitySlow, KindAuth, "managed-identity endpoint"},
		{hostile.IdentityThrottle, KindAuth, "managed-identity endpoint"},
		{hostile.IdentityFailing, KindAuth, "managed-identity endpoint"},
		{hostile.VaultSlow, KindNetwork, "vault evil"},
		{hostile.VaultThrottle, KindNetwork, "vault evil"},
		{hostile.VaultFailing, KindNetwork, "vault evil"},
	}
	for _, tt := range tests {
		t.Run(string(tt.mode), func(t *testing.T) {
			t.Parallel()
			s := hostile.StartT(t, hostile.Options{Mode: tt.mode})
			for i := range 3 {
				cred, err := credential.NewCloudShell(&credential.IdentityOptions{Endpoint: s.MSI})
				if err != nil {
					t.Fatal(err)
				}
				h := hostileVault(t, s, "", cred)
				h.c.opts.MaxRetries = 4 // as in production
				ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
				_, err = h.c.Get(ctx, []Ref{{Vault: "evil", Name: "db-password"}, {Vault: "evil", Name: "api-key"}})
				cancel()
				if err == nil {
					t.Fatal("no error")
				}
				if KindOf(err) != tt.kind || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("run %d: kind %q, error %q; want kind %q naming %q", i, KindOf(err), err, tt.kind, tt.want)
				}
				var ce *credential.Error
				if tt.kind == KindNetwork && errors.As(err, &ce) {
					t.Fatalf("run %d: the identity endpoint was blamed: %v", i, err)
				}
			}
		})
	}
}
