package vault

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
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
