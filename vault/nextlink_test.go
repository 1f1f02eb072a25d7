package vault

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// A hostile listing of empty pages, each with a new nextLink of half a
// megabyte, costs no more memory for its 25th page than for its first:
// the links followed are remembered by hash (to refuse a loop), not
// kept whole. Kept whole, 25 pages held 12 MB until --timeout.
func TestLongNextLinksAreNotKept(t *testing.T) {
	const pages, size = 25, 512 << 10
	pad := strings.Repeat("a", size)
	var n atomic.Int64
	release := make(chan struct{})
	last := make(chan struct{})
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		if i == pages {
			close(last)
			<-release
			fmt.Fprint(w, `{"value":[]}`)
			return
		}
		fmt.Fprintf(w, `{"value":[],"nextLink":"%s/secrets?p=%d&x=%s"}`, srv.URL, i, pad)
	}))
	defer srv.Close()
	c, err := New(Options{Credential: &tenantCred{}, HTTPClient: srv.Client(), Endpoints: Endpoints{Map: map[string]string{"demo": srv.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	done := make(chan error, 1)
	go func() {
		_, err := c.List(context.Background(), Ref{Vault: "demo"}, Filter{})
		done <- err
	}()
	<-last // the client holds whatever it keeps of 79 pages
	grown := int64(heap()) - int64(before)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if grown > 6<<20 {
		t.Errorf("heap grew %d MiB over %d pages with %d KiB nextLinks", grown>>20, pages-1, size>>10)
	}
}

// A nextLink whose host is the vault's own but for a Kelvin sign (U+212A,
// which strings.ToLower folds to "k") is another origin: Go's client sends
// it as punycode, xn--eyhost-o11c, another name. It was followed, with
// the token, to that name.
func TestNonASCIINextLinkIsAnotherOrigin(t *testing.T) {
	var mu sync.Mutex
	var hosts []string // Host of each request the vault's address saw
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hosts = append(hosts, r.Host)
		mu.Unlock()
		if r.URL.Query().Get("p") == "" {
			fmt.Fprintf(w, `{"value":[],"nextLink":"https://\u212Aeyhost.test:%d/secrets?p=2"}`, srv.Listener.Addr().(*net.TCPAddr).Port)
			return
		}
		fmt.Fprint(w, `{"value":[]}`)
	}))
	defer srv.Close()
	// keyhost.test (and any name) is the test server, whose certificate
	// names example.com.
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.ServerName = "example.com"
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	base := fmt.Sprintf("https://keyhost.test:%d", srv.Listener.Addr().(*net.TCPAddr).Port)
	c, err := New(Options{Credential: &tenantCred{}, HTTPClient: &http.Client{Transport: tr}, Endpoints: Endpoints{Map: map[string]string{"demo": base}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.List(context.Background(), Ref{Vault: "demo"}, Filter{})
	if err == nil || !strings.Contains(err.Error(), "another origin") {
		t.Errorf("List = %v, want the nextLink refused as another origin", err)
	}
	if len(hosts) != 1 {
		t.Errorf("requests to hosts %q, want only the first page", hosts)
	}
}
