package emulator

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The fidelity tests run Microsoft's own clients, unmodified and with
// every setting at its default, against the emulator: the printed
// environment alone (Cloud Shell's MSI_ENDPOINT, the proxy, the CA
// variables) points them at https://demo.vault.azure.net. Each client runs
// the same scenario — a Cloud Shell token, set, get, versions, a listing
// over several pages, a disabled secret, update properties (an expired
// secret still reads), delete → get deleted → list deleted → recover,
// delete → purge, backup → purge → restore, 404, and a 429 with
// Retry-After that the client waits out — and this side checks what the
// emulator saw. A missing client skips the test, unless CI is set.

// need skips (or, in CI, fails) when a client is missing.
func need(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI is set: .ci/run installs it)", what)
	}
	t.Skip(what)
}

// fidelityEnv starts an emulator with an empty vault "demo" and returns
// the environment a client runs in: this process's, minus anything about
// Azure, proxies or CAs, plus the emulator's.
func fidelityEnv(t *testing.T) (*Emulator, []string) {
	return clientEnv(t, Options{Seeds: map[string]Seed{}})
}

// clientEnv starts an emulator with o and returns the environment a
// client runs in, as fidelityEnv does.
func clientEnv(t *testing.T, o Options) (*Emulator, []string) {
	e := start(t, o)
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		u := strings.ToUpper(k)
		if strings.HasPrefix(u, "AKV_") || strings.HasPrefix(u, "AZURE_") || strings.HasPrefix(u, "MSI_") || strings.HasPrefix(u, "IDENTITY_") ||
			strings.HasPrefix(u, "ACC_") || strings.HasSuffix(u, "_PROXY") || strings.HasPrefix(u, "SSL_CERT_") ||
			u == "REQUESTS_CA_BUNDLE" || u == "NODE_EXTRA_CA_CERTS" || u == "CURL_CA_BUNDLE" || u == "IMDS_ENDPOINT" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, e.Environ()...)
	return e, append(env, "VAULT_URL=https://demo.vault.azure.net", "EMU_CONTROL="+e.Vaults["demo"])
}

// runClient runs a client program and fails unless it printed ok.
func runClient(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// checkScenario checks, from the emulator's side, that the client went
// through the proxy, met the challenge (SDKs) and the 429, and left the
// vault as the scenario does.
func checkScenario(t *testing.T, e *Emulator, challenged bool, mayRefuse ...string) {
	t.Helper()
	st, _ := e.Stats("demo")
	if e.proxy.accepted.Load() == 0 {
		t.Errorf("the client opened no tunnel through the proxy")
	}
	for _, host := range e.proxy.refusals() {
		if !slices.ContainsFunc(mayRefuse, func(h string) bool { return strings.HasSuffix(host, h) }) {
			t.Errorf("the client asked the proxy for %s", host)
		}
	}
	if st.Throttled != 1 || st.TokenRequests == 0 || challenged != (st.Challenges > 0) {
		t.Errorf("stats %+v", st)
	}
	s := e.vaults["demo"].store
	for name, want := range map[string]error{"page-01": nil, "page-02": nil, "page-03": errNotFound} {
		if _, _, err := s.get(name, ""); !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
	}
	if _, v, err := s.get("page-01", ""); err != nil || v.exp == nil || *v.exp != time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC).Unix() || v.contentType != "text/plain" {
		t.Errorf("page-01 not updated (or not restored): %+v", v)
	}
	if len(s.goneKeys) != 0 {
		t.Errorf("deleted secrets left: %v", s.goneKeys)
	}
}

// TestFidelityPython runs Debian's python3-azure (azure-identity's
// ManagedIdentityCredential, azure-keyvault-secrets' SecretClient).
func TestFidelityPython(t *testing.T) {
	t.Parallel()
	python := pythonWithAzure()
	need(t, python != "", "no python3 with azure.identity and azure.keyvault.secrets: apt-get install python3-azure")
	e, env := fidelityEnv(t)
	runClient(t, "testdata/python", env, python, "fidelity.py")
	checkScenario(t, e, true)
}

// pythonWithAzure is a python3 that imports the Azure SDK, or "".
func pythonWithAzure() string {
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import azure.identity, azure.keyvault.secrets").Run() == nil {
			return p
		}
	}
	return ""
}

// TestFidelityJavaScript runs @azure/identity's ManagedIdentityCredential
// and @azure/keyvault-secrets, pinned by testdata/js/package-lock.json.
func TestFidelityJavaScript(t *testing.T) {
	t.Parallel()
	_, nodeErr := exec.LookPath("node")
	_, modErr := os.Stat(filepath.Join("testdata", "js", "node_modules", "@azure", "identity"))
	need(t, nodeErr == nil && modErr == nil, "node or testdata/js/node_modules missing: run npm ci in vault/emulator/testdata/js")
	e, env := fidelityEnv(t)
	runClient(t, "testdata/js", env, "node", "fidelity.mjs")
	checkScenario(t, e, true)
}

// TestFidelityGo runs azidentity's ManagedIdentityCredential and
// azsecrets, built from testdata/go: a module of its own, so azidentity
// stays out of akv's go.mod.
func TestFidelityGo(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	need(t, err == nil, "no go on PATH to build testdata/go")
	bin := filepath.Join(t.TempDir(), "fidelity")
	build := exec.Command(goTool, "build", "-o", bin, ".")
	build.Dir = filepath.Join("testdata", "go")
	build.Env = append(os.Environ(), "GOWORK=off")
	out, err := build.CombinedOutput()
	need(t, err == nil, "build testdata/go (it needs its modules from the Go module proxy): "+strings.TrimSpace(string(out)))
	e, env := fidelityEnv(t)
	runClient(t, t.TempDir(), env, bin)
	checkScenario(t, e, true)
}

// TestFidelityAzureCLI logs the Azure CLI in as Cloud Shell does (ACC_CLOUD
// set, `az login --identity`) and drives the vault with `az rest`. Debian's
// azure-cli 2.45 cannot load its own `az keyvault` module (it fails with
// "No module named 'azure.keyvault.v7_0'"), so `az rest` is its Key Vault
// client here. `az rest` retries nothing: the 429 surfaces as an error.
func TestFidelityAzureCLI(t *testing.T) {
	t.Parallel()
	_, err := exec.LookPath("az")
	need(t, err == nil, "az missing: apt-get install azure-cli")
	e, env := fidelityEnv(t)
	env = append(env, "ACC_CLOUD=PROD", "AZURE_CONFIG_DIR="+t.TempDir())
	az := func(args ...string) (string, error) {
		t.Helper()
		cmd := exec.Command("az", append(args, "--only-show-errors")...)
		cmd.Dir, cmd.Env = t.TempDir(), env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return stderr.String(), err
		}
		return string(out), nil
	}
	mustAz := func(args ...string) map[string]any {
		t.Helper()
		out, err := az(append(args, "-o", "json")...)
		if err != nil {
			t.Fatalf("az %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(out), &v); err != nil && strings.TrimSpace(out) != "" {
			var list []map[string]any
			if json.Unmarshal([]byte(out), &list) != nil || len(list) != 1 {
				t.Fatalf("az %s: %s", strings.Join(args, " "), out)
			}
			v = list[0]
		}
		return v
	}
	str := func(v any, path ...string) string {
		for _, p := range path {
			m, _ := v.(map[string]any)
			v = m[p]
		}
		s, _ := v.(string)
		return s
	}

	// Cloud Shell login: the token from MSI_ENDPOINT, the subscription from ARM.
	acct := mustAz("login", "--identity")
	if str(acct, "id") != e.opts.Subscription || str(acct, "tenantId") != e.opts.Tenant || acct["user"].(map[string]any)["cloudShellID"] != true {
		t.Fatalf("login: %v", acct)
	}
	tok := mustAz("account", "get-access-token", "--resource", "https://vault.azure.net")
	if str(tok, "tenant") != e.opts.Tenant || str(tok, "accessToken") == "" {
		t.Fatalf("get-access-token: tenant %q", str(tok, "tenant"))
	}

	// az rest is the CLI's Key Vault client; one call per step, as each
	// costs the CLI's start-up.
	vault := "https://demo.vault.azure.net"
	kv := func(method, path, body string) map[string]any {
		t.Helper()
		args := []string{"rest", "--resource", "https://vault.azure.net", "--method", method, "--url", vault + path}
		if body != "" {
			args = append(args, "--body", body)
		}
		return mustAz(args...)
	}
	kvFails := func(path, want string) {
		t.Helper()
		out, err := az("rest", "--resource", "https://vault.azure.net", "--url", vault+path)
		if err == nil || !strings.Contains(out, want) {
			t.Fatalf("az rest %s: %v %s, want an error with %s", path, err, out, want)
		}
	}
	const v = "?api-version=7.4"
	first := str(kv("put", "/secrets/page-02"+v, `{"value":"old"}`), "id")
	kv("put", "/secrets/page-02"+v, `{"value":"value-2"}`)
	if got := kv("get", strings.TrimPrefix(first, vault)+v, ""); str(got, "value") != "old" {
		t.Fatalf("get by version: %v", got)
	}
	if got := kv("get", "/secrets/page-02/versions"+v, ""); len(got["value"].([]any)) != 2 {
		t.Fatalf("versions: %v", got)
	}
	kv("put", "/secrets/page-01"+v, `{"value":"value-1","attributes":{"enabled":false}}`)
	kvFails("/secrets/page-01/"+v, "SecretDisabled")
	// Paging by hand, as az rest does not follow nextLink: 1, an empty page, 1.
	var sizes []int
	for next := vault + "/secrets" + v + "&maxresults=1"; next != ""; {
		page := mustAz("rest", "--resource", "https://vault.azure.net", "--url", next)
		sizes = append(sizes, len(page["value"].([]any)))
		next = str(page, "nextLink")
	}
	if fmt.Sprint(sizes) != "[1 0 1]" {
		t.Fatalf("page sizes %v", sizes)
	}
	// Update re-enables it and sets exp in the past: it still reads.
	kv("patch", "/secrets/page-01/"+v, `{"contentType":"text/plain","tags":{"env":"ci"},"attributes":{"enabled":true,"exp":1577934245,"nbf":1577934245}}`)
	if got := kv("get", "/secrets/page-01"+v, ""); str(got, "value") != "value-1" {
		t.Fatalf("expired secret: %v", got)
	}
	kv("delete", "/secrets/page-02"+v, "")
	if got := kv("get", "/deletedsecrets/page-02"+v, ""); !strings.HasSuffix(str(got, "recoveryId"), "/deletedsecrets/page-02") {
		t.Fatalf("get deleted: %v", got)
	}
	kv("post", "/deletedsecrets/page-02/recover"+v, "")
	kv("put", "/secrets/page-03"+v, `{"value":"value-3"}`)
	kv("delete", "/secrets/page-03"+v, "")
	kv("delete", "/deletedsecrets/page-03"+v, "")
	blob := str(kv("post", "/secrets/page-01/backup"+v, ""), "value")
	kv("delete", "/secrets/page-01"+v, "")
	kv("delete", "/deletedsecrets/page-01"+v, "")
	kv("post", "/secrets/restore"+v, `{"value":"`+blob+`"}`)
	kvFails("/secrets/page-03"+v, "SecretNotFound")
	direct := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: caPool(t, e)}}}
	resp, err := direct.Post(e.Vaults["demo"]+"/_emulator/throttle?next=1", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	kvFails("/secrets/page-02"+v, "Too Many Requests")
	// By default the CLI checks for a newer version (a HEAD of
	// azure.microsoft.com) and uploads telemetry: the proxy refuses both.
	checkScenario(t, e, false, "azure.microsoft.com:443", "visualstudio.com:443")
}
