package emulator

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentClients races every operation on a few names (run it
// with -race, as make test does) while other clients open proxy tunnels
// and walk away at each stage: a listing walk ends and never shows a
// name twice, and once the clients are gone the emulator is back to the
// goroutines it idles with (a hung tunnel or handler would stay).
func TestConcurrentClients(t *testing.T) {
	e := start(t, Options{})
	w := newWire(t, e)
	w.hc.Transport.(*http.Transport).MaxIdleConnsPerHost = 16
	w.do("GET", "/secrets", nil)
	w.hc.CloseIdleConnections()
	idle := settle(t, 0)

	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			for i := range 40 {
				name := fmt.Sprintf("race-%d", i%4)
				switch (g + i) % 7 {
				case 0:
					w.do("PUT", "/secrets/"+name, map[string]any{"value": "v"})
				case 1:
					w.do("DELETE", "/secrets/"+name, nil)
				case 2:
					w.do("POST", "/deletedsecrets/"+name+"/recover", nil)
				case 3:
					w.do("DELETE", "/deletedsecrets/"+name, nil)
				case 4:
					if b := w.do("POST", "/secrets/"+name+"/backup", nil).str("value"); b != "" {
						w.do("POST", "/secrets/restore", map[string]any{"value": b})
					}
				case 5:
					w.do("PATCH", "/secrets/"+name, map[string]any{"tags": map[string]string{"i": fmt.Sprint(i)}})
					w.do("GET", "/secrets/"+name+"/versions?maxresults=2", nil)
					w.do("GET", "/deletedsecrets/"+name, nil)
				case 6:
					seen := map[string]bool{}
					next, pages := "/secrets?maxresults=5", 0
					for ; next != "" && pages < 100; pages++ {
						r := w.do("GET", next, nil)
						for _, id := range strings.Split(r.str("value"), `"id":"`)[1:] {
							id, _, _ = strings.Cut(id, `"`)
							if seen[id] {
								t.Errorf("listed twice in one walk: %s", id)
							}
							seen[id] = true
						}
						if next = r.str("nextLink"); next == "null" {
							next = ""
						}
					}
					if pages == 100 {
						t.Error("a listing walk did not end")
					}
				}
			}
		})
	}
	proxyAddr := strings.TrimPrefix(e.ProxyURL, "http://")
	for i := range 40 {
		wg.Go(func() {
			c, err := net.Dial("tcp", proxyAddr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			switch i % 4 {
			case 0: // gone halfway through the CONNECT
				io.WriteString(c, "CONNECT demo.vault.azure.net:443 HTTP/1.1\r\nHost: x\r\n")
			case 1: // gone before the TLS handshake
				io.WriteString(c, "CONNECT demo.vault.azure.net:443 HTTP/1.1\r\n\r\n")
				c.Read(make([]byte, 64))
			case 2: // gone with a request in flight
				io.WriteString(c, "CONNECT demo.vault.azure.net:443 HTTP/1.1\r\n\r\n")
				io.ReadFull(c, make([]byte, len("HTTP/1.1 200 Connection Established\r\n\r\n")))
				tc := tls.Client(c, &tls.Config{ServerName: "demo.vault.azure.net", RootCAs: caPool(t, e)})
				tc.Handshake()
				io.WriteString(tc, "GET /secrets?api-version=7.6 HTTP/1.1\r\nHost: demo.vault.azure.net\r\n\r\n")
			case 3: // refused
				io.WriteString(c, "CONNECT example.com:443 HTTP/1.1\r\n\r\n")
				c.Read(make([]byte, 64))
			}
		})
	}
	wg.Wait()
	w.hc.CloseIdleConnections()
	settle(t, idle)
}

// settle waits for the goroutine count to fall to want (0: just let it
// settle) and returns it; after 10 s, it fails with every stack.
func settle(t *testing.T, want int) int {
	t.Helper()
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if n = runtime.NumGoroutine(); want == 0 || n <= want {
			if want == 0 {
				time.Sleep(200 * time.Millisecond)
				return runtime.NumGoroutine()
			}
			return n
		}
	}
	buf := make([]byte, 1<<20)
	t.Fatalf("%d goroutines, want at most %d:\n%s", n, want, buf[:runtime.Stack(buf, true)])
	return n
}
