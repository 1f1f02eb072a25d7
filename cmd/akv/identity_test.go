package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// identityClient talks to the running emulator's Entra ID listener
// (AZURE_AUTHORITY_HOST), trusting its CA.
func identityClient(ts *testscript.TestScript) (*http.Client, string) {
	base := strings.TrimSuffix(ts.Getenv("AZURE_AUTHORITY_HOST"), "/")
	if base == "" {
		ts.Fatalf("AZURE_AUTHORITY_HOST is not set: start the emulator with --identity")
	}
	pem, err := os.ReadFile(ts.Getenv("AKV_CA_FILE"))
	ts.Check(err)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}, base
}

// cmdEmuRotate makes the emulator rotate its projected token file now, as
// the kubelet does: emurotate.
func cmdEmuRotate(ts *testscript.TestScript, neg bool, args []string) {
	hc, base := identityClient(ts)
	resp, err := hc.Post(base+"/_emulator/rotate", "", nil)
	ts.Check(err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		ts.Fatalf("rotate: HTTP %d", resp.StatusCode)
	}
}

// cmdEmuIdent checks a counter of the emulator's identity listener:
// emuident FIELD WANT.
func cmdEmuIdent(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: emuident FIELD WANT")
	}
	hc, base := identityClient(ts)
	resp, err := hc.Get(base + "/_emulator/stats")
	ts.Check(err)
	defer resp.Body.Close()
	var stats map[string]int64
	ts.Check(json.NewDecoder(resp.Body).Decode(&stats))
	got := strconv.FormatInt(stats[args[0]], 10)
	if (got == args[1]) == neg {
		ts.Fatalf("emulator identity %s = %s, want %s", args[0], got, args[1])
	}
}

// ciVariables are the CI and Entra ID variables a developer's machine or
// a real runner may hold: the scripts start without them.
var ciVariables = []string{"AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
	"AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST",
	"ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_PATH",
	"SYSTEM_OIDCREQUESTURI", "SYSTEM_ACCESSTOKEN", "TF_BUILD", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
	"AZURESUBSCRIPTION_CLIENT_ID", "AZURESUBSCRIPTION_TENANT_ID", "KUBERNETES_SERVICE_HOST"}
