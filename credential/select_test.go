package credential

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSelect(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	noAz := func(string) (string, error) { return "", os.ErrNotExist }
	_, err := Select(SelectOptions{Getenv: env(nil), LookPath: noAz})
	if err == nil || !strings.HasPrefix(err.Error(), "not in Azure Cloud Shell") {
		t.Fatalf("no MSI_ENDPOINT: err = %v", err)
	}
	assertKind(t, err, KindAuth)

	s, err := Select(SelectOptions{Getenv: env(map[string]string{"MSI_ENDPOINT": "http://127.0.0.1:1/oauth2/token"}), LookPath: noAz})
	if err != nil || s.Name != "cloudshell" {
		t.Fatalf("Select = %+v, %v", s, err)
	}
	s, err = Select(SelectOptions{Mode: "cloudshell", Getenv: env(nil)})
	if err != nil || s.Credential.(*CloudShell).endpoint != DefaultCloudShellEndpoint {
		t.Fatalf("--auth cloudshell without MSI_ENDPOINT: %+v, %v", s, err)
	}
	_, err = Select(SelectOptions{Getenv: env(map[string]string{"MSI_ENDPOINT": "not a url"})})
	assertKind(t, err, KindUsage)
	_, err = Select(SelectOptions{Mode: "kerberos"})
	assertKind(t, err, KindUsage)
}

func TestAutoOrderWithEntra(t *testing.T) {
	f := newFakeEntra(t)
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte(jwt(fedClaims("s", time.Now().Add(time.Hour)))), 0o600)
	base := map[string]string{"AZURE_TENANT_ID": tenantID, "AZURE_AUTHORITY_HOST": f.srv.URL + "/"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	gh := []string{"ACTIONS_ID_TOKEN_REQUEST_URL", f.srv.URL + "/oidc?api-version=2.0", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "t"}
	tests := []struct {
		env  map[string]string
		want string
	}{
		{with(append(gh, "AZURE_CLIENT_SECRET", "s", "AZURE_FEDERATED_TOKEN_FILE", tokenFile, "MSI_ENDPOINT", "http://127.0.0.1:1/t")...), "workload,serviceprincipal,github,cloudshell"},
		{with(append(gh, "AZURE_CLIENT_SECRET", "s")...), "serviceprincipal,github"},
		{with(gh...), "github"},
		{with("SYSTEM_OIDCREQUESTURI", f.srv.URL+"/oidc", "SYSTEM_ACCESSTOKEN", "x", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", "sc",
			"AZURESUBSCRIPTION_CLIENT_ID", clientID, "AZURESUBSCRIPTION_TENANT_ID", tenantID), "azurepipelines"},
	}
	noAz := func(string) (string, error) { return "", os.ErrNotExist }
	for _, tt := range tests {
		s, err := Select(SelectOptions{Getenv: func(k string) string { return tt.env[k] }, ClientID: clientID, LookPath: noAz, DMIDir: t.TempDir()})
		if err != nil {
			t.Fatalf("%v: %v", tt.env, err)
		}
		var names []string
		for _, c := range s.Credential.(*Chain).candidates {
			names = append(names, c.Name)
		}
		if got := strings.Join(names, ","); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
	// A GitHub job that forgot id-token: write is told so.
	_, err := Select(SelectOptions{Getenv: func(k string) string {
		return map[string]string{"GITHUB_ACTIONS": "true", "AZURE_TENANT_ID": tenantID}[k]
	},
		ClientID: clientID, LookPath: noAz, DMIDir: t.TempDir()})
	if err == nil || !strings.HasPrefix(err.Error(), "not in Azure Cloud Shell") || !strings.Contains(hintOf(err), "id-token: write") {
		t.Fatalf("no id-token: %v (hint %q)", err, hintOf(err))
	}
	// Named modes say what is missing.
	_, err = Select(SelectOptions{Mode: "workload", Getenv: func(string) string { return "" }})
	if err == nil || !strings.Contains(err.Error(), "AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID, AZURE_TENANT_ID not set") {
		t.Fatalf("workload: %v", err)
	}
	assertKind(t, err, KindAuth)
	// AZURE_AUTHORITY_HOST over plain http is a configuration error.
	_, err = Select(SelectOptions{Mode: "serviceprincipal", ClientID: clientID, Getenv: func(k string) string {
		return map[string]string{"AZURE_TENANT_ID": tenantID, "AZURE_CLIENT_SECRET": "s", "AZURE_AUTHORITY_HOST": "http://x"}[k]
	}})
	assertKind(t, err, KindUsage)
}

// A CI job that set a client secret (or a token file) but forgot an id
// gets told which, not "not in Azure Cloud Shell" with advice about az.
func TestAutoNamesHalfConfiguredMode(t *testing.T) {
	noAz := func(string) (string, error) { return "", os.ErrNotExist }
	tests := []struct {
		env       map[string]string
		clientID  string
		want, not string
	}{
		{map[string]string{"AZURE_CLIENT_SECRET": "s"}, clientID, "AZURE_CLIENT_SECRET is set without AZURE_TENANT_ID: set AZURE_TENANT_ID too (--auth serviceprincipal)", "label the pod"},
		{map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": "/c.pem", "AZURE_TENANT_ID": tenantID}, "", "AZURE_CLIENT_CERTIFICATE_PATH is set without AZURE_CLIENT_ID", ""},
		{map[string]string{"AZURE_FEDERATED_TOKEN_FILE": "/t", "AZURE_CLIENT_ID": clientID}, clientID, "AZURE_FEDERATED_TOKEN_FILE is set without AZURE_TENANT_ID: set AZURE_TENANT_ID too (--auth workload)", ""},
		{map[string]string{"AZURESUBSCRIPTION_CLIENT_ID": clientID, "AZURESUBSCRIPTION_TENANT_ID": tenantID}, "", "--auth azurepipelines", ""},
	}
	for _, tt := range tests {
		logs := &capture{}
		_, err := Select(SelectOptions{Getenv: func(k string) string { return tt.env[k] }, ClientID: tt.clientID, LookPath: noAz,
			DMIDir: t.TempDir(), Log: logs.logf})
		if err == nil || !strings.Contains(hintOf(err), tt.want) || !strings.Contains(logs.String(), tt.want) {
			t.Errorf("%v: %v (hint %q, log %q)", tt.env, err, hintOf(err), logs)
		}
		if tt.not != "" && strings.Contains(hintOf(err), tt.not) {
			t.Errorf("%v: hint %q", tt.env, hintOf(err))
		}
	}
}

func TestAutoCandidates(t *testing.T) {
	dmi := t.TempDir()
	noAz := func(string) (string, error) { return "", os.ErrNotExist }
	withAz := func(string) (string, error) { return "/usr/bin/az", nil }
	names := func(env map[string]string, look func(string) (string, error), dir string) string {
		s, err := Select(SelectOptions{Getenv: func(k string) string { return env[k] }, LookPath: look, DMIDir: dir})
		if err != nil {
			return "error: " + err.Error()
		}
		var ns []string
		for _, c := range s.Credential.(*Chain).candidates {
			ns = append(ns, c.Name)
		}
		return strings.Join(ns, ",")
	}
	tests := []struct {
		env  map[string]string
		look func(string) (string, error)
		vm   bool
		want string
	}{
		{nil, noAz, false, "error: " + NotInCloudShellMessage},
		{map[string]string{"MSI_ENDPOINT": "http://127.0.0.1:1/t"}, noAz, false, "cloudshell"},
		{map[string]string{"MSI_ENDPOINT": "http://127.0.0.1:1/t", "MSI_SECRET": "s"}, noAz, false, "azureml"},
		{map[string]string{"IDENTITY_ENDPOINT": "http://127.0.0.1:1/t", "IDENTITY_HEADER": "h"}, withAz, false, "appservice,azcli"},
		{map[string]string{"AKV_IMDS_ENDPOINT": "http://127.0.0.1:1/t"}, noAz, false, "imds"},
		{nil, noAz, true, "imds"},
		{map[string]string{"MSI_ENDPOINT": "http://127.0.0.1:1/t", "IDENTITY_ENDPOINT": "http://127.0.0.1:2/t", "IDENTITY_HEADER": "h"}, withAz, true, "cloudshell,appservice,imds,azcli"},
		{map[string]string{"MSI_ENDPOINT": "nonsense"}, withAz, false, "error: MSI_ENDPOINT=\"nonsense\" is not an http(s) URL"},
	}
	for _, tt := range tests {
		dir := filepath.Join(dmi, "none")
		if tt.vm {
			dir = filepath.Join(dmi, "azure")
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "sys_vendor"), []byte("Microsoft Corporation\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "chassis_asset_tag"), []byte(azureAssetTag+"\n"), 0o644)
		}
		if got := names(tt.env, tt.look, dir); got != tt.want {
			t.Errorf("env %v vm %v: got %q, want %q", tt.env, tt.vm, got, tt.want)
		}
	}
}

// Modes, Select and the auto chain read one table: every listed mode is
// one Select knows, listed once.
func TestModesAreSelectable(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range Modes() {
		if seen[m] {
			t.Errorf("%s listed twice", m)
		}
		seen[m] = true
		_, err := Select(SelectOptions{Mode: m, Getenv: func(string) string { return "" },
			LookPath: func(string) (string, error) { return "", os.ErrNotExist }, DMIDir: t.TempDir()})
		if err != nil && strings.Contains(err.Error(), "unknown --auth") {
			t.Errorf("--auth %s: %v", m, err)
		}
	}
	if len(seen) != len(modes())+1 || !seen[AuthAuto] {
		t.Errorf("Modes() = %v", Modes())
	}
}
