package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Issue 11 point 11: a URL that is not a vault's is text. Today
// https://localhost:1/secrets/x was contacted; here a loopback listener
// stands for both the "vault" and the identity endpoint, and must see
// nothing, while the child gets the value as it was.
func TestRunNeverContactsNonVaultURLs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	addr := ln.Addr().String()
	for _, values := range [][]string{
		{"https://" + addr + "/secrets/x"},
		{"https://localhost:" + strings.Split(addr, ":")[1] + "/secrets/x/0123456789abcdef0123456789abcdef"},
		{"https://example.com/org/secrets/readme", "https://" + addr + "/secrets/y"},
	} {
		environ := []string{"PATH=" + os.Getenv("PATH")}
		for i, v := range values {
			environ = append(environ, fmt.Sprintf("V%d=%s", i, v))
		}
		vars := map[string]string{"MSI_ENDPOINT": "http://" + addr + "/token", "AKV_DMI_DIR": t.TempDir()}
		var out, errb bytes.Buffer
		env := &Env{
			Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
			Getenv:  func(k string) string { return vars[k] },
			Environ: func() []string { return environ },
			Now:     time.Now,
		}
		code := run(context.Background(), env, []string{"akv", "run", "--mask", "--", "sh", "-c", `printf '%s|' "$V0" "$V1"`})
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", values, code, errb.String())
		}
		if want := strings.Join(append(values, "", "")[:2], "|") + "|"; out.String() != want {
			t.Errorf("the child saw %q, want %q", out.String(), want)
		}
		if n := accepted.Load(); n != 0 {
			t.Fatalf("%q: akv opened %d connections to %s, which no reference names", values, n, addr)
		}
	}
}
