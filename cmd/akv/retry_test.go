package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdEmuRetry fails when the emulator's vault saw a retry of a
// throttled request arrive before that 429's Retry-After had passed, by
// the emulator's own clock (issue 14): emuretry VAULT.
func cmdEmuRetry(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 || neg {
		ts.Fatalf("usage: emuretry VAULT")
	}
	var base string
	for _, pair := range strings.Split(ts.Getenv("AKV_VAULT_ENDPOINTS"), ",") {
		if k, v, ok := strings.Cut(pair, "="); ok && k == args[0] {
			base = v
		}
	}
	pem, err := os.ReadFile(ts.Getenv("AKV_CA_FILE"))
	ts.Check(err)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get(base + "/_emulator/stats")
	ts.Check(err)
	defer resp.Body.Close()
	var stats struct {
		Retries         int64  `json:"retries"`
		EarliestRetryUs *int64 `json:"earliestRetryUs"`
	}
	ts.Check(json.NewDecoder(resp.Body).Decode(&stats))
	if stats.Retries == 0 || stats.EarliestRetryUs == nil {
		ts.Fatalf("vault %s saw no retry: the check proves nothing", args[0])
	}
	if *stats.EarliestRetryUs < 0 {
		ts.Fatalf("vault %s: a retry came %d µs before its Retry-After had passed", args[0], -*stats.EarliestRetryUs)
	}
	ts.Logf("earliest retry %d µs after its Retry-After", *stats.EarliestRetryUs)
}
