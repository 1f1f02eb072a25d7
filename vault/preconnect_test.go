package vault

import (
	"context"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// The connection dialed while the token is fetched is the one the first
// request uses (issue 14): one TLS connection, HTTP/2, for a whole batch.
func TestPreconnectedConnectionIsUsed(t *testing.T) {
	var conns atomic.Int32
	var mu sync.Mutex
	var protos []string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		protos = append(protos, fmt.Sprintf("%s auth=%v", r.Proto, r.Header.Get("Authorization") != ""))
		mu.Unlock()
		name := strings.Trim(strings.TrimPrefix(r.URL.Path, "/secrets/"), "/")
		fmt.Fprintf(w, `{"value":"v-%s","id":"https://x.vault.azure.net/secrets/%s/0123456789abcdef0123456789abcdef","attributes":{"enabled":true}}`, name, name)
	}))
	srv.EnableHTTP2 = true
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	hc, err := NewHTTPClient(ca, 4)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Options{Credential: staticCred{}, HTTPClient: hc, Endpoints: Endpoints{Map: map[string]string{"demo": srv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Get(context.Background(), refs(t, "a", "b", "c"))
	if err != nil || got[2].Value != "v-c" {
		t.Fatalf("Get = %v, %v", got, err)
	}
	pc := hc.Transport.(*extraRoots).pre
	pc.mu.Lock()
	taken := pc.taken
	pc.mu.Unlock()
	if n := conns.Load(); n != 1 || taken != 1 {
		t.Errorf("%d connections for one vault, %d of them dialed ahead; want one, dialed ahead", n, taken)
	}
	for _, p := range protos {
		if p != "HTTP/2.0 auth=true" {
			t.Errorf("request %s, want HTTP/2.0 with a token", p)
		}
	}
}
