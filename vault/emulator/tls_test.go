package emulator

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestHTTP10Clients: a client that speaks HTTP/1.0 and says so in ALPN
// (curl -0 does) is served, on the vault's own port and through a proxy
// tunnel. Both ended the handshake with no_application_protocol, as they
// offered only h2 and http/1.1.
func TestHTTP10Clients(t *testing.T) {
	e := start(t, Options{})
	tok := token(t, e, VaultResource)
	get := func(conn net.Conn, serverName, host string) {
		t.Helper()
		tc := tls.Client(conn, &tls.Config{ServerName: serverName, RootCAs: caPool(t, e), NextProtos: []string{"http/1.0"}})
		defer tc.Close()
		if err := tc.Handshake(); err != nil {
			t.Fatalf("%s: handshake: %v", host, err)
		}
		io.WriteString(tc, "GET /secrets/db-password?api-version=7.6 HTTP/1.0\r\nHost: "+host+"\r\nAuthorization: Bearer "+tok+"\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(string(body), "s3cr3t-Pa55w0rd!") {
			t.Errorf("%s: %d %s", host, resp.StatusCode, body)
		}
	}

	addr := strings.TrimPrefix(e.Vaults["demo"], "https://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	get(conn, "127.0.0.1", addr)

	conn, err = net.Dial("tcp", strings.TrimPrefix(e.ProxyURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "CONNECT demo.vault.azure.net:443 HTTP/1.0\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, &http.Request{Method: "CONNECT"})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("CONNECT: %v %v", resp, err)
	}
	get(bufferedConn{conn, br}, "demo.vault.azure.net", "demo.vault.azure.net")
}
